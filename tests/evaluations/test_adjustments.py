"""Deduction and bonus lines: added by staff from scoring until finalization, validated, withdrawn (never deleted)
with a reason, recorded; derived lines synced idempotently; withdrawn lines no longer count; the list page per
role, its filter, withdrawal and a constant number of queries."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.models import AuditEntry
from evaluations import adjustments, results
from evaluations.choices import RoundStatus
from evaluations.models import Adjustment, Round
from tests.factories import SiteFactory
from tests.utils import queries_for


def add(entry, by, kind="deduction", points="2", reason="通报批评", **extra):
    return adjustments.adjustment_add(entry=entry, by=by, kind=kind, points=points, reason=reason, **extra)


# --- adding and withdrawing ------------------------------------------------------------------------------


def test_staff_adds_a_line_recorded_with_who_and_why(scoring, cast):
    line = add(scoring.entry_a, cast.staff, points="2.5", reason="  未按时报送材料 ")
    assert (line.kind, line.points, line.source) == ("deduction", Decimal("2.5"), "manual")
    assert line.reason == "未按时报送材料"
    assert line.created_by == cast.staff and line.is_active
    entry = AuditEntry.objects.get(action="adjustment_add")
    assert entry.actor == cast.staff and entry.changes["points"] == [None, "−2.50"]


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ("0", "分值须大于 0"),
        ("-1", "分值须大于 0"),
        ("100.01", "分值不能超过 100"),
        ("1.234", "分值最多保留两位小数"),
        ("abc", "分值须为数字"),
        ("NaN", "分值须为数字"),
    ],
)
def test_points_are_validated_in_chinese(scoring, cast, points, message):
    with pytest.raises(ValidationError, match=message):
        add(scoring.entry_a, cast.staff, points=points)
    assert not Adjustment.objects.exists()


def test_points_at_the_limits_are_accepted(scoring, cast):
    assert add(scoring.entry_a, cast.staff, points="0.01").points == Decimal("0.01")
    assert add(scoring.entry_a, cast.staff, points="100").points == Decimal("100")


def test_a_reason_is_required(scoring, cast):
    with pytest.raises(ValidationError, match="请填写扣分或加分的事由"):
        add(scoring.entry_a, cast.staff, reason="   ")


def test_only_staff_may_add(scoring, cast):
    for user in (cast.viewer, cast.teamlead, cast.scorer, cast.leader):
        with pytest.raises(PermissionDenied):
            add(scoring.entry_a, user)
    assert not Adjustment.objects.exists()


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        (RoundStatus.DRAFT, False),
        (RoundStatus.SELF_ASSESSMENT, False),
        (RoundStatus.SCORING, True),
        (RoundStatus.SCORED, True),
        (RoundStatus.PUBLISHED, True),
        (RoundStatus.FINALIZED, False),
    ],
)
def test_lines_change_from_scoring_until_finalization(scoring, cast, status, allowed):
    line = add(scoring.entry_a, cast.staff)
    Round.objects.filter(pk=scoring.round.pk).update(status=status)
    if allowed:
        add(scoring.entry_b, cast.staff)
        adjustments.adjustment_withdraw(adjustment=line, by=cast.staff, reason="误录")
    else:
        with pytest.raises(ValidationError):
            add(scoring.entry_b, cast.staff)
        with pytest.raises(ValidationError):
            adjustments.adjustment_withdraw(adjustment=line, by=cast.staff, reason="误录")
        assert Adjustment.objects.get(pk=line.pk).is_active


def test_withdrawing_keeps_the_line_with_who_when_and_why(scoring, cast):
    line = add(scoring.entry_a, cast.staff)
    with pytest.raises(ValidationError, match="请填写撤销原因"):
        adjustments.adjustment_withdraw(adjustment=line, by=cast.staff, reason=" ")
    adjustments.adjustment_withdraw(adjustment=line, by=cast.staff, reason="异议成立")
    line.refresh_from_db()
    assert not line.is_active and line.withdrawn_by == cast.staff and line.withdraw_reason == "异议成立"
    assert Adjustment.objects.count() == 1
    assert AuditEntry.objects.get(action="adjustment_withdraw").reason == "异议成立"
    with pytest.raises(ValidationError, match="已经撤销"):
        adjustments.adjustment_withdraw(adjustment=line, by=cast.staff, reason="再撤一次")


def test_withdrawn_lines_no_longer_count_in_results(scored, cast):
    def result_a():
        return {r.entry_id: r for r in results.round_results(scored.round)}[scored.entry_a.pk]

    base = result_a().final
    deduction = add(scored.entry_a, cast.staff, points="2")
    bonus = add(scored.entry_a, cast.staff, kind="bonus", points="1.5", reason="经验推广")
    assert result_a().final == base - Decimal("2") + Decimal("1.5")
    adjustments.adjustment_withdraw(adjustment=deduction, by=cast.staff, reason="误录")
    assert result_a().final == base + Decimal("1.5")
    adjustments.adjustment_withdraw(adjustment=bonus, by=cast.staff, reason="误录")
    assert (result_a().final, result_a().deductions, result_a().bonus) == (base, 0, 0)


def test_a_change_after_publication_changes_the_fingerprint(scored, cast):
    Round.objects.filter(pk=scored.round.pk).update(status=RoundStatus.PUBLISHED)
    before = results.inputs_fingerprint(scored.round)
    line = add(scored.entry_a, cast.staff)
    after_add = results.inputs_fingerprint(scored.round)
    adjustments.adjustment_withdraw(adjustment=line, by=cast.staff, reason="异议成立")
    assert len({before, after_add, results.inputs_fingerprint(scored.round)}) == 3


# --- derived lines ---------------------------------------------------------------------------------------


def derived(scoring, records, points="2"):
    """What a derivation from supervision records would give: one criticism deduction per record (a site stands
    in for the record here: any model instance can be a line's source object)."""
    return [
        {
            "entry": scoring.entry_a,
            "kind": "deduction",
            "source": "criticism",
            "source_object": record,
            "points": points,
            "reason": f"通报批评：{record.name}",
        }
        for record in records
    ]


def test_deriving_twice_adds_nothing(scoring, cast):
    records = [SiteFactory(name="通报一"), SiteFactory(name="通报二")]
    first = adjustments.adjustments_sync(target=scoring.round, by=None, lines=derived(scoring, records))
    assert len(first.added) == 2 and first.changed
    audits = AuditEntry.objects.count()
    second = adjustments.adjustments_sync(target=scoring.round, by=None, lines=derived(scoring, records))
    assert not second.changed
    assert Adjustment.objects.count() == 2 and AuditEntry.objects.count() == audits
    assert {line.source_object for line in Adjustment.objects.all()} == set(records)


def test_deriving_again_updates_changed_points_and_withdraws_lines_no_longer_derived(scoring, cast):
    one, two = SiteFactory(name="通报一"), SiteFactory(name="通报二")
    adjustments.adjustments_sync(target=scoring.round, by=None, lines=derived(scoring, [one, two]))
    manual = add(scoring.entry_a, cast.staff, reason="人工扣分")
    synced = adjustments.adjustments_sync(target=scoring.entry_a, by=cast.staff, lines=derived(scoring, [one], "3"))
    assert [line.points for line in synced.updated] == [Decimal("3")]
    assert [line.source_id for line in synced.withdrawn] == [two.pk]
    assert Adjustment.objects.get(source_id=two.pk).withdraw_reason == "来源记录已不再适用"
    assert Adjustment.objects.get(pk=manual.pk).is_active  # manual lines are never touched
    assert AuditEntry.objects.filter(action="adjustment_update").get().changes == {"points": ["−2.00", "−3.00"]}


def test_deriving_again_never_revives_a_line_a_person_withdrew(scoring, cast):
    record = SiteFactory(name="通报一")
    adjustments.adjustments_sync(target=scoring.round, by=None, lines=derived(scoring, [record]))
    line = Adjustment.objects.get()
    adjustments.adjustment_withdraw(adjustment=line, by=cast.staff, reason="异议成立")
    synced = adjustments.adjustments_sync(target=scoring.round, by=None, lines=derived(scoring, [record]))
    assert not synced.changed and not Adjustment.objects.get().is_active


def test_a_record_gives_one_line_even_when_added_by_hand(scoring, cast):
    record = SiteFactory(name="通报一")
    add(scoring.entry_a, cast.staff, source="criticism", source_object=record)
    with pytest.raises(ValidationError, match="不能重复录入"):
        add(scoring.entry_a, cast.staff, source="criticism", source_object=record)
    with pytest.raises(ValidationError, match="须指明来源记录"):
        add(scoring.entry_a, cast.staff, source="criticism")


def test_sync_is_refused_once_finalized(scoring):
    Round.objects.filter(pk=scoring.round.pk).update(status=RoundStatus.FINALIZED)
    with pytest.raises(ValidationError, match="已定案"):
        adjustments.adjustments_sync(target=scoring.round, by=None, lines=[])


# --- the page --------------------------------------------------------------------------------------------


def url(scoring):
    return f"/evaluations/{scoring.round.pk}/adjustments/"


STATUS = {"admin": 200, "staff": 200, "viewer": 403, "teamlead": 403, "scorer": 403, "leader": 403}
ROLES = ["admin", "staff", "district", "instructor", "leader", "scorer", "teamlead", "viewer", "outsider"]


@pytest.mark.parametrize("role", ROLES)
def test_list_per_role(client, cast, scoring, role):
    client.force_login(getattr(cast, role))
    assert client.get(url(scoring)).status_code == STATUS.get(role, 404)


@pytest.mark.parametrize("role", ROLES)
def test_only_staff_add_and_withdraw_through_the_pages(client, cast, scoring, role):
    line = add(scoring.entry_b, cast.staff)
    client.force_login(getattr(cast, role))
    response = client.post(
        url(scoring), {"entry": scoring.entry_a.pk, "kind": "bonus", "points": "1", "reason": "经验推广"}
    )
    expected = STATUS.get(role, 404)
    assert response.status_code == (302 if expected == 200 else expected)
    response = client.post(f"/evaluations/adjustments/{line.pk}/withdraw/", {"reason": "误录"})
    assert response.status_code == (302 if expected == 200 else expected)
    assert Adjustment.objects.filter(kind="bonus").exists() == (expected == 200)
    assert Adjustment.objects.get(pk=line.pk).is_active == (expected != 200)


def test_form_shows_validation_messages(client, cast, scoring):
    client.force_login(cast.staff)
    page = client.post(url(scoring), {"entry": scoring.entry_a.pk, "kind": "deduction", "points": "0", "reason": ""})
    text = page.content.decode()
    assert page.status_code == 200 and "分值须大于 0" in text and "请填写扣分或加分的事由" in text
    page = client.post(url(scoring), {"kind": "deduction", "points": "1.005", "reason": "x"})
    text = page.content.decode()
    assert "请选择示范点" in text and "分值最多保留两位小数" in text
    assert not Adjustment.objects.exists()


def test_list_filters_by_site_kind_source_and_state(client, cast, scoring):
    add(scoring.entry_a, cast.staff, reason="甲村扣分")
    add(scoring.entry_b, cast.staff, kind="bonus", reason="甲镇加分")
    gone = add(scoring.entry_b, cast.staff, reason="甲镇撤销")
    adjustments.adjustment_withdraw(adjustment=gone, by=cast.staff, reason="误录")
    add(scoring.entry_a, cast.staff, reason="甲村通报", source="criticism", source_object=SiteFactory())
    client.force_login(cast.staff)

    def reasons(**params):
        return {line.reason for line in client.get(url(scoring), params).context["page_obj"]}

    assert reasons() == {"甲村扣分", "甲镇加分", "甲镇撤销", "甲村通报"}
    assert reasons(q="甲村") == {"甲村扣分", "甲村通报"}
    assert reasons(entry=scoring.entry_b.pk) == {"甲镇加分", "甲镇撤销"}
    assert reasons(kind="bonus") == {"甲镇加分"}
    assert reasons(source="criticism") == {"甲村通报"}
    assert reasons(state="withdrawn") == {"甲镇撤销"}
    assert reasons(state="active", kind="deduction") == {"甲村扣分", "甲村通报"}
    page = client.get(url(scoring)).content.decode()
    assert "异议" not in page and "误录" in page and "已撤销" in page and "通报批评" in page


def test_withdraw_needs_a_reason_and_asks_first(client, cast, scoring):
    line = add(scoring.entry_a, cast.staff)
    client.force_login(cast.staff)
    page = client.get(url(scoring)).content.decode()
    assert "data-confirm" in page and f'id="withdraw-{line.pk}"' in page
    client.post(f"/evaluations/adjustments/{line.pk}/withdraw/", {"reason": ""})
    assert Adjustment.objects.get(pk=line.pk).is_active
    response = client.post(f"/evaluations/adjustments/{line.pk}/withdraw/", {"reason": "误录", "next": url(scoring)})
    assert response.url == url(scoring)
    assert not Adjustment.objects.get(pk=line.pk).is_active


def test_finalized_round_lists_lines_without_forms(client, cast, scoring):
    add(scoring.entry_a, cast.staff)
    Round.objects.filter(pk=scoring.round.pk).update(status=RoundStatus.FINALIZED)
    client.force_login(cast.staff)
    page = client.get(url(scoring)).content.decode()
    assert "已定案" in page and 'id="add"' not in page and "确定撤销" not in page


def test_empty_list_says_what_to_do(client, cast, scoring):
    client.force_login(cast.staff)
    assert "还没有扣分或加分" in client.get(url(scoring)).content.decode()


def test_entries_picker_searches_the_rounds_sites(client, cast, scoring):
    client.force_login(cast.staff)
    found = client.get("/evaluations/adjustments/entries/", {"round": scoring.round.pk, "q": "甲村"}).json()
    assert [row["text"] for row in found["results"]] == ["甲村示范点"]
    client.force_login(cast.viewer)
    assert client.get("/evaluations/adjustments/entries/", {"round": scoring.round.pk}).status_code == 403


def test_list_queries_are_constant(client, cast, scoring):
    for index in range(5):
        add(scoring.entry_a if index % 2 else scoring.entry_b, cast.staff, reason=f"第{index}项")
    client.force_login(cast.staff)
    client.get(url(scoring))
    five = queries_for(client, url(scoring))
    for index in range(45):
        line = add(scoring.entry_a, cast.staff, kind="bonus" if index % 3 else "deduction", reason=f"第{index}项")
        if index % 4 == 0:
            adjustments.adjustment_withdraw(adjustment=line, by=cast.staff, reason="误录")
    assert len(client.get(url(scoring)).context["page_obj"].object_list) == 50
    assert queries_for(client, url(scoring)) == five


def test_entry_page_links_to_its_lines_with_the_site_chosen(client, cast, scoring):
    client.force_login(cast.staff)
    link = f"{url(scoring)}?entry={scoring.entry_a.pk}"
    assert link in client.get(f"/evaluations/entries/{scoring.entry_a.pk}/").content.decode()
    form = client.get(url(scoring), {"entry": scoring.entry_a.pk}).context["form"]
    assert str(form["entry"].value()) == str(scoring.entry_a.pk)
