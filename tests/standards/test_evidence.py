"""A standard, section or item that materials cite as evidence cannot be deleted, through any door.

The probe's M4: withdrawing the current standard to a draft and deleting it silently removed the evidence links of
hundreds of materials. The service refuses, the admin offers no delete and refuses “delete selected”."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.urls import reverse

from archives.models import Material
from core.models import AuditEntry
from standards import defaults, services
from standards.choices import StandardStatus
from standards.models import Item, Section, Standard
from tests.factories import ItemFactory, SectionFactory, SiteFactory, StandardFactory, UserFactory


@pytest.fixture
def staff(db):
    return UserFactory(username="clerk")


@pytest.fixture
def draft(db):
    standard = StandardFactory(total_score=10, name="草稿标准")
    section = SectionFactory(standard=standard, code="A", max_score=10)
    ItemFactory(section=section, code="A-01", max_score=6)
    ItemFactory(section=section, code="A-02", max_score=4)
    SectionFactory(standard=standard, code="B", max_score=0)
    return standard


def cite(*items, count=1):
    """`count` materials of one site citing `items` as evidence (one of them in the trash)."""
    site = SiteFactory()
    materials = []
    for number in range(count):
        material = Material.objects.create(site=site, category="creation_plan", title=f"材料{number}", year=2026)
        material.items.set(items)
        materials.append(material)
    Material.objects.filter(pk=materials[-1].pk).update(deleted_at="2026-01-01T00:00:00Z")  # trash still counts
    return materials


def links() -> int:
    return Material.items.through.objects.count()


def test_a_withdrawn_standard_with_evidence_cannot_be_deleted(staff, db):
    standard = defaults.build_evaluation_standard(2026)
    cite(*standard.items.all()[:3], count=2)
    cite(standard.items.first())
    services.standard_withdraw(standard=standard, by=staff)
    with pytest.raises(ValidationError) as refused:
        services.standard_delete(standard=standard, by=staff)
    assert "已被 3 份创建材料用作佐证" in refused.value.messages[0]
    assert Standard.objects.filter(pk=standard.pk, status=StandardStatus.DRAFT).exists() and links() == 7
    assert not AuditEntry.objects.filter(action="standard_delete").exists()


def test_a_section_or_item_with_evidence_cannot_be_deleted(draft, staff):
    cite(draft.items.get(code="A-01"))
    section_a, section_b = draft.sections.get(code="A"), draft.sections.get(code="B")
    with pytest.raises(ValidationError, match="已被 1 份创建材料用作佐证"):
        services.section_delete(section=section_a, by=staff)
    with pytest.raises(ValidationError, match="已被 1 份创建材料用作佐证"):
        services.item_delete(item=draft.items.get(code="A-01"), by=staff)
    assert links() == 1 and Item.objects.filter(code="A-01").exists()
    # Without evidence, a draft's parts are deleted as before.
    services.item_delete(item=draft.items.get(code="A-02"), by=staff)
    services.section_delete(section=section_b, by=staff)
    assert list(draft.sections.values_list("code", flat=True)) == ["A"]


def test_a_draft_without_evidence_is_still_deleted(draft, staff):
    cite(ItemFactory(section=SectionFactory(standard=StandardFactory(name="别的标准"))))  # evidence elsewhere
    services.standard_delete(standard=draft, by=staff)
    assert not Standard.objects.filter(pk=draft.pk).exists()


# --- the admin ---------------------------------------------------------------------------------------------------


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", [Standard, Section, Item], ids=lambda model: model.__name__)
def test_the_admin_delete_page_refuses_what_materials_cite(client, cast, draft, model):
    cite(draft.items.get(code="A-01"))
    target = {Standard: draft, Section: draft.sections.get(code="A"), Item: draft.items.get(code="A-01")}[model]
    client.force_login(cast.admin)
    assert client.get(url(model, "delete", target.pk)).status_code == 403
    assert client.post(url(model, "delete", target.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=target.pk).exists() and links() == 1
    html = client.get(url(model, "change", target.pk)).content.decode()
    assert "已被 1 份创建材料用作佐证" in html  # why there is no delete button


def test_delete_selected_refuses_the_whole_batch_when_one_standard_is_cited(client, cast, draft):
    other = StandardFactory(name="另一草稿")
    cite(draft.items.get(code="A-01"))
    client.force_login(cast.admin)
    data = {"action": "delete_selected", ACTION_CHECKBOX_NAME: [draft.pk, other.pk]}
    confirmation = client.post(url(Standard, "changelist"), data)
    assert confirmation.status_code == 200 and confirmation.context["perms_lacking"]
    assert client.post(url(Standard, "changelist"), {**data, "post": "yes"}).status_code == 403
    assert Standard.objects.filter(pk__in=[draft.pk, other.pk]).count() == 2 and links() == 1


def test_delete_selected_of_items_refuses_a_cited_one(client, cast, draft):
    cite(draft.items.get(code="A-01"))
    client.force_login(cast.admin)
    data = {"action": "delete_selected", ACTION_CHECKBOX_NAME: list(draft.items.values_list("pk", flat=True))}
    assert client.post(url(Item, "changelist"), {**data, "post": "yes"}).status_code == 403
    assert draft.items.count() == 2


def test_the_admin_still_deletes_a_draft_nothing_cites(client, cast, draft):
    client.force_login(cast.admin)
    assert client.post(url(Standard, "delete", draft.pk), {"post": "yes"}).status_code == 302
    assert not Standard.objects.filter(pk=draft.pk).exists()
