"""Reads of standards, for pages here and for evaluations later."""

from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet

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


def current_evaluation_standard() -> Standard | None:
    """The evaluation standard sites build against now: the newest published (or frozen) version."""
    return (
        Standard.objects.filter(purpose=StandardPurpose.EVALUATION)
        .exclude(status=StandardStatus.DRAFT)
        .order_by("-year", "-id")
        .first()
    )


def applicable_sections(standard: Standard, domain: str | None = None) -> list[Section]:
    """The sections, each with its items prefetched, that apply to a site of `domain` (all, without one)."""
    sections = standard.sections.prefetch_related(Prefetch("items", queryset=Item.objects.order_by("order", "id")))
    if domain:
        sections = sections.filter(Q(domain="") | Q(domain=domain))
    return list(sections.order_by("order", "id"))


def applicable_items(standard: Standard, domain: str) -> list[Item]:
    return [item for section in applicable_sections(standard, domain) for item in section.items.all()]


def section_subtotals(standard: Standard, domain: str) -> list[tuple[Section, Decimal]]:
    """Each applicable section with its maximum, in order (the radar chart's axes later)."""
    return [(section, section.max_score) for section in applicable_sections(standard, domain)]


def max_total(standard: Standard, domain: str) -> Decimal:
    return sum((section.max_score for section in applicable_sections(standard, domain)), Decimal("0"))
