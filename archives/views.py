"""Archive pages: a site's materials, upload, review, versions, trash, completeness, private downloads."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.selectors import regions_visible_to
from core.feedback import form_errors_as_messages
from core.files import private_file_response
from core.http import is_htmx
from core.pagination import DeferredPaginator
from core.permissions import file_permission, require_permission
from sites.selectors import sites_visible_to
from standards.selectors import applicable_items, current_evaluation_standard, published_years, standard_for_year

from . import services
from .filters import ReviewInboxFilter
from .forms import LedgerRequestForm, MaterialFilterForm, ReplaceForm, ReviewForm, UploadForm, upload_rules
from .models import Ledger, MaterialVersion
from .permissions import (
    decision_locked_for,
    is_archive_manager,
    may_build_ledger,
    may_reach_review,
    may_review,
    may_upload,
)
from .selectors import (
    completeness,
    ledgers_visible_to,
    mark_ledger_changes,
    materials_visible_to,
    pending_review_for,
    review_queue,
    review_row,
    site_materials,
    trash_of,
    versions_visible_to,
)
from .validation import UploadRejected, download_name

# Materials are private files: the archive pages need the archives' own read permission (a viewer, who
# sees dashboards and results, has none), and the site must be in the user's scope.
VIEW = "archives.view_material"
KIND_GROUPS = {
    "image": ["jpeg", "png", "webp", "heic"],
    "pdf": ["pdf"],
    "office": ["docx", "xlsx", "pptx"],
    "mp4": ["mp4"],
}
INBOX_PAGE_SIZE = 25


def _site(request, site_id):
    return get_object_or_404(sites_visible_to(request.user).select_related("region"), pk=site_id)


def _material(request, pk):
    return get_object_or_404(materials_visible_to(request.user).select_related("site"), pk=pk)


def _crumbs(site, *extra):
    return [
        (_("示范点"), reverse("sites:list")),
        (site.name, site.get_absolute_url()),
        (_("创建材料"), reverse("archives:site", args=[site.pk])),
        *extra,
    ]


@require_permission(VIEW)
def site_archive(request, site_id):
    site = _site(request, site_id)
    materials = site_materials(request.user, site)
    filters = MaterialFilterForm(request.GET or None)
    if filters.is_valid():
        data = filters.cleaned_data
        if data["q"]:
            materials = materials.filter(title__icontains=data["q"])
        if data["year"]:
            materials = materials.filter(year=data["year"])
        if data["state"]:
            materials = materials.filter(state=data["state"])
        if data["kind"]:
            materials = materials.filter(
                pk__in=MaterialVersion.objects.filter(kind__in=KIND_GROUPS[data["kind"]]).values("material")
            )
    standard = current_evaluation_standard(site.domain)
    measured = _measured_standard(request, site) or standard
    items = applicable_items(standard, site.domain) if standard else []
    measured_items = items if measured == standard else applicable_items(measured, site.domain) if measured else []
    item_choices = [(item.pk, f"{item.code} {item.title}") for item in items]
    titles = {item.code: item.title for item in measured_items}
    by_item = request.GET.get("group") == "item"
    can_review = may_review(request.user, site)
    groups = {}
    for material in materials.order_by("category", "-created_at"):
        material.review_locked = decision_locked_for(request.user, material)
        if by_item:  # by code: the same item across versions is one group (see selectors.completeness)
            keys = [f"{item.code} {titles.get(item.code, item.title)}" for item in material.items.all()]
            keys = keys or [_("未关联评分项")]
        else:
            keys = [material.get_category_display()]
        for key in keys:
            groups.setdefault(key, []).append(material)
    if by_item:
        groups = dict(sorted(groups.items()))
    return render(
        request,
        "archives/site_archive.html",
        {
            "site": site,
            "groups": groups,
            "filters": filters,
            "upload_form": UploadForm(item_choices=item_choices) if may_upload(request.user, site) else None,
            "upload_rules": upload_rules(),
            "can_review": can_review,
            "can_manage_trash": is_archive_manager(request.user),
            "completeness": completeness(site, measured, items=measured_items) if measured else None,
            "standard": measured,
            "measure_years": published_years(),
            "ledger": _latest_ledger(site),
            "by_item": by_item,
            "breadcrumbs": [*_crumbs(site)[:-1], (_("创建材料"), None)],
        },
    )


def _measured_standard(request, site):
    """Completeness against another year's version when asked (?against=2027), else this year's."""
    try:
        year = int(request.GET.get("against", ""))
    except ValueError:
        return None
    return standard_for_year(year, site.domain) if 2000 <= year <= 2100 else None


@require_POST
@require_permission(VIEW)
def upload(request, site_id):
    site = _site(request, site_id)
    if not may_upload(request.user, site):
        raise PermissionDenied
    standard = current_evaluation_standard(site.domain)
    item_choices = [(item.pk, item.code) for item in applicable_items(standard, site.domain)] if standard else []
    form = UploadForm(request.POST, request.FILES, item_choices=item_choices)
    if form.is_valid():
        data = form.cleaned_data
        if data["link"]:
            services.material_add_link(
                site=site,
                by=request.user,
                link=data["link"],
                title=data["title"],
                year=data["year"],
                items=[int(pk) for pk in data["items"]],
                category=data["category"],
            )
            messages.success(request, _("已添加视频链接，等待审核。"))
        result = services.material_upload(
            site=site,
            files=data["files"],
            by=request.user,
            category=data["category"],
            year=data["year"],
            title=data["title"] if len(data["files"]) == 1 else "",
            items=[int(pk) for pk in data["items"]],
        )
        if "application/json" in request.headers.get("Accept", ""):  # the page's per-file uploader
            return JsonResponse({"accepted": [m.title for m in result.materials], "rejected": result.rejected})
        if result.materials:
            messages.success(request, _("已上传 %(count)s 个文件，等待审核。") % {"count": len(result.materials)})
        for name, reason in result.rejected:
            messages.error(request, _("“%(name)s”未上传：%(reason)s") % {"name": name, "reason": reason})
    else:
        if "application/json" in request.headers.get("Accept", ""):
            errors = [message for field_errors in form.errors.values() for message in field_errors]
            return JsonResponse({"accepted": [], "rejected": [], "error": "；".join(errors)}, status=400)
        form_errors_as_messages(request, form)
    return redirect("archives:site", site_id=site.pk)


def _next_url(request) -> str:
    """Where a form posted from another page (the review inbox) sends the user back, if it is ours."""
    url = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return url if url and safe else ""


def _decided(material) -> str:
    # The state's label already says 已…: "“方案”已通过。"
    return _("“%(title)s”%(state)s。") % {"title": material.title, "state": material.get_state_display()}


@require_POST
@require_permission(VIEW)
def review(request, pk):
    """Accept or return one material: from its site's archive page, or in place in the review inbox (htmx),
    or from the inbox without JavaScript (back to the inbox)."""
    material = _material(request, pk)
    if not may_review(request.user, material.site):
        raise PermissionDenied
    form = ReviewForm(request.POST)
    error = done = ""
    if form.is_valid():
        try:
            accept = form.cleaned_data["decision"] == "accept"
            services.material_review(
                material=material, by=request.user, accept=accept, reason=form.cleaned_data["reason"]
            )
        except ValidationError as refusal:
            error = refusal.messages[0]
        else:
            done = _decided(material)
    else:
        error = _("请选择通过或退回")
    if is_htmx(request):
        row = review_row(request.user, material.pk)
        row.review_locked = decision_locked_for(request.user, row)
        context = {"material": row, "error": error, "done": done, "next": _next_url(request)}
        return render(request, "archives/review_inbox.html#inbox_row", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect(_next_url(request) or material.get_absolute_url())


@require_permission(VIEW)
def review_inbox(request):
    """待审材料: every pending material the user may review, oldest first, to decide in place."""
    if not may_reach_review(request.user):
        raise PermissionDenied
    filterset = ReviewInboxFilter(request.GET, queryset=review_queue(request.user), request=request)
    page = DeferredPaginator(filterset.qs, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    for material in page.object_list:
        material.review_locked = False  # pending: no decision to protect yet
    return render(
        request,
        "archives/review_inbox.html",
        {
            "filter": filterset,
            "page_obj": page,
            "next": request.get_full_path(),
            "breadcrumbs": [(_("材料审核"), None)],
        },
    )


@require_POST
@require_permission(VIEW)
def review_bulk(request):
    """Accept the ticked materials of the inbox at once (each one still a decision of its own)."""
    if not may_reach_review(request.user):
        raise PermissionDenied
    ids = [int(value) for value in request.POST.getlist("materials") if value.isdigit()]
    chosen = list(pending_review_for(request.user).filter(pk__in=ids).select_related("site", "uploaded_by"))
    if not ids:
        messages.error(request, _("请先勾选要通过的材料。"))
    else:
        accepted, refused = services.materials_accept(materials=chosen, by=request.user)
        if accepted:
            messages.success(request, _("已通过 %(count)s 份材料。") % {"count": len(accepted)})
        for _refused_material, reason in refused:
            messages.error(request, reason)
        if len(chosen) < len(set(ids)):
            gone = len(set(ids)) - len(chosen)
            messages.warning(request, _("%(count)s 份材料已不在待审列表中（可能已被他人审核）。") % {"count": gone})
    return redirect(_next_url(request) or reverse("archives:review_inbox"))


@require_POST
@require_permission(VIEW)
def replace(request, pk):
    material = _material(request, pk)
    if not may_upload(request.user, material.site):
        raise PermissionDenied
    form = ReplaceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            version = services.material_replace(material=material, upload=form.cleaned_data["file"], by=request.user)
        except (UploadRejected, ValidationError) as error:
            messages.error(request, _("未上传：%(reason)s") % {"reason": getattr(error, "messages", [str(error)])[0]})
        else:
            messages.success(request, _("已上传第 %(number)s 版，等待审核。") % {"number": version.number})
    else:
        form_errors_as_messages(request, form)
    return redirect(f"{reverse('archives:site', args=[material.site_id])}#material-{material.pk}")


@require_POST
@require_permission(VIEW)
def version_restore(request, version_id):
    version = get_object_or_404(versions_visible_to(request.user), pk=version_id)
    if not may_upload(request.user, version.material.site):
        raise PermissionDenied
    try:
        copy = services.version_restore(version=version, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        numbers = {"old": version.number, "new": copy.number}
        messages.success(request, _("已将第 %(old)s 版恢复为第 %(new)s 版。") % numbers)
    return redirect(f"{reverse('archives:site', args=[version.material.site_id])}#material-{version.material_id}")


@require_POST
@require_permission(VIEW)
def set_public(request, pk):
    """Staff choose which materials the public showcase may show."""
    material = _material(request, pk)
    if not is_archive_manager(request.user):
        raise PermissionDenied
    services.material_set_public(material=material, by=request.user, public=request.POST.get("public") == "1")
    return redirect(f"{reverse('archives:site', args=[material.site_id])}#material-{material.pk}")


@require_permission(VIEW)
def gallery(request, site_id):
    """The site's photos as a grid of thumbnails."""
    site = _site(request, site_id)
    current = [
        (material, material.versions.all()[0])
        for material in site_materials(request.user, site)
        if material.versions.all()
    ]  # versions are prefetched newest first
    photos = [(material, version) for material, version in current if version.kind in KIND_GROUPS["image"]]
    return render(
        request,
        "archives/gallery.html",
        {
            "site": site,
            "photos": photos,
            "can_upload": may_upload(request.user, site),
            "breadcrumbs": _crumbs(site, (_("照片"), None)),
        },
    )


@require_POST
@require_permission(VIEW)
def delete(request, pk):
    material = _material(request, pk)
    if not may_upload(request.user, material.site):
        raise PermissionDenied
    services.material_delete(material=material, by=request.user)
    messages.success(request, _("“%(title)s”已移入回收站，工作人员可以恢复。") % {"title": material.title})
    return redirect("archives:site", site_id=material.site_id)


@require_permission(VIEW)
def trash(request, site_id):
    site = _site(request, site_id)
    return render(
        request,
        "archives/trash.html",
        {
            "site": site,
            "materials": trash_of(request.user, site),
            "can_restore": is_archive_manager(request.user),
            "retention_days": services.retention_days(),
            "breadcrumbs": _crumbs(site, (_("回收站"), None)),
        },
    )


@require_POST
@require_permission(VIEW)
def restore(request, pk):
    if not is_archive_manager(request.user):
        raise PermissionDenied
    material = get_object_or_404(trash_of(request.user, None), pk=pk)
    services.material_restore(material=material, by=request.user)
    messages.success(request, _("“%(title)s”已恢复。") % {"title": material.title})
    return redirect("archives:trash", site_id=material.site_id)


def _latest_ledger(site):
    """The site's newest ledger, marked with how many materials changed since (mark_ledger_changes)."""
    ledgers = mark_ledger_changes(list(site.ledgers.order_by("-requested_at")[:1]))
    return ledgers[0] if ledgers else None


@require_POST
@require_permission(VIEW)
def ledger_request(request, site_id):
    site = _site(request, site_id)
    ledger = services.ledger_request(site=site, by=request.user)
    if is_htmx(request):
        return render(request, "archives/_ledger.html", {"ledger": ledger, "site": site})
    messages.success(request, _("台账正在生成，完成后可在本页下载。"))
    return redirect(f"{reverse('archives:site', args=[site.pk])}#ledger")


@require_permission(VIEW)
def ledger_status(request, ledger_id):
    ledger = get_object_or_404(ledgers_visible_to(request.user), pk=ledger_id)
    mark_ledger_changes([ledger])  # polled while it is built: once done, changes made meanwhile are told
    return render(request, "archives/_ledger.html", {"ledger": ledger, "site": ledger.site})


@require_permission("archives.change_material")
def ledger_list(request):
    """Staff build ledgers of a whole region (or the city) for year-end hand-over."""
    regions = regions_visible_to(request.user).filter(depth__lte=2)
    form = LedgerRequestForm(request.POST or None, regions=regions, citywide=may_build_ledger(request.user, None))
    if request.method == "POST":
        if not form.is_valid():
            form_errors_as_messages(request, form)
            return redirect("archives:ledgers")
        region = form.cleaned_data["region"]
        if not may_build_ledger(request.user, region):
            raise PermissionDenied
        services.ledger_request(region=region, by=request.user)
        messages.success(request, _("台账正在生成，完成后可在本页下载。"))
        return redirect("archives:ledgers")
    return render(
        request,
        "archives/ledger_list.html",
        {
            "form": form,
            "ledgers": mark_ledger_changes(list(ledgers_visible_to(request.user).filter(site__isnull=True)[:20])),
            "breadcrumbs": [(_("区域台账"), None)],
        },
    )


@file_permission(VIEW)
def ledger_download(request, ledger_id):
    ledger = get_object_or_404(ledgers_visible_to(request.user).filter(status=Ledger.Status.DONE), pk=ledger_id)
    if not ledger.file:
        raise Http404
    return private_file_response(
        ledger.file,
        filename=ledger.file.name.rsplit("/", 1)[-1],
        content_type="application/zip",
        fallback=f"ledger-{ledger.pk}",
    )


@file_permission(VIEW)
def download(request, version_id, thumbnail=False):
    """Only through the site's scope: a file of someone else's site does not exist for this user (404)."""
    version = get_object_or_404(versions_visible_to(request.user), pk=version_id)
    field = version.thumbnail if thumbnail else version.file
    if not field:
        raise Http404
    inline = request.GET.get("download") != "1" and version.content_type.startswith(("image/", "application/pdf"))
    # Named by what the file is (its first bytes), not by what the uploader called it: "report.html" holding a
    # PDF downloads as "report.pdf", and a thumbnail (always a JPEG) as ".jpg".
    name = download_name(version.original_name, "jpeg" if thumbnail else version.kind)
    return private_file_response(
        field,
        filename=name,
        as_attachment=not inline,
        content_type="image/jpeg" if thumbnail else version.content_type,
        fallback=f"material-{version.material_id}-v{version.number}",
    )
