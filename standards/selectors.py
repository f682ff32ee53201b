"""Reads of standards, for pages here and for evaluations later."""

from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from .choices import StandardPurpose, StandardStatus
from .models import Item, Section, Standard


def can_edit_standards(user) -> bool:
    return user.is_authenticated and user.has_perm("standards.change_standard")


def standards_visible_to(user) -> QuerySet[Standard]:
    """Editors see drafts too; everyone else sees published and frozen versions. Standards are city-wide."""
    if not user.is_authenticated or not user.has_perm("standards.view_standard"):
        return Standard.objects.none()
    queryset = Standard.objects.annotate(item_count=Count("items", distinct=True))
    if not can_edit_standards(user):
        queryset = queryset.exclude(status=StandardStatus.DRAFT)
    return queryset


def programme_year() -> int:
    """The year the programme is in now: the year whose standard sites build against today."""
    return timezone.localdate().year


def standard_for_year(year: int, domain: str | None = None) -> Standard | None:
    """The evaluation standard a site of `domain` is measured against in `year`.

    That year's published (or frozen) version; a year without a version of its own keeps the latest earlier
    one. Never a later year's: publishing next year's copy in advance changes nothing for this year. (An
    evaluation round measures against the version it froze when it opened, whatever this says later.)
    """
    for standard in _candidates(year):
        if domain is None or domain in standard.applicable_domains:
            return standard
    return None


def standards_for_year(year: int, domains) -> dict[str, Standard | None]:
    """standard_for_year for several domains with one query (the rows of a list page)."""
    candidates = list(_candidates(year))
    return {
        domain: next((standard for standard in candidates if domain in standard.applicable_domains), None)
        for domain in domains
    }


def _candidates(year: int) -> QuerySet[Standard]:
    return (
        Standard.objects.filter(purpose=StandardPurpose.EVALUATION, year__lte=year)
        .exclude(status=StandardStatus.DRAFT)
        .order_by("-year", "-id")[:20]
    )


def published_years() -> list[int]:
    """Years that have a published (or frozen) evaluation standard, newest first."""
    return list(
        Standard.objects.filter(purpose=StandardPurpose.EVALUATION)
        .exclude(status=StandardStatus.DRAFT)
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )


def current_evaluation_standard(domain: str | None = None) -> Standard | None:
    """The standard sites build against this year (see standard_for_year)."""
    return standard_for_year(programme_year(), domain)


def applicable_sections(standard: Standard, domain: str | None = None, *, with_items: bool = True) -> list[Section]:
    """The sections, each with its items prefetched (unless `with_items` is false: a radar needs only the sections'
    titles and maxima), that apply to a site of `domain` (all, without one)."""
    sections = standard.sections.all()
    if with_items:
        sections = sections.prefetch_related(Prefetch("items", queryset=Item.objects.order_by("order", "id")))
    if domain:
        sections = sections.filter(Q(domain="") | Q(domain=domain))
    return list(sections.order_by("order", "id"))


def applicable_items(standard: Standard, domain: str) -> list[Item]:
    return [item for section in applicable_sections(standard, domain) for item in section.items.all()]


def applicable_items_by_id(standard: Standard | int, domain: str, ids) -> dict[int, Item]:
    """Those of `ids` that are items of `standard` (or its id) applying to a site of `domain` (the rule of
    applicable_sections), in one light query: for a score sheet's autosave, which names a few items, not all."""
    applies = Q(section__domain="") | Q(section__domain=domain)
    items = Item.objects.filter(applies, standard=standard, pk__in=list(ids))
    return {item.pk: item for item in items.order_by()}


def section_subtotals(standard: Standard, domain: str) -> list[tuple[Section, Decimal]]:
    """Each applicable section with its maximum, in order (the radar chart's axes later)."""
    return [(section, section.max_score) for section in applicable_sections(standard, domain)]


def max_total(standard: Standard, domain: str) -> Decimal:
    return sum((section.max_score for section in applicable_sections(standard, domain)), Decimal("0"))
