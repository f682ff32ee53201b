"""Every write to standards. Only drafts change; published ones are withdrawn or copied; frozen ones are copied.

Each write checks that rule, validates with full_clean, and records who did it (core.audit_record).
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import field_changes
from core.services import audit_record

from . import rules
from .choices import StandardStatus
from .models import Item, Section, Standard

SECTION_FIELDS = ["code", "title", "kind", "domain", "max_score", "order", "description"]
ITEM_FIELDS = [
    "section",
    "code",
    "title",
    "guide",
    "max_score",
    "kind",
    "levels",
    "is_veto",
    "is_required",
    "evidence_categories",
    "order",
]


def ensure_editable(standard: Standard) -> None:
    """Refuse any change to a standard that is not a draft, saying what to do instead.

    Reads the status afresh and locks the row (inside the caller's transaction), so an edit cannot slip in
    while a round is freezing the same standard, nor trust a stale copy of it."""
    status = Standard.objects.select_for_update().values_list("status", flat=True).get(pk=standard.pk)
    standard.status = status
    if standard.status == StandardStatus.FROZEN:
        raise ValidationError(
            _("标准“%(name)s”已被考评轮次使用并冻结，评分项不能再修改或删除，只能复制为新版本后修改。")
            % {"name": standard}
        )
    if standard.status == StandardStatus.PUBLISHED:
        raise ValidationError(
            _("标准“%(name)s”已发布，不能直接修改。请先撤回为草稿，或复制为新版本。") % {"name": standard}
        )


def linked_material_count(items) -> int:
    """How many materials (the trash included) cite any of `items` as evidence.

    Through the reverse relation archives.Material.items defines ("materials"): standards sits below archives
    and does not import it."""
    return items.aggregate(materials=Count("materials", distinct=True))["materials"]


def ensure_no_evidence(items, what) -> None:
    """Refuse to delete `what` (a standard, section or item) while materials cite its items: the delete would
    silently remove those evidence links from every site's archive."""
    count = linked_material_count(items)
    if count:
        raise ValidationError(
            _("“%(what)s”已被 %(count)s 份创建材料用作佐证，删除会让这些材料失去佐证关联，因此不能删除。")
            % {"count": count, "what": what}
        )


def _changes(instance, fields: dict) -> dict:
    return {
        name: [str(getattr(instance, name)), str(value)]
        for name, value in fields.items()
        if getattr(instance, name) != value
    }


@transaction.atomic
def standard_create(
    *, by, name: str, year: int, total_score=Decimal("100"), domains=None, notes="", purpose="evaluation"
) -> Standard:
    standard = Standard(
        name=name,
        year=year,
        total_score=total_score,
        domains=domains or [],
        notes=notes,
        purpose=purpose,
        created_by=by,
    )
    standard.full_clean()
    standard.save()
    audit_record(actor=by, action="standard_create", target=standard)
    return standard


@transaction.atomic
def standard_update(*, standard: Standard, by, **fields) -> Standard:
    ensure_editable(standard)
    changes = _changes(standard, fields)
    for name, value in fields.items():
        setattr(standard, name, value)
    standard.full_clean()
    standard.save()
    if changes:
        audit_record(actor=by, action="standard_update", target=standard, changes=changes)
    return standard


@transaction.atomic
def standard_delete(*, standard: Standard, by) -> None:
    if standard.status != StandardStatus.DRAFT:
        raise ValidationError(_("只有草稿可以删除；已发布或已冻结的标准需要保留以备查证。"))
    ensure_no_evidence(Item.objects.filter(standard=standard), standard)
    audit_record(actor=by, action="standard_delete", target=standard)
    standard.delete()


@transaction.atomic
def standard_copy(*, standard: Standard, by, year: int, name: str | None = None) -> Standard:
    """A new editable draft with the same sections and items, from any version (frozen ones included)."""
    copy = Standard(
        name=name or standard.name,
        year=year,
        purpose=standard.purpose,
        domains=list(standard.domains),
        total_score=standard.total_score,
        notes=standard.notes,
        copied_from=standard,
        created_by=by,
    )
    copy.full_clean()
    copy.save()
    for section in standard.sections.prefetch_related("items"):
        items = list(section.items.all())
        section.pk, section.standard = None, copy
        section.save()
        for item in items:
            item.pk, item.standard, item.section = None, copy, section
        Item.objects.bulk_create(items)
    audit_record(actor=by, action="standard_copy", target=copy, changes={"copied_from": [None, str(standard)]})
    return copy


def publish_problems(standard: Standard) -> list[str]:
    sections = [
        rules.SectionFacts(
            title=section.title,
            max_score=section.max_score,
            item_maxima=[item.max_score for item in section.items.all()],
            domain=section.domain,
        )
        for section in standard.sections.prefetch_related("items")
    ]
    domains = standard.applicable_domains if any(s.domain for s in sections) else []
    return rules.publish_problems(standard.total_score, sections, domains)


@transaction.atomic
def standard_publish(*, standard: Standard, by) -> Standard:
    if standard.status != StandardStatus.DRAFT:
        raise ValidationError(_("只有草稿可以发布。"))
    problems = publish_problems(standard)
    if problems:
        raise ValidationError(problems)
    standard.status, standard.published_at = StandardStatus.PUBLISHED, timezone.now()
    standard.save(update_fields=["status", "published_at", "updated_at"])
    audit_record(actor=by, action="standard_publish", target=standard, changes={"status": ["draft", "published"]})
    return standard


@transaction.atomic
def standard_withdraw(*, standard: Standard, by, reason: str = "") -> Standard:
    """Back to draft, for a published version no round uses yet."""
    if standard.status != StandardStatus.PUBLISHED:
        raise ValidationError(_("只有已发布且未被使用的标准可以撤回为草稿。"))
    standard.status, standard.published_at = StandardStatus.DRAFT, None
    standard.save(update_fields=["status", "published_at", "updated_at"])
    audit_record(
        actor=by, action="standard_withdraw", target=standard, changes={"status": ["published", "draft"]}, reason=reason
    )
    return standard


@transaction.atomic
def standard_freeze(*, standard: Standard, by, reason: str) -> Standard:
    """Called when an evaluation round opens with this standard: from then on it can only be copied."""
    if standard.status == StandardStatus.FROZEN:
        return standard
    if standard.status != StandardStatus.PUBLISHED:
        raise ValidationError(_("只有已发布的标准可以用于考评轮次。"))
    standard.status, standard.frozen_at = StandardStatus.FROZEN, timezone.now()
    standard.save(update_fields=["status", "frozen_at", "updated_at"])
    audit_record(
        actor=by, action="standard_freeze", target=standard, changes={"status": ["published", "frozen"]}, reason=reason
    )
    return standard


# --- sections -------------------------------------------------------------------------------------


@transaction.atomic
def section_save(*, section: Section, by) -> Section:
    """Create or update a section of a draft."""
    ensure_editable(section.standard)
    creating = section.pk is None
    before = None if creating else Section.objects.get(pk=section.pk)
    if creating and not section.order:
        section.order = (section.standard.sections.aggregate(m=Max("order"))["m"] or 0) + 1
    section.full_clean()
    changes = {f"section.{name}": values for name, values in field_changes(before, section, SECTION_FIELDS).items()}
    if not creating and not changes:
        return section  # an unchanged form changes nothing and records nothing
    section.save()
    audit_record(
        actor=by,
        action="section_create" if creating else "section_update",
        target=section.standard,
        changes={"section": [None, f"{section.code} {section.title}"]} if creating else changes,
        reason=f"{section.code} {section.title}",
    )
    return section


@transaction.atomic
def section_delete(*, section: Section, by) -> None:
    ensure_editable(section.standard)
    ensure_no_evidence(Item.objects.filter(section=section), f"{section.code} {section.title}")
    audit_record(
        actor=by,
        action="section_delete",
        target=section.standard,
        changes={"section": [f"{section.code} {section.title}", None]},
    )
    section.delete()


@transaction.atomic
def section_move(*, section: Section, by, step: int) -> None:
    ensure_editable(section.standard)
    _move(list(section.standard.sections.order_by("order", "id")), section, step)
    audit_record(actor=by, action="section_move", target=section.standard, changes={"section": [section.title, step]})


# --- items ----------------------------------------------------------------------------------------


@transaction.atomic
def item_save(*, item: Item, by) -> Item:
    """Create or update an item of a draft; the item always belongs to its section's standard."""
    ensure_editable(item.section.standard)
    item.standard = item.section.standard
    creating = item.pk is None
    if creating and not item.order:
        item.order = (item.section.items.aggregate(m=Max("order"))["m"] or 0) + 1
    if Item.objects.filter(standard=item.standard, code=item.code).exclude(pk=item.pk).exists():
        raise ValidationError({"code": _("编号“%(code)s”在本标准中已存在") % {"code": item.code}})
    item.full_clean()
    before = None if creating else Item.objects.get(pk=item.pk)
    changes = {f"item.{name}": values for name, values in field_changes(before, item, ITEM_FIELDS).items()}
    if not creating and not changes:
        return item  # an unchanged form changes nothing and records nothing
    item.save()
    audit_record(
        actor=by,
        action="item_create" if creating else "item_update",
        target=item.standard,
        changes={"item": [None, f"{item.code} {item.title}"]} if creating else changes,
        reason=f"{item.code} {item.title}",
    )
    return item


@transaction.atomic
def item_delete(*, item: Item, by) -> None:
    ensure_editable(item.standard)
    ensure_no_evidence(Item.objects.filter(pk=item.pk), item)
    audit_record(actor=by, action="item_delete", target=item.standard, changes={"item": [str(item), None]})
    item.delete()


@transaction.atomic
def item_move(*, item: Item, by, step: int) -> None:
    ensure_editable(item.standard)
    _move(list(item.section.items.order_by("order", "id")), item, step)
    audit_record(actor=by, action="item_move", target=item.standard, changes={"item": [item.code, step]})


def _move(siblings: list, target, step: int) -> None:
    """Move `target` one place up (step -1) or down (+1) among its siblings, renumbering them 1..n."""
    index = next(i for i, sibling in enumerate(siblings) if sibling.pk == target.pk)
    other = index + step
    if 0 <= other < len(siblings):
        siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings, start=1):
        sibling.order = position
    type(target).objects.bulk_update(siblings, ["order"])


# --- import ---------------------------------------------------------------------------------------


@transaction.atomic
def standard_import(*, parsed, by, name: str, year: int, total_score=None, notes: str = "") -> Standard:
    """Create a draft from a workbook read by imports.read_standard_workbook. Refuses a workbook with errors;
    any failure rolls the whole import back."""
    if parsed.errors:
        raise ValidationError([str(error) for error in parsed.errors])
    if Standard.objects.filter(name=name, year=year).exists():
        raise ValidationError(_("%(year)s 年已有名为“%(name)s”的标准") % {"year": year, "name": name})
    standard = standard_create(
        by=by,
        name=name,
        year=year,
        notes=notes,
        total_score=total_score if total_score is not None else Decimal("100"),
    )
    for order, parsed_section in enumerate(parsed.sections, start=1):
        section = Section(
            standard=standard,
            code=parsed_section.code,
            title=parsed_section.title,
            kind=parsed_section.kind,
            domain=parsed_section.domain,
            max_score=parsed_section.max_score,
            order=order,
        )
        section.full_clean()
        section.save()
        items = [
            Item(standard=standard, section=section, order=n, **fields)
            for n, fields in enumerate(parsed_section.items, start=1)
        ]
        for item in items:
            item.full_clean(validate_unique=False, validate_constraints=False)
        Item.objects.bulk_create(items)
    audit_record(actor=by, action="standard_import", target=standard, changes={"items": [None, parsed.item_count]})
    return standard
