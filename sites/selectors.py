"""Reads of sites, always through the data scope (accounts.scope)."""

from collections import defaultdict

from django.db.models import Count, Prefetch, Q, QuerySet

from accounts.choices import Domain, RegionKind
from accounts.models import PartyOrganization, Region
from accounts.scope import restrict_to_scope

from .choices import NAMED_STATES
from .models import CreationGroupMember, Site, StateChange, Target, ZoneSite


def assigned_sites_condition(user) -> Q:
    """Sites assigned to a person: in their creation group (as a user), or as their instructor or liaison."""
    in_group = CreationGroupMember.objects.filter(user=user).values("site")
    return (
        Q(pk__in=in_group)
        | Q(pk__in=Site.instructors.through.objects.filter(user=user).values("site"))
        | Q(pk__in=Site.liaisons.through.objects.filter(user=user).values("site"))
    )


def sites_visible_to(user) -> QuerySet[Site]:
    """Every page, export and job that lists sites starts here."""
    if not getattr(user, "is_authenticated", False):
        return Site.objects.none()
    return restrict_to_scope(Site.objects.all(), user, region_field="region", assigned=assigned_sites_condition(user))


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
            "instructors",
            "liaisons",
            Prefetch("zone_memberships", queryset=ZoneSite.objects.select_related("zone")),
        )
    )


def own_site_for(user) -> Site | None:
    """A site leader's own site when they have exactly one (the list page sends them straight there)."""
    if not user.has_role("leader") or user.has_role("admin", "staff", "district", "instructor"):
        return None
    sites = list(sites_visible_to(user).order_by("-nomination_year")[:2])
    return sites[0] if len(sites) == 1 else None


def target_progress(year: int, user) -> list[dict]:
    """Per domain: the year's citywide targets against the creating units and named sites of that year."""
    targets = {t.domain: t for t in Target.objects.filter(year=year, region__isnull=True)}
    counts = (
        sites_visible_to(user)
        .filter(nomination_year=year)
        .order_by()
        .values("domain")
        .annotate(creating=Count("id"), named=Count("id", filter=Q(state__in=NAMED_STATES) | Q(batch__isnull=False)))
    )
    actual = {row["domain"]: row for row in counts}
    rows = []
    for code, label in Domain.choices:
        target = targets.get(code)
        row = actual.get(code, {})
        rows.append(
            {
                "domain": code,
                "label": label,
                "target_creating": target.creating_units if target else 0,
                "creating": row.get("creating", 0),
                "target_named": target.named_sites if target else 0,
                "named": row.get("named", 0),
            }
        )
    return rows


def coverage(user) -> dict:
    """Named sites ÷ Party organizations, per domain and per district (among what the user may see)."""
    named = sites_visible_to(user).filter(state__in=NAMED_STATES)
    organizations = restrict_to_scope(PartyOrganization.objects.filter(is_active=True), user, region_field="region")
    by_domain_named = dict(named.order_by().values_list("domain").annotate(n=Count("id")))
    by_domain_orgs = dict(organizations.order_by().values_list("domain").annotate(n=Count("id")))
    domains = [
        {"label": label, "named": by_domain_named.get(code, 0), "organizations": by_domain_orgs.get(code, 0)}
        for code, label in Domain.choices
    ]
    districts = Region.objects.filter(kind__in=[RegionKind.DISTRICT, RegionKind.MUNICIPAL]).order_by("path")
    named_paths = list(named.values_list("region__path", flat=True))
    org_paths = list(organizations.values_list("region__path", flat=True))
    per_district = defaultdict(lambda: [0, 0])
    for district in districts:
        per_district[district] = [
            sum(1 for path in named_paths if path.startswith(district.path)),
            sum(1 for path in org_paths if path.startswith(district.path)),
        ]
    regions = [{"label": d.name, "named": n, "organizations": o} for d, (n, o) in per_district.items() if o]
    for row in domains + regions:
        row["percent"] = round(100 * row["named"] / row["organizations"], 1) if row["organizations"] else None
    return {"domains": domains, "regions": regions}
