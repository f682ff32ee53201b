"""A readable audit trail: labels instead of codes, and nothing recorded for a change that changes nothing."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from core.audit import action_codes, action_label, change_lines
from core.models import AuditEntry
from sites import services as site_services
from sites.choices import GroupRole
from sites.models import CreationGroupMember, Site
from standards import defaults
from tests.factories import SiteFactory
from tests.utils import unchanged_post_data

SOURCE = Path(settings.BASE_DIR)


def _recorded_action_codes() -> set[str]:
    """Every action code the code base passes to audit_record (literal or one of a pair)."""
    codes = set()
    for path in SOURCE.glob("*/[!.]*.py"):
        if path.parts[-2] in {"tests", ".venv"}:
            continue
        text = path.read_text(encoding="utf-8")
        for call in re.findall(r"audit_record\((.{0,300}?)\)\n", text, flags=re.DOTALL):
            codes.update(re.findall(r'action="([a-z_]+)"', call))
            codes.update(re.findall(r'else "([a-z_]+)"', call))
    from sites.views import FORMSETS

    codes.update(f"site_{what}" for what in FORMSETS)
    return codes


def test_every_recorded_action_has_a_label():
    assert _recorded_action_codes() - action_codes() == set()


def test_an_undeclared_code_never_shows_bare():
    assert action_label("site_update") == "修改信息"
    assert action_label("mystery_code").startswith("其他操作")


def test_states_and_fields_read_as_labels(city):
    lines = change_lines(Site, {"state": ["nominated", "candidate"], "brand_name": ["", "红色甲村"]})
    assert [(line.field, line.old, line.new) for line in lines] == [
        ("状态", "已推荐", "创建单位"),
        ("党建品牌名称", "", "红色甲村"),
    ]


@pytest.fixture
def site(city, cast):
    site = SiteFactory(name="甲村示范点", organization=city.org_a, state="nominated", brand_name="红色甲村")
    CreationGroupMember.objects.create(site=site, role=GroupRole.LEADER, name="刘芳", user=cast.leader)
    return site


def test_the_site_page_shows_actions_and_states_in_words(client, cast, site):
    site_services.site_update(site=site, by=cast.staff, allowed=["brand_name"], brand_name="先锋甲村")
    site_services.site_transition(site=site, to_state="candidate", by=cast.staff, reason="启动")
    client.force_login(cast.staff)
    html = client.get(f"/sites/{site.pk}/").content.decode()
    assert "修改信息" in html and "状态变更" in html and "已推荐 → 创建单位" in html
    for code in ("site_update", "site_transition", "nominated", "candidate"):
        assert code not in re.sub(r"<[^>]+>", "", html), code


def test_the_admin_shows_actions_in_words(client, cast, site):
    site_services.site_transition(site=site, to_state="candidate", by=cast.staff, reason="启动")
    client.force_login(cast.admin)
    listing = client.get("/admin/core/auditentry/").content.decode()
    assert "状态变更" in listing and ">site_transition<" not in listing
    entry = AuditEntry.objects.get(action="site_transition")
    detail = client.get(f"/admin/core/auditentry/{entry.pk}/change/").content.decode()
    assert "已推荐 → 创建单位" in detail


@pytest.mark.parametrize("role", ["staff", "leader"])
def test_saving_an_unchanged_site_form_records_nothing(client, cast, site, role):
    site.instructors.add(cast.instructor)
    client.force_login(getattr(cast, role))
    form = client.get(f"/sites/{site.pk}/edit/").context["form"]
    before = AuditEntry.objects.count()
    response = client.post(f"/sites/{site.pk}/edit/", unchanged_post_data(form))
    assert response.status_code == 302
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize("what", ["group", "narrators", "route"])
def test_saving_an_unchanged_people_form_records_nothing(client, cast, site, what):
    client.force_login(cast.staff)
    formset = client.get(f"/sites/{site.pk}/people/{what}/").context["formset"]
    before = AuditEntry.objects.count()
    assert client.post(f"/sites/{site.pk}/people/{what}/", unchanged_post_data(formset)).status_code == 302
    assert AuditEntry.objects.count() == before


def test_saving_an_unchanged_item_records_nothing(client, cast, db):
    standard = defaults.build_evaluation_standard(2031, status="draft")
    item = standard.items.order_by("id").first()
    client.force_login(cast.staff)
    form = client.get(f"/standards/{standard.pk}/items/{item.pk}/").context["form"]
    before = AuditEntry.objects.count()
    client.post(f"/standards/{standard.pk}/items/{item.pk}/", unchanged_post_data(form))
    assert AuditEntry.objects.count() == before
    data = unchanged_post_data(form) | {"title": "有过硬的领导班子"}
    client.post(f"/standards/{standard.pk}/items/{item.pk}/", data)
    entry = AuditEntry.objects.latest("id")
    assert entry.action == "item_update" and entry.changes == {"item.title": [item.title, "有过硬的领导班子"]}
