"""Standards services: copying, publishing, freezing, editing drafts only, reordering, and the audit trail."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.models import AuditEntry
from standards import defaults, services
from standards.choices import ScoringKind, StandardStatus
from standards.models import Item, Section, Standard
from tests.factories import ItemFactory, SectionFactory, StandardFactory, UserFactory


@pytest.fixture
def staff(db):
    return UserFactory(username="clerk")


@pytest.fixture
def published(db):
    return defaults.build_evaluation_standard(2026)


@pytest.fixture
def draft(db):
    standard = StandardFactory(total_score=10)
    section = SectionFactory(standard=standard, code="A", max_score=10)
    ItemFactory(section=section, code="A-01", max_score=6)
    ItemFactory(section=section, code="A-02", max_score=4)
    return standard


def snapshot(standard):
    return [
        (
            s.code,
            s.title,
            s.kind,
            s.domain,
            s.max_score,
            s.order,
            [
                (
                    i.code,
                    i.title,
                    i.guide,
                    i.max_score,
                    i.kind,
                    i.is_veto,
                    i.is_required,
                    i.evidence_categories,
                    i.order,
                )
                for i in s.items.order_by("order")
            ],
        )
        for s in standard.sections.order_by("order")
    ]


def test_copy_makes_an_editable_draft_with_the_same_content(published, staff):
    copy = services.standard_copy(standard=published, by=staff, year=2027)
    assert copy.status == StandardStatus.DRAFT and copy.year == 2027 and copy.copied_from == published
    assert snapshot(copy) == snapshot(published)
    assert copy.items.count() == published.items.count() == Item.objects.filter(standard=published).count()
    assert AuditEntry.objects.filter(action="standard_copy", object_id=str(copy.pk), actor=staff).exists()


def test_editing_the_copy_leaves_the_original_alone(published, staff):
    copy = services.standard_copy(standard=published, by=staff, year=2027)
    item = copy.items.get(code="SY-01")
    item.title = "有坚强有力的领导班子"
    services.item_save(item=item, by=staff)
    assert published.items.get(code="SY-01").title == "有过硬的领导班子和骨干队伍"


def test_a_frozen_standard_can_be_copied(published, staff):
    services.standard_freeze(standard=published, by=staff, reason="2026年度验收轮次开启")
    copy = services.standard_copy(standard=published, by=staff, year=2027)
    assert copy.status == StandardStatus.DRAFT


def test_freezing_blocks_every_edit_with_a_clear_message(published, staff):
    item_count = published.items.count()
    services.standard_freeze(standard=published, by=staff, reason="轮次开启")
    published.refresh_from_db()
    assert published.status == StandardStatus.FROZEN and published.frozen_at
    item = published.items.get(code="SY-01")
    section = published.sections.get(code="SY")
    attempts = [
        lambda: services.item_save(item=item, by=staff),
        lambda: services.item_delete(item=item, by=staff),
        lambda: services.item_move(item=item, by=staff, step=1),
        lambda: services.section_save(section=section, by=staff),
        lambda: services.section_delete(section=section, by=staff),
        lambda: services.section_move(section=section, by=staff, step=1),
        lambda: services.standard_update(standard=published, by=staff, notes="x"),
        lambda: services.standard_delete(standard=published, by=staff),
        lambda: services.standard_withdraw(standard=published, by=staff),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as error:
            attempt()
        assert "冻结" in str(error.value) or "草稿" in str(error.value)
    assert published.items.get(code="SY-01").title == "有过硬的领导班子和骨干队伍"
    assert Item.objects.filter(standard=published).count() == item_count


def test_freezing_needs_a_published_standard_and_is_recorded(draft, published, staff):
    with pytest.raises(ValidationError):
        services.standard_freeze(standard=draft, by=staff, reason="x")
    services.standard_freeze(standard=published, by=staff, reason="验收轮次")
    entry = AuditEntry.objects.get(action="standard_freeze")
    assert entry.actor == staff and entry.reason == "验收轮次"


def test_published_standards_are_not_edited_in_place(published, staff):
    item = published.items.first()
    with pytest.raises(ValidationError, match="已发布"):
        services.item_save(item=item, by=staff)
    services.standard_withdraw(standard=published, by=staff)
    item.title = "改过的标题"
    services.item_save(item=item, by=staff)
    assert Item.objects.get(pk=item.pk).title == "改过的标题"


def test_publish_checks_totals_and_empty_sections(draft, staff):
    SectionFactory(standard=draft, code="B", title="空板块", max_score=0)
    with pytest.raises(ValidationError) as error:
        services.standard_publish(standard=draft, by=staff)
    assert "板块“空板块”还没有评分项" in error.value.messages
    Section.objects.filter(code="B").delete()
    services.standard_publish(standard=draft, by=staff)
    draft.refresh_from_db()
    assert draft.status == StandardStatus.PUBLISHED and draft.published_at


def test_publish_refuses_items_that_do_not_add_up(draft, staff):
    draft.items.filter(code="A-02").update(max_score=3)
    with pytest.raises(ValidationError, match="各项分值合计 9 分"):
        services.standard_publish(standard=draft, by=staff)


def test_item_rules_are_enforced(draft, staff):
    section = draft.sections.get()
    with pytest.raises(ValidationError) as error:
        services.item_save(item=Item(section=section, code="A-01", title="重复", max_score=1), by=staff)
    assert "已存在" in str(error.value)
    with pytest.raises(ValidationError) as error:
        services.item_save(item=Item(section=section, code="A-09", title="半分", max_score=Decimal("1.3")), by=staff)
    assert "0.5 的整数倍" in str(error.value)
    with pytest.raises(ValidationError) as error:
        services.item_save(
            item=Item(section=section, code="A-10", title="否决", is_veto=True, kind=ScoringKind.POINTS, max_score=0),
            by=staff,
        )
    assert "有/无" in str(error.value)
    with pytest.raises(ValidationError):
        services.item_save(
            item=Item(section=section, code="A-11", title="材料", evidence_categories=["bogus"]), by=staff
        )


def test_moves_reorder_and_renumber(draft, staff):
    section = draft.sections.get()
    ItemFactory(section=section, code="A-03", max_score=0)
    codes = lambda: list(section.items.order_by("order").values_list("code", flat=True))  # noqa: E731
    services.item_move(item=section.items.get(code="A-03"), by=staff, step=-1)
    assert codes() == ["A-01", "A-03", "A-02"]
    services.item_move(item=section.items.get(code="A-01"), by=staff, step=-1)  # already first: stays
    assert codes() == ["A-01", "A-03", "A-02"]
    assert list(section.items.order_by("order").values_list("order", flat=True)) == [1, 2, 3]


def test_section_moves(draft, staff):
    second = SectionFactory(standard=draft, code="B")
    services.section_move(section=second, by=staff, step=-1)
    assert list(draft.sections.order_by("order").values_list("code", flat=True)) == ["B", "A"]


def test_only_drafts_are_deleted(draft, published, staff):
    with pytest.raises(ValidationError):
        services.standard_delete(standard=published, by=staff)
    services.standard_delete(standard=draft, by=staff)
    assert not Standard.objects.filter(pk=draft.pk).exists()


def test_every_change_is_audited(draft, staff):
    item = draft.items.get(code="A-01")
    item.title = "新标题"
    services.item_save(item=item, by=staff)
    services.standard_update(standard=draft, by=staff, notes="说明")
    actions = set(AuditEntry.objects.filter(actor=staff).values_list("action", flat=True))
    assert {"item_update", "standard_update"} <= actions
