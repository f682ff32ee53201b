"""The paper fallback: the pre-filled printable sheet and keying in a paper sheet on a scorer's behalf."""

import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string

from core.models import AuditEntry, Notification
from evaluations import services
from evaluations.choices import SheetSource, SheetStatus
from evaluations.models import ItemScore, ScoreChange
from tests.evaluations.conftest import fill
from tests.factories import ItemFactory
from tests.utils import queries_for

pytestmark = pytest.mark.django_db

ROLES = ["admin", "staff", "district", "instructor", "leader", "scorer", "teamlead", "viewer", "outsider", "nobody"]


def item(scoring, code):
    return next(each for each in scoring.items if each.code == code)


# --- the printable sheet ------------------------------------------------------------------------------

PRINT_ACCESS = {"admin": 200, "staff": 200, "scorer": 200, "teamlead": 200}


@pytest.mark.parametrize("role", ROLES)
def test_who_prints_a_sheet(client, cast, scoring, role):
    client.force_login(getattr(cast, role))
    response = client.get(f"/evaluations/sheets/{scoring.sheet.pk}/print/")
    assert response.status_code == PRINT_ACCESS.get(role, 404)


def test_another_scorer_does_not_print_a_sheet_not_theirs_even_after_submitting(client, scoring):
    fill(scoring.sheet2, scoring.scorer2)
    services.sheet_submit(sheet=scoring.sheet2, by=scoring.scorer2)
    client.force_login(scoring.scorer2)
    assert client.get(f"/evaluations/sheets/{scoring.sheet.pk}/print/").status_code == 404
    assert client.get(f"/evaluations/sheets/{scoring.sheet2.pk}/print/").status_code == 200


def test_a_self_assessment_has_no_paper_sheet(client, cast, scoring):
    sheet = services.self_assessment_for(scoring.entry_a, cast.leader)
    client.force_login(cast.staff)
    assert client.get(f"/evaluations/sheets/{sheet.pk}/print/").status_code == 404


def test_the_printed_sheet_is_pre_filled_and_leaves_boxes_for_the_rest(client, cast, scoring):
    values = {"SY-01": {"score": "4.5", "remark": "班子分工明确"}, "LY-01": {"present": True}}
    fill(scoring.sheet, scoring.scorer, values)
    client.force_login(cast.scorer)
    html = client.get(f"/evaluations/sheets/{scoring.sheet.pk}/print/").content.decode()
    for text in ("2026年度验收", "甲村示范点", scoring.site_a.code, "验收", cast.scorer.get_full_name(), "第一验收组"):
        assert text in html
    assert '<span class="filled-value">4.50</span>' in html and "班子分工明确" in html
    assert "☑有" in html and "□无" in html  # LY-01 decided; FJ-01 still two empty boxes
    assert "□有" in html
    assert "□好" in html and "☑" not in html.split("SY-02")[1].split("</tr>")[0]  # the level item is blank
    assert "评分人签字" in html and "验收组组长签字" in html
    assert "合计得分：＿＿＿＿＿" in html  # incomplete: the total is written by hand
    assert 'class="score-box"' in html


def test_a_complete_sheet_prints_its_subtotals_and_total(client, cast, scoring):
    fill(scoring.sheet, scoring.scorer)  # 4.5 + 较好 (3 × 0.8) + 2 + 0
    client.force_login(cast.teamlead)
    html = client.get(f"/evaluations/sheets/{scoring.sheet.pk}/print/").content.decode()
    scoring.sheet.refresh_from_db()
    assert scoring.sheet.total == Decimal("8.9")
    assert '<strong class="filled-value">8.90</strong>' in html
    assert '<span class="filled-value">6.90</span>' in html  # the 十有 subtotal
    assert "☑较好" in html


def test_the_print_page_query_count_holds_as_items_grow(client, cast, scoring):
    fill(scoring.sheet, scoring.scorer)
    client.force_login(cast.staff)
    url = f"/evaluations/sheets/{scoring.sheet.pk}/print/"
    baseline = queries_for(client, url)
    section = scoring.items[0].section
    for n in range(25):
        extra = ItemFactory(section=section, code=f"SY-X{n:02d}", kind="levels" if n % 2 else "points")
        ItemScore.objects.create(sheet=scoring.sheet, item=extra, score=1, remark="备注")
    assert queries_for(client, url) == baseline


# --- keying in ----------------------------------------------------------------------------------------


def key_in_data(scoring, action="submit", **overrides):
    data = {
        f"item_{item(scoring, 'SY-01').pk}": "4.50",
        f"item_{item(scoring, 'SY-02').pk}": "好",
        f"item_{item(scoring, 'LY-01').pk}": "1",
        f"item_{item(scoring, 'FJ-01').pk}": "1",
        f"remark_{item(scoring, 'SY-01').pk}": "纸质表备注",
        "remark": "总体较好",
        "action": action,
    }
    data.update(overrides)
    return data


KEY_IN_ACCESS = {"admin": 200, "staff": 200, "scorer": 403, "teamlead": 403}


@pytest.mark.parametrize("role", ROLES)
def test_who_keys_in_a_paper_sheet(client, cast, scoring, role):
    client.force_login(getattr(cast, role))
    response = client.get(f"/evaluations/sheets/{scoring.sheet.pk}/key-in/")
    assert response.status_code == KEY_IN_ACCESS.get(role, 404)


def test_keying_in_marks_the_sheet_and_submits_it(client, cast, scoring):
    client.force_login(cast.staff)
    response = client.post(f"/evaluations/sheets/{scoring.sheet.pk}/key-in/", key_in_data(scoring))
    assert response.status_code == 302 and f"/evaluations/{scoring.round.pk}/progress/" in response.url
    sheet = scoring.sheet
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.SUBMITTED and sheet.submitted_at and sheet.first_submitted_at
    assert sheet.source == SheetSource.KEYED and sheet.keyed_by == cast.staff
    assert sheet.total == Decimal("9.5") and sheet.scored_count == 4 and sheet.remark == "总体较好"
    assert ItemScore.objects.get(sheet=sheet, item=item(scoring, "SY-01")).remark == "纸质表备注"
    changes = ScoreChange.objects.filter(sheet=sheet)
    assert changes.count() == 4 and {change.by for change in changes} == {cast.staff}
    assert all(change.reason == "代录纸质评分表" for change in changes)
    assert AuditEntry.objects.filter(action="sheet_key_in", object_id=str(sheet.pk), actor=cast.staff).exists()
    assert Notification.objects.filter(recipient=cast.scorer, title__contains="代录并提交").exists()


def test_keying_in_keeps_what_the_scorer_scored_online(client, cast, scoring):
    fill(scoring.sheet, scoring.scorer, {"SY-01": {"score": "4.5", "remark": "纸质表备注"}})
    client.force_login(cast.staff)
    html = client.get(f"/evaluations/sheets/{scoring.sheet.pk}/key-in/").content.decode()
    assert 'value="4.50" selected' in html
    client.post(f"/evaluations/sheets/{scoring.sheet.pk}/key-in/", key_in_data(scoring))
    assert ScoreChange.objects.filter(sheet=scoring.sheet, by=cast.staff).count() == 3  # SY-01 unchanged


def test_a_refused_item_changes_nothing(client, cast, scoring):
    client.force_login(cast.staff)
    data = key_in_data(scoring, **{f"item_{item(scoring, 'SY-01').pk}": "4.30"})
    response = client.post(f"/evaluations/sheets/{scoring.sheet.pk}/key-in/", data)
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == [f"item_{item(scoring, 'SY-01').pk}"]
    assert "有误" in response.content.decode()
    sheet = scoring.sheet
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.NOT_STARTED and sheet.source == SheetSource.ONLINE
    assert not ItemScore.objects.filter(sheet=sheet).exists() and not ScoreChange.objects.filter(sheet=sheet).exists()


def test_the_service_refuses_all_when_one_item_is_refused(cast, scoring):
    values = {
        item(scoring, "SY-01").pk: {"score": "4"},
        item(scoring, "SY-02").pk: {"level": "很好"},
        item(scoring, "LY-01").pk: {"present": True},
        item(scoring, "FJ-01").pk: {"present": True},
    }
    with pytest.raises(ValidationError) as refusal:
        services.sheet_key_in(sheet=scoring.sheet, by=cast.staff, values=values)
    assert refusal.value.message_dict == {
        str(item(scoring, "SY-02").pk): ["SY-02：没有“很好”这个等次（可选：好、较好、一般、差）"]
    }
    assert not ItemScore.objects.filter(sheet=scoring.sheet).exists()
    assert not AuditEntry.objects.filter(action="sheet_key_in").exists()


def test_submitting_an_incomplete_paper_sheet_is_refused_but_it_may_be_saved(client, cast, scoring):
    client.force_login(cast.staff)
    data = key_in_data(scoring, **{f"item_{item(scoring, 'FJ-01').pk}": ""})
    response = client.post(f"/evaluations/sheets/{scoring.sheet.pk}/key-in/", data)
    assert "还有 1 项未评分：FJ-01" in response.content.decode()
    assert not ItemScore.objects.filter(sheet=scoring.sheet).exists()
    response = client.post(f"/evaluations/sheets/{scoring.sheet.pk}/key-in/", {**data, "action": "save"})
    assert response.status_code == 302
    sheet = scoring.sheet
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.IN_PROGRESS and sheet.source == SheetSource.KEYED and sheet.scored_count == 3


def test_only_staff_key_in(client, cast, scoring):
    for role in ("teamlead", "scorer"):
        client.force_login(getattr(cast, role))
        assert client.post(f"/evaluations/sheets/{scoring.sheet.pk}/key-in/", key_in_data(scoring)).status_code == 403
    with pytest.raises(ValidationError):
        services.sheet_key_in(sheet=scoring.sheet, by=cast.teamlead, values={})
    assert not ItemScore.objects.filter(sheet=scoring.sheet).exists()


@pytest.mark.parametrize("state", ["submitted", "excused"])
def test_a_submitted_or_excused_sheet_is_not_keyed_in(client, cast, scoring, state):
    if state == "submitted":
        fill(scoring.sheet, scoring.scorer)
        services.sheet_submit(sheet=scoring.sheet, by=scoring.scorer)
    else:
        services.sheet_excuse(sheet=scoring.sheet, by=cast.staff, reason="生病")
    client.force_login(cast.staff)
    html = client.get(f"/evaluations/sheets/{scoring.sheet.pk}/key-in/").content.decode()
    assert "现在不能代录" in html and "保存并提交" not in html
    before = ScoreChange.objects.count()
    client.post(f"/evaluations/sheets/{scoring.sheet.pk}/key-in/", key_in_data(scoring))
    assert ScoreChange.objects.count() == before


def test_a_keyed_sheet_is_corrected_by_staff_or_its_scorer_not_by_others(cast, scoring):
    values = {item(scoring, "SY-01").pk: {"score": "3"}}
    services.sheet_key_in(sheet=scoring.sheet, by=cast.staff, values=values, submit=False)
    target = item(scoring, "SY-01")

    def change(by, score):
        current = ItemScore.objects.get(sheet=scoring.sheet, item=target)
        payload = {"client_id": str(uuid.uuid4()), "seq": 1, "item": target.pk, "base": current.version}
        return services.sheet_apply_changes(sheet=scoring.sheet, by=by, changes=[{**payload, "score": score}])[0]

    assert change(cast.teamlead, "5").outcome == "refused"
    assert change(scoring.scorer2, "5").outcome == "refused"
    assert change(cast.staff, "4").outcome == "applied"
    assert change(cast.scorer, "4.5").outcome == "applied"


def test_the_source_badge_names_who_keyed_it_in(cast, scoring):
    services.sheet_key_in(
        sheet=scoring.sheet, by=cast.staff, values={item(scoring, "SY-01").pk: {"score": "3"}}, submit=False
    )
    scoring.sheet.refresh_from_db()
    html = render_to_string("evaluations/_sheet_source.html", {"sheet": scoring.sheet})
    assert f"纸质评分表，由 {cast.staff.get_full_name()} 代录" in html
    assert render_to_string("evaluations/_sheet_source.html", {"sheet": scoring.sheet2}).strip() == ""


def test_the_key_in_page_query_count_holds_as_items_grow(client, cast, scoring):
    client.force_login(cast.staff)
    url = f"/evaluations/sheets/{scoring.sheet.pk}/key-in/"
    baseline = queries_for(client, url)
    section = scoring.items[0].section
    for n in range(20):
        ItemFactory(section=section, code=f"SY-X{n:02d}", kind="presence" if n % 2 else "points")
    assert queries_for(client, url) == baseline
