"""Standards pages: everyone with access reads them; staff (change_standard) edit drafts, inline with htmx."""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import Domain
from core.feedback import attempt, form_errors_as_messages
from core.files import content_disposition
from core.http import is_htmx
from core.permissions import require_permission

from . import exports, imports, rules, services
from .forms import CopyForm, ImportForm, ItemForm, SectionForm, StandardForm
from .models import Item, Section, Standard
from .selectors import applicable_sections, can_edit_standards, max_total, standards_visible_to

VIEW, CHANGE = "standards.view_standard", "standards.change_standard"


def _crumbs(standard: Standard | None = None, *extra):
    crumbs = [(_("标准"), reverse("standards:list"))]
    if standard is not None:
        crumbs.append((str(standard), reverse("standards:detail", args=[standard.pk])))
    return crumbs + list(extra)


def _get_standard(request, pk) -> Standard:
    return get_object_or_404(standards_visible_to(request.user), pk=pk)


def _step(direction: str) -> int:
    if direction not in ("up", "down"):
        raise Http404
    return -1 if direction == "up" else 1


def _domain_choices(standard) -> list[tuple[str, str]]:
    return [(code, Domain(code).label) for code in standard.applicable_domains]


def _chosen_domain(request, standard) -> str:
    domain = request.GET.get("domain", "")
    return domain if domain in standard.applicable_domains else ""


@require_permission(VIEW)
def standard_list(request):
    standards = standards_visible_to(request.user).select_related("copied_from")
    return render(
        request,
        "standards/standard_list.html",
        {
            "standards": standards,
            "can_edit": can_edit_standards(request.user),
            "breadcrumbs": _crumbs(),
        },
    )


@require_permission(VIEW)
def standard_detail(request, pk):
    standard = _get_standard(request, pk)
    domain = _chosen_domain(request, standard)
    sections = applicable_sections(standard, domain or None)
    can_edit = can_edit_standards(request.user) and standard.is_editable
    return render(
        request,
        "standards/standard_detail.html",
        {
            "standard": standard,
            "sections": sections,
            "domain": domain,
            "domain_choices": _domain_choices(standard),
            "applicable_total": sum(s.max_score for s in sections) if domain else None,
            "can_edit": can_edit,
            "can_manage": can_edit_standards(request.user),
            "publish_problems": services.publish_problems(standard) if can_edit else [],
            "copy_form": CopyForm(standard=standard),
            "breadcrumbs": _crumbs(standard),
        },
    )


@require_permission(CHANGE)
def standard_create(request):
    form = StandardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        standard = services.standard_create(by=request.user, **form.cleaned_data)
        messages.success(request, _("已创建草稿“%(name)s”，请添加板块和评分项。") % {"name": standard})
        return redirect(standard)
    return render(
        request,
        "form_page.html",
        {
            "form": form,
            "cancel_url": reverse("standards:list"),
            "title": _("新建标准"),
            "breadcrumbs": _crumbs(None, (_("新建标准"), None)),
        },
    )


@require_permission(CHANGE)
def standard_edit(request, pk):
    standard = _get_standard(request, pk)
    form = StandardForm(request.POST or None, instance=Standard.objects.get(pk=standard.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.standard_update(standard=standard, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect(standard)
    return render(
        request,
        "form_page.html",
        {
            "form": form,
            "subject": standard,
            "cancel_url": standard.get_absolute_url(),
            "title": _("编辑标准信息"),
            "breadcrumbs": _crumbs(standard, (_("编辑"), None)),
        },
    )


def _state_change(request, pk, action, success):
    standard = _get_standard(request, pk)
    attempt(request, lambda: action(standard=standard, by=request.user), success % {"name": standard})
    return redirect(standard)


@require_POST
@require_permission(CHANGE)
def standard_publish(request, pk):
    return _state_change(request, pk, services.standard_publish, _("“%(name)s”已发布。"))


@require_POST
@require_permission(CHANGE)
def standard_withdraw(request, pk):
    return _state_change(request, pk, services.standard_withdraw, _("“%(name)s”已撤回为草稿，可以修改。"))


@require_POST
@require_permission(CHANGE)
def standard_delete(request, pk):
    standard = _get_standard(request, pk)
    deleted = attempt(
        request,
        lambda: services.standard_delete(standard=standard, by=request.user),
        _("草稿“%(name)s”已删除。") % {"name": standard},
    )
    return redirect("standards:list") if deleted else redirect(standard)


@require_POST
@require_permission(CHANGE)
def standard_copy(request, pk):
    standard = _get_standard(request, pk)
    form = CopyForm(request.POST, standard=standard)
    if form.is_valid():
        copy = services.standard_copy(
            standard=standard, by=request.user, year=form.cleaned_data["year"], name=form.cleaned_data["name"] or None
        )
        messages.success(request, _("已复制为 %(year)s 年草稿，可以修改后发布。") % {"year": copy.year})
        return redirect(copy)
    form_errors_as_messages(request, form)
    return redirect(standard)


# --- sections -------------------------------------------------------------------------------------


@require_permission(CHANGE)
def section_form(request, pk, section_pk=None):
    standard = _get_standard(request, pk)
    section = get_object_or_404(Section, pk=section_pk, standard=standard) if section_pk else Section(standard=standard)
    form = SectionForm(request.POST or None, instance=section)
    if request.method == "POST" and form.is_valid():
        try:
            services.section_save(section=form.instance, by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("板块“%(title)s”已保存。") % {"title": section.title})
            return redirect(f"{standard.get_absolute_url()}#section-{section.pk}")
    title = _("编辑板块") if section_pk else _("添加板块")
    return render(
        request,
        "form_page.html",
        {
            "form": form,
            "subject": standard,
            "cancel_url": standard.get_absolute_url(),
            "section": section,
            "title": title,
            "breadcrumbs": _crumbs(standard, (title, None)),
        },
    )


@require_POST
@require_permission(CHANGE)
def section_delete(request, pk, section_pk):
    standard = _get_standard(request, pk)
    section = get_object_or_404(Section, pk=section_pk, standard=standard)
    attempt(
        request,
        lambda: services.section_delete(section=section, by=request.user),
        _("板块“%(title)s”及其评分项已删除。") % {"title": section.title},
    )
    return redirect(standard)


@require_POST
@require_permission(CHANGE)
def section_move(request, pk, section_pk, direction):
    standard = _get_standard(request, pk)
    section = get_object_or_404(Section, pk=section_pk, standard=standard)
    attempt(request, lambda: services.section_move(section=section, by=request.user, step=_step(direction)))
    return redirect(f"{standard.get_absolute_url()}#section-{section.pk}")


# --- items ----------------------------------------------------------------------------------------


def _item_row(request, item, *, form=None):
    """The item's table row, or its inline edit form: the fragments htmx swaps in place."""
    context = {"item": item, "standard": item.standard, "can_edit": True, "form": form}
    template = "standards/standard_detail.html#item_form" if form else "standards/standard_detail.html#item_row"
    return render(request, template, context)


@require_permission(CHANGE)
def item_create(request, pk, section_pk):
    standard = _get_standard(request, pk)
    section = get_object_or_404(Section, pk=section_pk, standard=standard)
    item = Item(standard=standard, section=section)
    form = ItemForm(request.POST or None, instance=item, initial={"section": section})
    if request.method == "POST" and form.is_valid():
        try:
            services.item_save(item=form.instance, by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("评分项“%(code)s”已添加。") % {"code": item.code})
            return redirect(f"{standard.get_absolute_url()}#item-{item.pk}")
    return render(
        request,
        "form_page.html",
        {
            "form": form,
            "subject": standard,
            "cancel_url": standard.get_absolute_url(),
            "title": _("添加评分项"),
            "breadcrumbs": _crumbs(standard, (_("添加评分项"), None)),
        },
    )


@require_permission(CHANGE)
def item_edit(request, pk, item_pk):
    """Inline with htmx (the row becomes a form and back); a plain page without JavaScript."""
    standard = _get_standard(request, pk)
    item = get_object_or_404(Item.objects.select_related("section", "standard"), pk=item_pk, standard=standard)
    if request.method == "GET" and is_htmx(request) and request.GET.get("cancel"):
        return _item_row(request, item)
    form = ItemForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        try:
            services.item_save(item=form.instance, by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if is_htmx(request):
                return _item_row(request, item)
            messages.success(request, _("评分项“%(code)s”已保存。") % {"code": item.code})
            return redirect(f"{standard.get_absolute_url()}#item-{item.pk}")
    if is_htmx(request):
        return _item_row(request, item, form=form)
    return render(
        request,
        "form_page.html",
        {
            "form": form,
            "subject": standard,
            "cancel_url": standard.get_absolute_url(),
            "title": _("编辑评分项"),
            "breadcrumbs": _crumbs(standard, (_("编辑评分项"), None)),
        },
    )


@require_POST
@require_permission(CHANGE)
def item_delete(request, pk, item_pk):
    standard = _get_standard(request, pk)
    item = get_object_or_404(Item, pk=item_pk, standard=standard)
    attempt(
        request,
        lambda: services.item_delete(item=item, by=request.user),
        _("评分项“%(code)s”已删除。") % {"code": item.code},
    )
    return redirect(f"{standard.get_absolute_url()}#section-{item.section_id}")


@require_POST
@require_permission(CHANGE)
def item_move(request, pk, item_pk, direction):
    standard = _get_standard(request, pk)
    item = get_object_or_404(Item, pk=item_pk, standard=standard)
    attempt(request, lambda: services.item_move(item=item, by=request.user, step=_step(direction)))
    return redirect(f"{standard.get_absolute_url()}#item-{item.pk}")


# --- export, import, print ------------------------------------------------------------------------


@require_permission(VIEW)
def standard_export(request, pk):
    standard = _get_standard(request, pk)
    response = HttpResponse(
        exports.standard_workbook(standard),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    filename = f"{standard.name}（{standard.year}）.xlsx"
    response["Content-Disposition"] = content_disposition(
        filename, as_attachment=True, fallback=f"standard-{standard.year}-{standard.pk}"
    )
    return response


@require_permission(CHANGE)
def standard_import(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        parsed = imports.read_standard_workbook(form.cleaned_data["file"])
        name = form.cleaned_data["name"] or str(parsed.info.get("名称") or "").strip()
        year = form.cleaned_data["year"] or _as_year(parsed.info.get("年度"))
        errors = [str(error) for error in parsed.errors]
        if not name:
            errors.append(_("请填写名称（表格“标准信息”页也没有名称）"))
        if not year:
            errors.append(_("请填写年度（表格“标准信息”页也没有有效的年度）"))
        if not errors:
            try:
                standard = services.standard_import(
                    parsed=parsed,
                    by=request.user,
                    name=name,
                    year=year,
                    total_score=_as_number(parsed.info.get("总分")),
                    notes=str(parsed.info.get("说明") or ""),
                )
            except ValidationError as error:
                errors = error.messages
            else:
                messages.success(request, _("已导入为草稿：%(count)s 个评分项。") % {"count": parsed.item_count})
                return redirect(standard)
    return render(
        request,
        "standards/standard_import.html",
        {
            "form": form,
            "errors": errors,
            "breadcrumbs": _crumbs(None, (_("导入标准"), None)),
        },
    )


def _as_year(value):
    try:
        year = int(value)
    except (TypeError, ValueError):
        return None
    return year if 2000 <= year <= 2100 else None


def _as_number(value):
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


@require_permission(VIEW)
def standard_print(request, pk):
    standard = _get_standard(request, pk)
    domain = _chosen_domain(request, standard)
    sections = applicable_sections(standard, domain or None)
    # With every domain's section on the sheet, their sum is a total no site has: state each domain's instead.
    pairs = [(section.domain, section.max_score) for section in sections]
    totals = [] if domain else rules.domain_totals(pairs, standard.applicable_domains)
    return render(
        request,
        "standards/standard_print.html",
        {
            "standard": standard,
            "sections": sections,
            "domain": domain,
            "domain_label": Domain(domain).label if domain else "",
            "domain_choices": _domain_choices(standard),
            "total": max_total(standard, domain) if domain else None,
            "domain_totals": [(Domain(t.domain).label, t.total) for t in totals],
            "same_total": totals[0] if totals and len({(t.general, t.own) for t in totals}) == 1 else None,
        },
    )
