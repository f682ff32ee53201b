"""Reads of archives, through the sites' data scope."""

from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from accounts.choices import DataScope, Domain
from accounts.selectors import regions_visible_to
from sites.selectors import sites_visible_to
from standards.models import Item
from standards.selectors import applicable_items, programme_year, standards_for_year

from .choices import ReviewState
from .models import Ledger, Material, MaterialVersion
from .permissions import sites_reviewable_by


def materials_visible_to(user) -> QuerySet[Material]:
    """Materials of the sites the user may see; trash excluded (see trash_of)."""
    return Material.objects.filter(site__in=sites_visible_to(user).values("pk"), deleted_at__isnull=True)


def site_materials(user, site) -> QuerySet[Material]:
    versions = MaterialVersion.objects.order_by("-number").select_related("uploaded_by")
    return (
        materials_visible_to(user)
        .filter(site=site)
        .select_related("uploaded_by", "reviewed_by")
        .prefetch_related(Prefetch("versions", queryset=versions), "items")
    )


def pending_review_for(user) -> QuerySet[Material]:
    """Materials waiting for a decision that `user` may take (see permissions.sites_reviewable_by)."""
    pending = Material.objects.filter(state=ReviewState.SUBMITTED, deleted_at__isnull=True)
    sites = sites_reviewable_by(user)
    if not sites.query.where:
        # Every site (a city-wide reviewer): leave out the join with all of them, which made the count read the
        # city's every site beside its every waiting material.
        return pending
    return pending.filter(site__in=sites.values("pk"))


def review_queue(user) -> QuerySet[Material]:
    """The review inbox: pending materials, oldest first, with what each row shows."""
    versions = MaterialVersion.objects.order_by("-number")
    return (
        pending_review_for(user)
        .select_related("site", "site__region", "uploaded_by")
        .prefetch_related(Prefetch("versions", queryset=versions), "items")
        .order_by("created_at", "id")
    )


def review_row(user, pk: int) -> Material:
    """One material as the inbox shows it, whatever its state now (the row after a decision)."""
    versions = MaterialVersion.objects.order_by("-number")
    return (
        materials_visible_to(user)
        .select_related("site", "site__region", "uploaded_by", "reviewed_by")
        .prefetch_related(Prefetch("versions", queryset=versions), "items")
        .get(pk=pk)
    )


def trash_of(user, site=None) -> QuerySet[Material]:
    """Deleted materials of a site (or of every site the user sees), newest first."""
    trash = Material.objects.filter(site__in=sites_visible_to(user).values("pk"), deleted_at__isnull=False)
    if site is not None:
        trash = trash.filter(site=site)
    return trash.select_related("deleted_by", "site").order_by("-deleted_at")


def ledgers_visible_to(user) -> QuerySet:
    """A site's ledgers for those who see the site; region and citywide ledgers for staff in scope."""
    condition = Q(site__in=sites_visible_to(user).values("pk"))
    if user.has_perm("archives.change_material"):
        condition |= Q(site__isnull=True, region__in=regions_visible_to(user).values("pk"))
        if user.is_superuser or user.scope == DataScope.CITY:
            condition |= Q(site__isnull=True, region__isnull=True)
    return Ledger.objects.filter(condition).select_related("site", "region", "requested_by")


def mark_ledger_changes(ledgers) -> list:
    """Set `changed_materials` on each ledger of `ledgers` that is the newest of its scope and finished: how many
    materials of its scope were created, replaced, restored, reviewed, edited or deleted after it was requested
    (it may lack them, so generating it again is worth it). One query, however many ledgers are given."""
    newest, seen = [], set()
    for ledger in ledgers:  # newest first: older ledgers of a scope are superseded anyway
        ledger.changed_materials = 0
        scope = (ledger.site_id, ledger.region_id)
        if scope not in seen and ledger.status == Ledger.Status.DONE:
            newest.append(ledger)
        seen.add(scope)
    if not newest:
        return ledgers
    # Only rows touched since the earliest of these ledgers, in one of their scopes, can count: their ids come
    # from the indexes on updated_at, reviewed_at, deleted_at and the versions' uploaded_at (a union, in the same
    # query), not from reading every material.
    earliest = min(ledger.requested_at for ledger in newest)
    touched = (
        Material.objects.filter(updated_at__gt=earliest)
        .values("pk")
        .union(
            Material.objects.filter(reviewed_at__gt=earliest).values("pk"),
            Material.objects.filter(deleted_at__gt=earliest).values("pk"),
            MaterialVersion.objects.filter(uploaded_at__gt=earliest).values("material"),
            all=True,
        )
    )
    scopes = Q()
    for ledger in newest:
        if ledger.site_id:
            scopes |= Q(site_id=ledger.site_id)
        elif ledger.region_id:
            scopes |= Q(site__region__path__startswith=ledger.region.path)
        else:
            scopes = Q()  # a citywide ledger: every site
            break
    counts = {}
    for ledger in newest:
        since = ledger.requested_at
        if ledger.site_id:
            scope = Q(site_id=ledger.site_id)
        elif ledger.region_id:
            scope = Q(site__region__path__startswith=ledger.region.path)
        else:
            scope = Q()
        changed = (
            Q(updated_at__gt=since)
            | Q(reviewed_at__gt=since)
            | Q(deleted_at__gt=since)
            | Q(Exists(MaterialVersion.objects.filter(material=OuterRef("pk"), uploaded_at__gt=since)))
        )
        still_there = Q(deleted_at__isnull=True) | Q(deleted_at__gt=since)  # in the ledger, or should be
        counts[f"ledger_{ledger.pk}"] = Count("pk", filter=scope & still_there & changed)
    totals = Material.objects.filter(scopes, pk__in=touched).aggregate(**counts)
    for ledger in newest:
        ledger.changed_materials = totals[f"ledger_{ledger.pk}"]
    return ledgers


def versions_visible_to(user) -> QuerySet[MaterialVersion]:
    """File versions a user may download: of materials on their sites (trash included, for restoring)."""
    return MaterialVersion.objects.filter(material__site__in=sites_visible_to(user).values("pk")).select_related(
        "material"
    )


def share_percent(part: int, whole: int) -> int:
    return 100 * part // whole if whole else 0


@dataclass
class ItemEvidence:
    item: object
    state: str  # "accepted", "submitted" or "none"
    materials: list


@dataclass
class Completeness:
    rows: list[ItemEvidence]
    standard: object = None  # the version measured against, named on the panel

    def count(self, state: str) -> int:
        return sum(1 for row in self.rows if row.state == state)

    @property
    def accepted(self) -> int:
        return self.count("accepted")

    @property
    def submitted(self) -> int:
        return self.count("submitted")

    @property
    def missing(self) -> int:
        return self.count("none")

    @property
    def percent(self) -> int:
        # Rounded down, so "100 %" means every item and matches the list's filter bands (which compare exact shares).
        return share_percent(self.accepted, len(self.rows))


def evidence_state(states: set[str]) -> str:
    """An item is covered when any of its (non-deleted) materials is accepted; pending when only submitted."""
    if ReviewState.ACCEPTED in states:
        return "accepted"
    if ReviewState.SUBMITTED in states:
        return "submitted"
    return "none"


def completeness(site, standard, items=None) -> Completeness:
    """For each item of `standard` that applies to the site's domain: accepted, only submitted, or none.

    Evidence is matched by item code, not by item row: a material linked to SY-03 of 2026's version counts
    for SY-03 of 2027's. The code is an item's identity across versions (copying, export and import keep it),
    so this needs no copying of links when a new version is made, and a material uploaded after next year's
    copy was made still counts for it. An item whose meaning changes should get a new code.
    """
    if items is None:  # the caller may have them already: applicable_items(standard, site.domain)
        items = applicable_items(standard, site.domain)
    links = (
        Material.items.through.objects.filter(
            material__site=site, material__deleted_at__isnull=True, item__code__in=[item.code for item in items]
        )
        .select_related("material")
        .annotate(code=F("item__code"))
        .order_by("material_id")
    )
    by_code: dict[str, dict] = {}
    for link in links:
        by_code.setdefault(link.code, {})[link.material_id] = link.material
    rows = []
    for item in items:
        materials = list(by_code.get(item.code, {}).values())
        rows.append(ItemEvidence(item, evidence_state({m.state for m in materials}), materials))
    return Completeness(rows, standard)


def evidence_codes_by_domain(domains) -> dict[str, set[str]]:
    """Per domain, the item codes of this year's standard that apply to a site of that domain: what
    `completeness` measures against, for many sites at once (two queries)."""
    standards = standards_for_year(programme_year(), set(domains))
    by_id = {standard.pk: standard for standard in standards.values() if standard is not None}
    rows = list(Item.objects.filter(standard__in=list(by_id)).values_list("standard_id", "section__domain", "code"))
    codes: dict[str, set[str]] = {}
    for domain, standard in standards.items():
        if standard is not None:
            codes[domain] = {code for sid, scope, code in rows if sid == standard.pk and scope in ("", domain)}
    return codes


def evidence_percents(sites) -> dict[int, int | None]:
    """Site id -> the share (%) of its applicable items with an accepted material, as `completeness(...).percent`
    would say for each; None where no standard applies. Three queries for any number of sites."""
    sites = list(sites)
    if not sites:
        return {}
    codes = evidence_codes_by_domain({site.domain for site in sites})
    accepted = set(
        Material.items.through.objects.filter(
            material__site__in=[site.pk for site in sites],
            material__state=ReviewState.ACCEPTED,
            material__deleted_at__isnull=True,
        )
        .values_list("material__site_id", "item__code")
        .distinct()
    )
    percents = {}
    for site in sites:
        wanted = codes.get(site.domain)
        if not wanted:
            percents[site.pk] = None
            continue
        covered = sum(1 for code in wanted if (site.pk, code) in accepted)
        percents[site.pk] = share_percent(covered, len(wanted))
    return percents


def with_evidence_counts(sites: QuerySet) -> QuerySet:
    """Sites annotated with `evidence_accepted` (applicable items with an accepted material) and `evidence_total`
    (applicable items; 0 where no standard applies): one subquery per domain, for filtering in the database."""
    accepted_cases, total_cases = [], []
    for domain, wanted in evidence_codes_by_domain(Domain.values).items():
        if not wanted:
            continue
        covered = (
            Material.items.through.objects.filter(
                material__site=OuterRef("pk"),
                material__state=ReviewState.ACCEPTED,
                material__deleted_at__isnull=True,
                item__code__in=sorted(wanted),
            )
            .order_by()
            .values("material__site")
            .annotate(n=Count("item__code", distinct=True))
            .values("n")
        )
        accepted_cases.append(When(domain=domain, then=Coalesce(Subquery(covered), 0)))
        total_cases.append(When(domain=domain, then=Value(len(wanted))))
    return sites.annotate(
        evidence_accepted=Case(*accepted_cases, default=Value(0), output_field=IntegerField()),
        evidence_total=Case(*total_cases, default=Value(0), output_field=IntegerField()),
    )
