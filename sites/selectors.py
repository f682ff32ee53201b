"""Reads of sites, always through the data scope (accounts.scope)."""

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from accounts.choices import DataScope, Domain, RegionKind
from accounts.models import PartyOrganization, Region, User
from accounts.scope import restrict_to_scope
from accounts.selectors import organizations_visible_to
from core.models import AuditEntry
from core.together import attach, read_together

from . import rules
from .choices import NAMED_STATES
from .models import Batch, CreationGroupMember, Site, StateChange, Target, Zone, ZoneSite


def assigned_sites_condition(user) -> Q:
    """Sites assigned to a person: in their creation group (as a user), or as their instructor or liaison."""
    in_group = CreationGroupMember.objects.filter(user=user).values("site")
    return (
        Q(pk__in=in_group)
        | Q(pk__in=Site.instructors.through.objects.filter(user=user).values("site"))
        | Q(pk__in=Site.liaisons.through.objects.filter(user=user).values("site"))
    )


def assigned_site_ids(user) -> list[QuerySet]:
    """The sites of assigned_sites_condition as queries of their ids (creation group, instructor, liaison), which
    restrict_to_scope resolves to one list once per request."""
    return [
        CreationGroupMember.objects.filter(user=user).values_list("site"),
        Site.instructors.through.objects.filter(user=user).values_list("site"),
        Site.liaisons.through.objects.filter(user=user).values_list("site"),
    ]


def sites_visible_to(user) -> QuerySet[Site]:
    """Every page, export and job that lists sites starts here. The scope is resolved to ids first
    (accounts.scope): `region_id IN (…) OR id IN (…)`, two index scans."""
    if not getattr(user, "is_authenticated", False):
        return Site.objects.none()
    return restrict_to_scope(Site.objects.all(), user, region_field="region", assigned_ids=assigned_site_ids(user))


def site_list_queryset(user) -> QuerySet[Site]:
    return sites_visible_to(user).select_related("organization", "region", "region__parent", "batch")


def site_detail_queryset(user) -> QuerySet[Site]:
    return (
        sites_visible_to(user)
        .select_related("organization", "region", "region__parent", "batch")
        .prefetch_related(
            Prefetch("group_members", queryset=CreationGroupMember.objects.select_related("user")),
            "narrators",
            "tour_stops",
            Prefetch("state_changes", queryset=StateChange.objects.select_related("by")),
            "subsidies",
            Prefetch("zone_memberships", queryset=ZoneSite.objects.select_related("zone")),
        )
    )


@dataclass
class SitePage:
    """What the site page shows besides the site itself (its lists are attached to it, as prefetched)."""

    instructors: list
    liaisons: list
    audit: list  # the latest audit entries, for those who manage sites


def site_page_lists(site: Site, *, with_audit: bool) -> SitePage:
    """The site page's lists — creation group, narrators, route, state history, subsidies, zones, instructors,
    liaisons and (for managers) the audit trail — all in one query (core.together), whatever their lengths. The
    site's lists are attached to it as prefetch_related would, so `site.narrators.all` reads no more."""
    through = {"instructors": Site.instructors.through, "liaisons": Site.liaisons.through}
    named = {
        "group_members": site.group_members.order_by("order", "id"),
        "narrators": site.narrators.order_by("-is_secretary", "order", "id"),
        "tour_stops": site.tour_stops.order_by("order", "id"),
        "state_changes": site.state_changes.select_related("by").order_by("-at", "-id"),
        "subsidies": site.subsidies.order_by("-year", "-id"),
        # The zones in their own order (ZoneSite's "zone" ordering: Zone's kind, then name).
        "zone_memberships": site.zone_memberships.select_related("zone").order_by(
            "zone__kind", "zone__name", "order", "id"
        ),
        **{
            name: User.objects.filter(pk__in=table.objects.filter(site=site).values("user")).order_by("username")
            for name, table in through.items()
        },
    }
    if with_audit:
        named["audit"] = (
            AuditEntry.objects.filter(
                content_type__app_label="sites", content_type__model="site", object_id=str(site.pk)
            )
            .select_related("actor", "content_type")
            .order_by("-at", "-id")[:50]
        )
    lists = read_together(named)
    # The instructors and liaisons too: the panels' permission checks (is_instructor, is_liaison) read them there.
    for accessor in named.keys() - {"audit"}:
        attach(site, accessor, lists[accessor])
    return SitePage(instructors=lists["instructors"], liaisons=lists["liaisons"], audit=lists.get("audit", []))


def own_site_for(user) -> Site | None:
    """A site leader's own site when they have exactly one (the list page sends them straight there)."""
    if not user.has_role("leader") or user.has_role("admin", "staff", "district", "instructor"):
        return None
    sites = list(sites_visible_to(user).order_by("-nomination_year")[:2])
    return sites[0] if len(sites) == 1 else None


DISTRICT_KINDS = (RegionKind.DISTRICT, RegionKind.MUNICIPAL)


def target_districts() -> QuerySet[Region]:
    """The district-level nodes (区县市 and 市直) that may have targets of their own, in the tree's order: exactly the
    condition of their partial index (accounts' region_district_path), which counts and pages them."""
    return Region.objects.filter(depth=1, kind__in=DISTRICT_KINDS).order_by("path")


def own_district(user) -> Region | None:
    """The district a region-scoped user works in (the district-level node above or at their region)."""
    if getattr(user, "scope", None) != DataScope.REGION or not user.region_id or user.is_superuser:
        return None
    if user.region.depth < 1:
        return None
    district_id = int(user.region.path.strip("/").split("/")[1])
    return user.region if user.region.pk == district_id else Region.objects.filter(pk=district_id).first()


def may_choose_district(user) -> bool:
    """City-wide users look at the city's plan and may switch to any district's."""
    return user.is_superuser or getattr(user, "scope", None) == DataScope.CITY


def target_district(user, requested=None) -> Region | None:
    """Whose plan `user` looks at: a district user always their own district's; a city user the city's
    (None) or the district they chose; anyone else the city's, against the sites they may see."""
    district = own_district(user)
    if district is not None:
        return district
    if may_choose_district(user) and requested:
        try:
            return target_districts().filter(pk=int(requested)).first()
        except (TypeError, ValueError):
            return None
    return None


def target_progress(year: int, user, district: Region | None = None) -> rules.TargetSummary:
    """The year's targets of the city (district None) or of one district, against the creating units and named
    sites of that year in that area, among the sites `user` may see.

    Each domain counts only up to its target in the totals, the shortfall is kept per domain, and domains
    with sites but no target are listed apart (rules.target_summary): a total never lets many sites in one
    domain hide too few in another. "企业" in a plan is three domains here (choices.ENTERPRISE_DOMAINS)."""
    targets = Target.objects.filter(year=year)
    targets = targets.filter(region=district) if district is not None else targets.filter(region__isnull=True)
    sites = sites_visible_to(user).filter(nomination_year=year)
    if district is not None:
        sites = sites.filter(region__path__startswith=district.path)
    counts = (
        sites.order_by()
        .values("domain")
        .annotate(creating=Count("id"), named=Count("id", filter=Q(state__in=NAMED_STATES) | Q(batch__isnull=False)))
    )
    return rules.target_summary(
        Domain.values,
        {t.domain: (t.creating_units, t.named_sites) for t in targets},
        {row["domain"]: (row["creating"], row["named"]) for row in counts},
    )


def may_edit_targets(user, district: Region | None) -> bool:
    """Staff set the city's targets and any district's; a district's staff only their own district's."""
    if not user.has_perm("sites.change_target"):
        return False
    return may_choose_district(user) or (district is not None and district == own_district(user))


def district_target_sums(year: int) -> dict[str, tuple[int, int]]:
    """Per domain, the year's district targets added up (shown beside the city's when editing them)."""
    rows = (
        Target.objects.filter(year=year, region__isnull=False)
        .order_by()
        .values("domain")
        .annotate(creating=Sum("creating_units"), named=Sum("named_sites"))
    )
    return {row["domain"]: (row["creating"], row["named"]) for row in rows}


def targets_of_year(year: int, district: Region | None) -> dict[str, Target]:
    """The stored targets of one year and area, by domain (for the edit grid)."""
    targets = Target.objects.filter(year=year)
    targets = targets.filter(region=district) if district is not None else targets.filter(region__isnull=True)
    return {t.domain: t for t in targets}


def zones_with_members() -> QuerySet[Zone]:
    """Every zone and belt with its members in route order. Zones are the city's visiting routes, shown to
    everyone who reads sites; a member site links to its page only for those who may see it."""
    return Zone.objects.select_related("region").prefetch_related(
        Prefetch("memberships", queryset=ZoneSite.objects.select_related("site").order_by("order", "id"))
    )


def zones_editable_by(user) -> QuerySet[Zone]:
    """Zones a user may change: staff with city scope all, a district's staff those in their area."""
    if not user.has_perm("sites.change_zone"):
        return Zone.objects.none()
    return restrict_to_scope(Zone.objects.all(), user, region_field="region")


def batches_with_counts(user) -> QuerySet[Batch]:
    """Batches with how many sites each named (`site_count`) and how many of them `user` may see."""
    visible = sites_visible_to(user).values("pk")
    return Batch.objects.annotate(
        site_count=Count("sites", distinct=True),
        visible_count=Count("sites", filter=Q(sites__in=visible), distinct=True),
    ).order_by("-named_on", "-id")


def import_example_organization(user, year: int) -> PartyOrganization | None:
    """An organization `user` may import a site for that has none in `year`: the import template's example."""
    taken = Site.objects.filter(nomination_year=year).values("organization_id")
    return (
        organizations_visible_to(user)
        .filter(is_active=True)
        .exclude(pk__in=taken)
        .order_by("region__path", "name", "id")
        .first()
    )


def _district_id(path: str) -> int:
    """The district-level ancestor's id in a region path ("/1/4/17/" → 4), 0 for a root."""
    parts = path.strip("/").split("/")
    return int(parts[1]) if len(parts) > 1 else 0


def _per_district_of(queryset, districts) -> dict[int, int]:
    """{district id: rows of `queryset`} in the subtrees of `districts`: the rows joined to their region, the
    regions found by one range of the path index per district, grouped by region in the database (one row per
    region that has any) and added up per district here from the region's path. No list of the districts' region
    ids travels (a page of a country's districts holds thousands of regions, twice in the SQL)."""
    within = Q(pk__in=[])
    for district in districts:
        within |= Q(region__path__startswith=district.path)
    counts: dict[int, int] = {}
    for path, n in queryset.filter(within).order_by().values_list("region__path").annotate(n=Count("*")):
        counts[_district_id(path)] = counts.get(_district_id(path), 0) + n
    return counts


COVERAGE_PAGE_SIZE = 50


def coverage_districts(user, region: Region | None = None) -> QuerySet[Region]:
    """The district-level nodes the coverage table lists, in the tree's order: those of `region` (the district
    containing it, or all under a root), else the user's own district for a district user, else all. Read from
    their own small partial index (target_districts), not by a scan of a country's 200,000 regions."""
    districts = target_districts()
    area = region if region is not None else own_district(user)
    if area is None:
        return districts
    if area.depth == 0:
        return districts.filter(parent=area)
    return districts.filter(pk=int(area.path.strip("/").split("/")[1]))


def coverage(user, region: Region | None = None, page=None) -> dict:
    """Named sites ÷ Party organizations, per domain and per district (among what the user may see, within
    `region` when given). A country has thousands of districts: they are paged (COVERAGE_PAGE_SIZE a page, `page`
    is the page asked for) and counted only for the page's districts, each district's subtree found through the
    path index; a district without organizations is left out. Six queries whatever the number of sites,
    organizations and regions."""
    named = sites_visible_to(user).filter(state__in=NAMED_STATES)
    organizations = restrict_to_scope(PartyOrganization.objects.filter(is_active=True), user, region_field="region")
    if region is not None:
        named = named.filter(region__path__startswith=region.path)
        organizations = organizations.filter(region__path__startswith=region.path)
    # COUNT(*), not COUNT(id): an index on (domain) WHERE is_active can then answer without reading the table.
    by_domain_named = dict(named.order_by().values_list("domain").annotate(n=Count("*")))
    by_domain_orgs = dict(organizations.order_by().values_list("domain").annotate(n=Count("*")))
    domains = [
        {"label": label, "named": by_domain_named.get(code, 0), "organizations": by_domain_orgs.get(code, 0)}
        for code, label in Domain.choices
    ]
    regions, district_page = [], None
    if by_domain_orgs:  # no organization in sight (e.g. an assigned-scope user): no district has any
        district_page = Paginator(coverage_districts(user, region).only("pk", "path", "name"), COVERAGE_PAGE_SIZE)
        district_page = district_page.get_page(page)
        # The regions of the page's districts, each district one range of the path index, joined to the named sites
        # (their partial region index, site_named_region) and to the organizations (org_active_region): a plan that
        # starts from the page's districts, never from every region of the country.
        named_by_district = _per_district_of(named, district_page)
        orgs_by_district = _per_district_of(organizations, district_page)
        regions = [
            {
                "label": district.name,
                "named": named_by_district.get(district.pk, 0),
                "organizations": orgs_by_district[district.pk],
            }
            for district in district_page
            if orgs_by_district.get(district.pk)
        ]
    for row in domains + regions:
        row["percent"] = round(100 * row["named"] / row["organizations"], 1) if row["organizations"] else None
    return {"domains": domains, "regions": regions, "regions_page": district_page}
