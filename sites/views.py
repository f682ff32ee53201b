"""Site pages: the registry list, a site's page, its edit forms, state changes, export, import, targets."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import Domain
from accounts.roles import Role
from accounts.selectors import organizations_visible_to, regions_visible_to
from core.audit import describe
from core.feedback import form_errors_as_messages
from core.files import private_file_response
from core.pagination import DeferredPaginator
from core.permissions import require_permission
from core.pickers import picker_response

from . import exports, imports, services
from .choices import ENTERPRISE_DOMAINS, SiteState
from .filters import SiteFilter, instructors_for
from .forms import (
    BatchForm,
    GroupFormSet,
    NarratorFormSet,
    NominateForm,
    SiteImportForm,
    SiteLeaderForm,
    SiteStaffForm,
    SubsidyForm,
    TargetGridForm,
    TourStopFormSet,
    TransitionForm,
    ZoneForm,
)
from .models import Batch, Site, TourStop
from .permissions import editable_fields, is_site_manager, may_edit_route_and_narrators
from .rules import manual_targets
from .selectors import (
    batches_with_counts,
    coverage,
    district_target_sums,
    may_choose_district,
    may_edit_targets,
    own_site_for,
    site_detail_queryset,
    site_list_queryset,
    site_page_lists,
    target_district,
    target_districts,
    target_progress,
    targets_of_year,
    zones_editable_by,
    zones_with_members,
)

VIEW, CHANGE, ADD = "sites.view_site", "sites.change_site", "sites.add_site"
PAGE_SIZE = 30


def _crumbs(site=None, *extra):
    crumbs = [(_("示范点"), reverse("sites:list"))]
    if site is not None:
        crumbs.append((site.name, site.get_absolute_url()))
    return crumbs + list(extra)


def _site(request, pk) -> Site:
    """A site the user may see, or 404 (not 403: others' sites do not exist for them)."""
    return get_object_or_404(site_detail_queryset(request.user), pk=pk)


@require_permission(VIEW)
def site_list(request):
    own = own_site_for(request.user)
    if own is not None:
        return redirect(own)
    filterset = SiteFilter(request.GET, queryset=site_list_queryset(request.user), request=request)
    page = DeferredPaginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "sites/site_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "can_manage": is_site_manager(request.user),
            "filtered": any(value for key, value in request.GET.items() if key not in ("page", "sort")),
            "site_leader": request.user.has_role(Role.LEADER),  # an empty list then means "not linked yet"
            "sort_columns": _sort_columns(request.GET.get("sort", "")),
            "breadcrumbs": [(_("示范点"), None)],
        },
    )


def _sort_columns(current: str) -> list[tuple[str, str, str]]:
    """(label, the sort value its link sets, arrow icon or "") for each sortable column; a second click reverses."""
    columns = [
        ("name", _("名称")),
        ("year", _("推荐年度")),
        ("state", _("状态")),
        ("domain", _("领域")),
        ("region", _("区划")),
    ]
    result = []
    for key, label in columns:
        if current == key:
            result.append((label, f"-{key}", "bi-caret-up-fill"))
        elif current == f"-{key}":
            result.append((label, key, "bi-caret-down-fill"))
        else:
            result.append((label, key, ""))
    return result


@require_permission(VIEW)
def site_picker(request):
    """Search sites for a picker (core/widgets.py), within the user's scope; a code tells twins apart.
    `?state=formal&state=improving` offers only sites in those states (e.g. to name them in a batch)."""
    sites = site_list_queryset(request.user)
    states = [state for state in request.GET.getlist("state") if state in SiteState.values]
    if states:  # `?state=formal&state=improving`: e.g. only named sites, for a batch
        sites = sites.filter(state__in=states)
    return picker_response(
        request,
        sites,
        search=["name", "organization__name", "region__label"],
        label=lambda site: site.picker_label,
        order_by=("-nomination_year", "name"),
    )


@require_permission(VIEW)
def instructor_picker(request):
    """Search the instructors of the sites the user may see (the site list's instructor filter)."""
    return picker_response(
        request,
        instructors_for(request),
        search=["full_name", "username"],
        label=lambda user: f"{user.get_full_name()}（{user.username}）",
        order_by=("full_name", "pk"),
    )


@require_permission(VIEW)
def site_export(request):
    """The filtered list as a workbook: written now when short, else built by a background job (a page with a
    progress bar, then the download) that applies the same filter and the user's scope when it runs."""
    sites = exports.filtered_sites(request.user, request.GET.urlencode())
    if sites.count() <= settings.SITE_EXPORT_SYNC_LIMIT:
        return exports.sites_response(sites)
    job = exports.site_list_job_request(user=request.user, query=request.GET.urlencode())
    return redirect("core:export_status", pk=job.pk)


@require_permission(VIEW)
def site_detail(request, pk):
    # The site alone, then every list of the page in one query (site_page_lists), not one prefetch each.
    site = get_object_or_404(site_list_queryset(request.user), pk=pk)
    manager = is_site_manager(request.user)
    page = site_page_lists(site, with_audit=manager)
    return render(
        request,
        "sites/site_detail.html",
        {
            "site": site,
            "instructors": page.instructors,
            "liaisons": page.liaisons,
            "can_manage": manager,
            "can_edit_profile": bool(editable_fields(request.user, site)),
            "can_edit_route": may_edit_route_and_narrators(request.user, site),
            "transition_form": TransitionForm(site=site) if manager and manual_targets(site.state) else None,
            "subsidy_form": SubsidyForm() if manager else None,
            "audit": describe(page.audit),
            "breadcrumbs": _crumbs(site),
        },
    )


@require_permission(VIEW)
def site_edit(request, pk):
    # The form needs the site itself, not the detail page's people, history and route (eight queries fewer).
    site = get_object_or_404(site_list_queryset(request.user), pk=pk)
    fields = editable_fields(request.user, site)
    if not fields:
        raise PermissionDenied
    instance = Site.objects.get(pk=site.pk)
    if is_site_manager(request.user):
        form = SiteStaffForm(request.POST or None, request.FILES or None, instance=instance, user=request.user)
    else:
        form = SiteLeaderForm(request.POST or None, request.FILES or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                values = {name: form.cleaned_data[name] for name in fields if name in form.cleaned_data}
                if values.get("brand_emblem") is False:  # the "clear" box of the file input
                    values["brand_emblem"] = ""
                services.site_update(site=site, by=request.user, allowed=fields, **values)
                if "instructors" in form.cleaned_data:
                    services.site_set_supervisors(
                        site=site,
                        by=request.user,
                        instructors=form.cleaned_data["instructors"],
                        liaisons=form.cleaned_data["liaisons"],
                    )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect(site)
    return render(
        request,
        "form_page.html",
        {
            "form": form,
            "subject": site,
            "cancel_url": site.get_absolute_url(),
            "title": _("编辑示范点信息"),
            "multipart": True,
            "breadcrumbs": _crumbs(site, (_("编辑"), None)),
        },
    )


FORMSETS = {
    "group": (GroupFormSet, _("创建小组"), "staff"),
    "narrators": (NarratorFormSet, _("解说员"), "route"),
    "route": (TourStopFormSet, _("观摩线路"), "route"),
}


@require_permission(VIEW)
def site_related(request, pk, what):
    site = _site(request, pk)
    if what not in FORMSETS:
        raise PermissionDenied
    formset_class, title, who = FORMSETS[what]
    allowed = is_site_manager(request.user) if who == "staff" else may_edit_route_and_narrators(request.user, site)
    if not allowed:
        raise PermissionDenied
    extra = {"form_kwargs": {"user": request.user}} if what == "group" else {}
    formset = formset_class(request.POST or None, request.FILES or None, instance=site, prefix=what, **extra)
    if request.method == "POST" and formset.is_valid():
        services.related_save(site=site, by=request.user, formset=formset, what=what)
        messages.success(request, _("%(what)s已保存。") % {"what": title})
        return redirect(f"{site.get_absolute_url()}#{what}")
    return render(
        request,
        "sites/site_related_form.html",
        {
            "formset": formset,
            "site": site,
            "title": title,
            "breadcrumbs": _crumbs(site, (title, None)),
        },
    )


@require_POST
@require_permission(CHANGE)
def site_transition(request, pk):
    site = _site(request, pk)
    form = TransitionForm(request.POST, site=site)
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return redirect(f"{site.get_absolute_url()}#history")
    try:
        change = services.site_transition(
            site=site, to_state=form.cleaned_data["to_state"], by=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request,
            _("已办理“%(action)s”，状态变更为“%(state)s”。")
            % {"action": _(change.action), "state": change.get_to_state_display()},
        )
    return redirect(f"{site.get_absolute_url()}#history")


@require_POST
@require_permission(CHANGE)
def subsidy_add(request, pk):
    site = _site(request, pk)
    form = SubsidyForm(request.POST)
    if form.is_valid():
        services.subsidy_add(site=site, by=request.user, **form.cleaned_data)
        messages.success(request, _("已记录经费补贴。"))
    else:
        form_errors_as_messages(request, form)
    return redirect(f"{site.get_absolute_url()}#subsidies")


@require_permission(ADD)
def site_nominate(request):
    form = NominateForm(request.POST or None, organizations=organizations_visible_to(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        site = services.site_nominate(
            organization=data["organization"],
            year=data["year"],
            by=request.user,
            level=data["level"],
            name=data["name"],
            reason=data["reason"],
        )
        messages.success(
            request, _("已推荐“%(name)s”为 %(year)s 年创建单位。") % {"name": site, "year": site.nomination_year}
        )
        return redirect(site)
    return render(
        request,
        "form_page.html",
        {
            "form": form,
            "cancel_url": reverse("sites:list"),
            "title": _("推荐创建单位"),
            "breadcrumbs": _crumbs(None, (_("推荐创建单位"), None)),
        },
    )


@require_permission(VIEW)
def site_image(request, pk, stop_pk=None):
    """The brand emblem or a tour-stop photo: private files, served only to those who may see the site."""
    site = _site(request, pk)
    image = get_object_or_404(TourStop, pk=stop_pk, site=site).photo if stop_pk else site.brand_emblem
    if not image:
        raise PermissionDenied
    what = f"site-{site.pk}-stop-{stop_pk}" if stop_pk else f"site-{site.pk}-emblem"
    return private_file_response(image, filename=image.name.rsplit("/", 1)[-1], as_attachment=False, fallback=what)


@require_permission(ADD)
def site_import(request):
    form = SiteImportForm(request.POST or None, request.FILES or None)
    preview = None
    if request.method == "POST" and "token" in request.POST:
        token = request.POST["token"]
        preview = imports.preview_from_token(token, request.user)
        if preview is None:
            messages.error(request, _("导入已过期，请重新上传文件。"))
            return redirect("sites:import")
        if preview.errors:
            imports.discard(token, request.user)
            messages.error(request, _("文件有错误，未导入。"))
        else:
            try:
                count = services.sites_import(rows=preview.rows, by=request.user)
            except ValidationError as error:
                imports.discard(token, request.user)
                for message in error.messages:
                    messages.error(request, message)
            else:
                imports.discard(token, request.user)
                messages.success(request, _("已导入 %(count)s 个示范点。") % {"count": count})
                return redirect("sites:list")
    elif request.method == "POST" and form.is_valid():
        preview = imports.preview_upload(form.cleaned_data["file"], request.user)
    return render(
        request,
        "sites/site_import.html",
        {
            "form": form,
            "preview": preview,
            "breadcrumbs": _crumbs(None, (_("导入示范点"), None)),
        },
    )


@require_permission(ADD)
def site_import_template(request):
    with translation.override(settings.LANGUAGE_CODE):  # import files are read by their Chinese labels
        return exports.import_template_response(request.user)


def _tab(key: str, label, *extra):
    """Breadcrumbs of the programme pages (zones, batches, targets), which sit beside the site list."""
    return [(_("示范点"), reverse("sites:list")), (label, reverse(f"sites:{key}") if extra else None), *extra]


@require_permission("sites.view_target")
def targets(request):
    year = _year(request.GET.get("year"))
    district = target_district(request.user, request.GET.get("district"))
    summary = target_progress(year, request.user, district=district)
    covered = coverage(request.user, region=district, page=request.GET.get("cpage"))
    enterprise = [row for row in summary.rows if row.domain in ENTERPRISE_DOMAINS]
    return render(
        request,
        "sites/targets.html",
        {
            "year": year,
            "district": district,
            "may_choose_district": may_choose_district(request.user),
            "summary": summary,
            "rows": [(Domain(row.domain).label, row) for row in summary.rows],
            "untargeted": [(Domain(row.domain).label, row) for row in summary.untargeted],
            "enterprise": [(Domain(row.domain).label, row.creating.target) for row in enterprise],
            "enterprise_total": sum(row.creating.target for row in enterprise),
            "enterprise_labels": "、".join(str(Domain(code).label) for code in ENTERPRISE_DOMAINS),
            "can_edit": may_edit_targets(request.user, district),
            "coverage_tables": [
                (_("按领域"), _("领域"), covered["domains"], None),
                (_("按区县"), _("区县"), covered["regions"], covered["regions_page"]),
            ],
            "years": range(timezone.localdate().year + 1, timezone.localdate().year - 5, -1),
            "breadcrumbs": _tab("targets", _("目标与覆盖率")),
        },
    )


def _year(value) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


@require_permission("sites.view_target")
def district_picker(request):
    """Search the district-level nodes for the targets pages' scope picker (a country has thousands of them):
    only for city-wide users, who may look at any district's plan."""
    districts = target_districts() if may_choose_district(request.user) else target_districts().none()
    return picker_response(request, districts, search=["name"], order_by=("path",))


@require_permission("sites.view_target", "sites.change_target")
def targets_edit(request):
    """One year's targets of the city or of a district, edited as a grid on one page."""
    year = _year(request.GET.get("year"))
    district = target_district(request.user, request.GET.get("district"))
    if not may_edit_targets(request.user, district):
        raise PermissionDenied
    form = TargetGridForm(request.POST or None, targets=targets_of_year(year, district))
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.targets_save(year=year, region=district, values=form.values(), by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if changed:
                messages.success(request, _("已保存 %(count)s 个领域的目标。") % {"count": changed})
            else:
                messages.info(request, _("目标没有变化。"))
            query = f"?year={year}" + (f"&district={district.pk}" if district else "")
            return redirect(reverse("sites:targets") + query)
    if district is not None:
        reference = {code: (t.creating_units, t.named_sites) for code, t in targets_of_year(year, None).items()}
        reference_label = _("全市目标")
    else:
        reference, reference_label = district_target_sums(year), _("各区县目标合计")
    return render(
        request,
        "sites/targets_form.html",
        {
            "form": form,
            "year": year,
            "district": district,
            "may_choose_district": may_choose_district(request.user),
            "rows": [(code, label, creating, named, reference.get(code)) for code, label, creating, named in form.rows],
            "reference_label": reference_label,
            "enterprise_labels": "、".join(str(Domain(code).label) for code in ENTERPRISE_DOMAINS),
            "years": range(timezone.localdate().year + 2, timezone.localdate().year - 5, -1),
            "breadcrumbs": _tab("targets", _("目标与覆盖率"), (_("维护目标"), None)),
        },
    )


@require_permission("sites.view_zone")
def zone_list(request):
    visible = site_list_queryset(request.user)
    zones = zones_with_members()
    editable = set(zones_editable_by(request.user).values_list("pk", flat=True))
    member_ids = {m.site_id for zone in zones for m in zone.memberships.all()}
    return render(
        request,
        "sites/zone_list.html",
        {
            "zones": zones,
            "visible": set(visible.filter(pk__in=member_ids).values_list("pk", flat=True)),
            "editable": editable,
            "can_add": request.user.has_perm("sites.add_zone"),
            "breadcrumbs": _tab("zones", _("示范区与示范带")),
        },
    )


def _zone_form(request, zone):
    user = request.user
    return ZoneForm(
        request.POST or None,
        instance=zone,
        user=user,
        sites=site_list_queryset(user),
        regions=regions_visible_to(user),
        region_required=not may_choose_district(user),
    )


@require_permission("sites.view_zone", "sites.add_zone")
def zone_create(request):
    return _zone_edit(request, None)


@require_permission("sites.view_zone", "sites.change_zone")
def zone_edit(request, pk):
    zone = get_object_or_404(zones_editable_by(request.user), pk=pk)
    return _zone_edit(request, zone)


def _zone_edit(request, zone):
    form = _zone_form(request, zone)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            zone = services.zone_save(
                zone=zone,
                by=request.user,
                name=data["name"],
                kind=data["kind"],
                region=data["region"],
                description=data["description"],
                sites=form.ordered_sites(),
                editable_sites=site_list_queryset(request.user),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已保存“%(zone)s”。") % {"zone": zone})
            return redirect(f"{reverse('sites:zones')}#zone-{zone.pk}")
    title = _("编辑%(kind)s") % {"kind": zone.get_kind_display()} if zone else _("新建示范区或示范带")
    return render(
        request,
        "sites/zone_form.html",
        {"form": form, "zone": zone, "title": title, "breadcrumbs": _tab("zones", _("示范区与示范带"), (title, None))},
    )


@require_POST
@require_permission("sites.view_zone", "sites.delete_zone")
def zone_delete(request, pk):
    zone = get_object_or_404(zones_editable_by(request.user), pk=pk)
    name = str(zone)
    services.zone_delete(zone=zone, by=request.user)
    messages.success(request, _("已删除“%(zone)s”，其中的示范点不受影响。") % {"zone": name})
    return redirect("sites:zones")


@require_permission("sites.view_batch")
def batch_list(request):
    batches = list(batches_with_counts(request.user))
    return render(
        request,
        "sites/batch_list.html",
        {
            "batches": batches,
            "partial": any(batch.visible_count != batch.site_count for batch in batches),
            "can_add": request.user.has_perm("sites.add_batch"),
            "can_change": request.user.has_perm("sites.change_batch"),
            "breadcrumbs": _tab("batches", _("授牌批次")),
        },
    )


@require_permission("sites.view_batch")
def batch_detail(request, pk):
    batch = get_object_or_404(batches_with_counts(request.user), pk=pk)
    sites = site_list_queryset(request.user).filter(batch=batch).order_by("region__path", "name")
    return render(
        request,
        "sites/batch_detail.html",
        {
            "batch": batch,
            "sites": sites,
            "hidden": batch.site_count - batch.visible_count,
            "can_change": request.user.has_perm("sites.change_batch"),
            "can_delete": request.user.has_perm("sites.delete_batch") and not batch.site_count,
            "breadcrumbs": _tab("batches", _("授牌批次"), (batch.name, None)),
        },
    )


@require_permission("sites.view_batch", "sites.add_batch")
def batch_create(request):
    return _batch_edit(request, None)


@require_permission("sites.view_batch", "sites.change_batch")
def batch_edit(request, pk):
    return _batch_edit(request, get_object_or_404(Batch, pk=pk))


def _batch_edit(request, batch):
    sites = site_list_queryset(request.user)
    form = BatchForm(request.POST or None, instance=batch, sites=sites)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            batch = services.batch_save(
                batch=batch,
                by=request.user,
                name=data["name"],
                named_on=data["named_on"],
                note=data["note"],
                sites=list(data["sites"]),
                editable_sites=sites,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("已保存“%(batch)s”。") % {"batch": batch})
            return redirect("sites:batch", pk=batch.pk)
    title = _("编辑授牌批次") if batch else _("新建授牌批次")
    crumbs = [(batch.name, reverse("sites:batch", args=[batch.pk]))] if batch else []
    return render(
        request,
        "form_page.html",
        {
            "form": form,
            "subject": batch,
            "cancel_url": reverse("sites:batch", args=[batch.pk]) if batch else reverse("sites:batches"),
            "title": title,
            "breadcrumbs": _tab("batches", _("授牌批次"), *crumbs, (title, None)),
        },
    )


@require_POST
@require_permission("sites.view_batch", "sites.delete_batch")
def batch_delete(request, pk):
    batch = get_object_or_404(Batch, pk=pk)
    name = str(batch)
    try:
        services.batch_delete(batch=batch, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("sites:batch", pk=batch.pk)
    messages.success(request, _("已删除授牌批次“%(batch)s”。") % {"batch": name})
    return redirect("sites:batches")
