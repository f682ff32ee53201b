"""The automatic deduction and bonus lines derived from supervision records (issue 11, point 9): each of the four
kinds with the round's policy amounts, updated and withdrawn as records change, idempotent, never reviving a
person's withdrawal nor touching manual lines, other years ignored; the results reflect them; publication syncs
first; finalized rounds refused; the nightly job; the page's button per role; links to the source records only
for those who may see them. Supervision records are created directly with the models."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from core.models import AuditEntry
from evaluations import adjustments, results, tasks
from evaluations.choices import RoundStatus
from evaluations.models import Adjustment, Publication, Round, RoundSite
from evaluations.publication import round_publish
from evaluations.supervision_lines import derive_lines, round_sync_supervision, source_links
from supervision.models import Assignment, AssignmentSite, Experience, Notice, Rectification
from tests.evaluations.publishing import scaled
from tests.factories import SiteFactory

TZ = timezone.get_current_timezone()


def at(*args) -> datetime:
    return datetime(*args, tzinfo=TZ)


def sync(round_, by=None):
    round_.refresh_from_db()
    return round_sync_supervision(round_, by=by)


def lines_of(round_, **filters):
    return list(Adjustment.objects.filter(entry__round=round_, **filters).order_by("id"))


def notice(*, site=None, organization=None, issued_on=date(2026, 5, 10), **fields):
    return Notice.objects.create(
        site=site,
        organization=organization,
        issued_on=issued_on,
        number=fields.pop("number", "市组通〔2026〕12号"),
        reason=fields.pop("reason", "创建工作推进迟缓，台账资料弄虚作假"),
        **fields,
    )


def task(title="报送半年工作总结", due=None, status="published"):
    return Assignment.objects.create(title=title, due_at=due or at(2026, 6, 30, 18), status=status)


def standing(assignment, site, **fields):
    return AssignmentSite.objects.create(assignment=assignment, site=site, **fields)


def rectification(site, *, due_on=date(2026, 10, 1), status="open", closed_at=None, title="党员活动室标识不规范"):
    return Rectification.objects.create(site=site, title=title, due_on=due_on, status=status, closed_at=closed_at)


def experience(city, sites, *, year=2026, status="promoted", title="红色驿站服务群众"):
    record = Experience.objects.create(
        title=title, summary="以驿站为阵地，党员轮值服务。", year=year, district=city.district_a, status=status
    )
    record.sites.set(sites)
    return record


def set_policy(round_, **policy):
    Round.objects.filter(pk=round_.pk).update(**policy)
    round_.refresh_from_db()


# --- each kind ---------------------------------------------------------------------------------------------


def test_a_notice_against_a_site_deducts_the_rounds_amount_once(scoring):
    record = notice(site=scoring.site_a)
    notice(site=scoring.site_a, issued_on=date(2025, 12, 31), number="去年")  # another year
    notice(site=scoring.site_a, revoked_at=timezone.now(), number="已撤销")  # revoked
    synced = sync(scoring.round)
    [line] = synced.added
    assert (line.entry, line.kind, line.source, line.points) == (scoring.entry_a, "deduction", "criticism", 2)
    assert line.source_object == record and line.created_by is None
    assert line.reason == "通报批评（文号 市组通〔2026〕12号，2026-05-10）：创建工作推进迟缓，台账资料弄虚作假"


def test_an_organization_wide_notice_hits_every_site_of_that_organization_in_the_round(scoring, city):
    site_c = SiteFactory(organization=city.org_a, name="甲村第二示范点", nomination_year=2025)
    entry_c = RoundSite.objects.create(round=scoring.round, site=site_c, stage="acceptance")
    SiteFactory(organization=city.org_a, name="不在本轮", nomination_year=2024)  # not in the round: no line anywhere
    record = notice(organization=city.org_a, number="")
    sync(scoring.round)
    lines = lines_of(scoring.round)
    assert {line.entry_id for line in lines} == {scoring.entry_a.pk, entry_c.pk}  # not site B (another unit)
    assert {line.source_object for line in lines} == {record}
    assert lines[0].reason.startswith("通报批评（2026-05-10，被通报单位：甲村党支部）")


def test_a_notice_naming_a_site_hits_that_site_only_even_with_its_unit(scoring, city):
    site_c = SiteFactory(organization=city.org_a, name="甲村第二示范点", nomination_year=2025)
    RoundSite.objects.create(round=scoring.round, site=site_c, stage="acceptance")
    notice(site=scoring.site_a, organization=city.org_a)
    sync(scoring.round)
    assert [line.entry_id for line in lines_of(scoring.round)] == [scoring.entry_a.pk]


def test_late_and_missing_answers_deduct_once_per_task(scoring):
    due = at(2026, 6, 30, 18)
    late = standing(
        task("报送半年工作总结", due),
        scoring.site_a,
        status="accepted",
        late=True,
        first_submitted_at=due + timedelta(days=2),
    )
    missing = standing(task("报送党员名册", at(2026, 7, 15, 18)), scoring.site_b, status="pending")
    returned = standing(task("报送活动照片", at(2026, 8, 1, 18)), scoring.site_a, status="returned")
    # none of these count
    standing(task("按时报送", due), scoring.site_b, status="accepted", first_submitted_at=due)
    standing(task("尚未到期", at(2026, 12, 20, 18)), scoring.site_a, status="pending")
    standing(task("草稿任务", at(2026, 3, 1, 18), status="draft"), scoring.site_a, status="pending")
    standing(task("去年任务", at(2025, 12, 31, 18)), scoring.site_a, status="pending", late=True)
    standing(task("已报送待审核", at(2026, 9, 1, 18)), scoring.site_b, status="submitted")
    sync(scoring.round)
    lines = {line.source_object: line for line in lines_of(scoring.round, source="late_answer")}
    assert set(lines) == {late, missing, returned}
    assert {line.points for line in lines.values()} == {Decimal("0.5")}
    assert lines[late].entry == scoring.entry_a and lines[missing].entry == scoring.entry_b
    assert lines[late].reason == "逾期报送：“报送半年工作总结”（截止 2026-06-30 18:00，2026-07-02 18:00 报送）"
    assert lines[missing].reason == "逾期报送：“报送党员名册”（截止 2026-07-15 18:00，至今未报送）"
    assert "退回后至今未重新报送" in lines[returned].reason


def test_a_missing_answer_sent_late_keeps_its_line_with_the_new_reason(scoring):
    missing = standing(task(), scoring.site_a, status="pending")
    sync(scoring.round)
    AssignmentSite.objects.filter(pk=missing.pk).update(
        status="submitted", late=True, first_submitted_at=at(2026, 11, 20, 9)
    )
    synced = sync(scoring.round)
    [line] = synced.updated
    assert "2026-11-20 09:00 报送" in line.reason and line.is_active and not synced.added


def test_the_due_second_itself_is_not_late(scoring):
    due = timezone.now() - timedelta(minutes=1)
    target = standing(task(due=due), scoring.site_a, status="pending")
    assert [line["source_object"] for line in derive_lines(scoring.round, now=due)] == []
    assert [line["source_object"] for line in derive_lines(scoring.round, now=due + timedelta(seconds=1))] == [target]


def test_rectification_not_put_right_by_its_deadline_deducts(scoring):
    open_late = rectification(scoring.site_a)
    closed_late = rectification(scoring.site_b, status="closed", closed_at=at(2026, 10, 5, 10))
    reported_late = rectification(scoring.site_b, status="submitted", due_on=date(2026, 9, 1))
    rectification(scoring.site_a, status="closed", closed_at=at(2026, 10, 1, 23, 59))  # on the deadline's day
    rectification(scoring.site_a, status="cancelled", due_on=date(2026, 3, 1))
    rectification(scoring.site_a, due_on=date(2026, 12, 31))  # not yet due
    rectification(scoring.site_a, due_on=date(2025, 10, 1))  # another year
    sync(scoring.round)
    lines = {line.source_object: line for line in lines_of(scoring.round)}
    assert set(lines) == {open_late, closed_late, reported_late}
    assert {(line.source, line.points) for line in lines.values()} == {("overdue_rectification", Decimal("1"))}
    assert lines[open_late].reason == "逾期未整改：“党员活动室标识不规范”（整改期限 2026-10-01，逾期尚未完成整改）"
    assert "2026-10-05 完成整改" in lines[closed_late].reason


def test_a_promoted_experience_earns_each_site_it_involves_a_bonus(scoring, city):
    record = experience(city, [scoring.site_a, scoring.site_b])
    experience(city, [scoring.site_a], status="selected", title="入选未推广")
    experience(city, [scoring.site_a], year=2025, title="去年推广")
    sync(scoring.round)
    lines = lines_of(scoring.round)
    assert {(line.entry_id, line.kind, line.source, line.points) for line in lines} == {
        (scoring.entry_a.pk, "bonus", "experience", Decimal("1")),
        (scoring.entry_b.pk, "bonus", "experience", Decimal("1")),
    }
    assert {line.source_object for line in lines} == {record}
    assert lines[0].reason == "典型经验推广：“红色驿站服务群众”（2026 年度）"


def test_records_of_sites_outside_the_round_give_nothing(scoring, city):
    outside = SiteFactory(organization=city.org_b)
    notice(site=outside)
    notice(organization=city.org_b)
    standing(task(), outside, status="pending")
    rectification(outside)
    experience(city, [outside])
    assert derive_lines(scoring.round) == []


# --- changes, idempotence ----------------------------------------------------------------------------------


def test_a_policy_change_updates_the_lines_on_the_next_sync(scoring, city):
    notice(site=scoring.site_a)
    experience(city, [scoring.site_a])
    sync(scoring.round)
    set_policy(scoring.round, deduction_criticism=Decimal("3"), bonus_experience=Decimal("1.5"))
    synced = sync(scoring.round)
    assert len(synced.updated) == 2 and not synced.added and not synced.withdrawn
    assert {(line.source, line.points) for line in lines_of(scoring.round)} == {
        ("criticism", Decimal("3")),
        ("experience", Decimal("1.5")),
    }
    assert AuditEntry.objects.filter(action="adjustment_update").count() == 2


def test_a_policy_amount_of_zero_gives_no_line(scoring, city):
    notice(site=scoring.site_a)
    standing(task(), scoring.site_a, status="pending")
    rectification(scoring.site_a)
    experience(city, [scoring.site_a])
    sync(scoring.round)
    assert len(lines_of(scoring.round, withdrawn_at__isnull=True)) == 4
    set_policy(
        scoring.round,
        deduction_criticism=0,
        deduction_late_answer=0,
        deduction_overdue_rectification=0,
        bonus_experience=0,
    )
    assert derive_lines(scoring.round) == []
    assert len(sync(scoring.round).withdrawn) == 4


def test_lines_are_withdrawn_when_their_record_no_longer_applies(scoring, city):
    revoked = notice(site=scoring.site_a)
    item = rectification(scoring.site_a, due_on=date(2026, 11, 1))
    promoted = experience(city, [scoring.site_a])
    sync(scoring.round)
    assert len(lines_of(scoring.round, withdrawn_at__isnull=True)) == 3
    Notice.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now(), revoke_reason="误录")
    # accepted after all, within its deadline (the deadline moved on a reopened item)
    Rectification.objects.filter(pk=item.pk).update(status="closed", closed_at=at(2026, 10, 30, 9))
    Experience.objects.filter(pk=promoted.pk).update(status="selected")
    synced = sync(scoring.round, by=None)
    assert {line.source for line in synced.withdrawn} == {"criticism", "overdue_rectification", "experience"}
    assert all(line.withdraw_reason == "来源记录已不再适用" for line in lines_of(scoring.round))
    assert not lines_of(scoring.round, withdrawn_at__isnull=True)


def test_syncing_twice_adds_nothing(scoring, city):
    notice(site=scoring.site_a)
    standing(task(), scoring.site_b, status="pending")
    experience(city, [scoring.site_a, scoring.site_b])
    assert len(sync(scoring.round).added) == 4
    audits = AuditEntry.objects.count()
    again = sync(scoring.round)
    assert not again.changed and Adjustment.objects.count() == 4 and AuditEntry.objects.count() == audits


def test_a_persons_withdrawal_is_not_undone_and_manual_lines_are_untouched(scoring, cast):
    notice(site=scoring.site_a)
    sync(scoring.round)
    [line] = lines_of(scoring.round)
    adjustments.adjustment_withdraw(adjustment=line, by=cast.staff, reason="异议成立：已整改")
    manual = adjustments.adjustment_add(
        entry=scoring.entry_a, by=cast.staff, kind="deduction", points="1", reason="人工"
    )
    synced = sync(scoring.round, by=cast.staff)
    assert not synced.changed
    line.refresh_from_db()
    assert not line.is_active and line.withdraw_reason == "异议成立：已整改"
    assert Adjustment.objects.get(pk=manual.pk).is_active


def test_derive_lines_reads_a_fixed_number_of_queries(scoring, city):
    def count():
        with CaptureQueriesContext(connection) as context:
            derive_lines(scoring.round)
        return len(context.captured_queries)

    notice(site=scoring.site_a)
    one = count()
    for index in range(6):
        site = SiteFactory(organization=city.org_a, name=f"更多示范点{index}", nomination_year=2020 + index)
        RoundSite.objects.create(round=scoring.round, site=site, stage="acceptance")
        notice(site=site)
        standing(task(f"任务{index}"), site, status="pending")
        rectification(site)
        experience(city, [site, scoring.site_a], title=f"经验{index}")
    notice(organization=city.org_a)
    assert count() == one == 5


# --- the results, publication, finalization ----------------------------------------------------------------


def test_the_final_score_reflects_the_lines_with_the_bonus_capped(scored, city):
    def result_a():
        return {r.entry_id: r for r in results.round_results(scored.round)}[scored.entry_a.pk]

    base = result_a().final
    notice(site=scored.site_a)
    standing(task(), scored.site_a, status="pending")
    sync(scored.round)
    assert result_a().final == base - Decimal("2.5") and result_a().deductions == Decimal("2.5")
    set_policy(scored.round, bonus_experience=Decimal("2"), bonus_cap=Decimal("3"))
    for index in range(2):
        experience(city, [scored.site_a], title=f"经验{index}")
    sync(scored.round)
    facts = result_a()
    assert (facts.bonus_raw, facts.bonus) == (Decimal("4"), Decimal("3"))
    assert facts.final == min(Decimal("100"), base - Decimal("2.5") + Decimal("3"))


def test_publication_syncs_the_lines_first(scored, cast):
    scaled(scored)
    notice(site=scored.site_a)
    publication = round_publish(round=scored.round, by=cast.staff)
    [line] = lines_of(scored.round)
    assert line.created_by == cast.staff
    published = {row["entry"]: row for row in publication.results}
    assert Decimal(published[scored.entry_a.pk]["deductions"]) == Decimal("2")
    assert publication.fingerprint == results.inputs_fingerprint(scored.round)  # no drift right after


def test_republication_syncs_again_and_a_new_fact_is_a_change_worth_republishing(scored, cast):
    scaled(scored)
    round_publish(round=scored.round, by=cast.staff)
    notice(site=scored.site_b)
    with pytest.raises(ValidationError, match="须说明原因"):
        round_publish(round=scored.round, by=cast.staff)
    assert not Adjustment.objects.exists()  # the refused publication's sync rolled back with it
    round_publish(round=scored.round, by=cast.staff, reason="补录通报批评扣分")
    latest = {row["entry"]: row for row in Publication.objects.latest("number").results}
    assert Decimal(latest[scored.entry_b.pk]["deductions"]) == Decimal("2")


@pytest.mark.parametrize("status", [RoundStatus.FINALIZED, RoundStatus.DRAFT, RoundStatus.SELF_ASSESSMENT])
def test_a_round_whose_lines_are_frozen_or_not_open_is_refused(scoring, status):
    notice(site=scoring.site_a)
    Round.objects.filter(pk=scoring.round.pk).update(status=status)
    with pytest.raises(ValidationError):
        sync(scoring.round)
    assert not Adjustment.objects.exists()


def test_only_staff_may_sync(scoring, cast):
    notice(site=scoring.site_a)
    for user in (cast.viewer, cast.teamlead, cast.leader, cast.district):
        with pytest.raises(PermissionDenied):
            sync(scoring.round, by=user)
    assert not Adjustment.objects.exists()


def test_the_nightly_job_syncs_rounds_in_scoring_but_leaves_published_ones(scoring):
    notice(site=scoring.site_a)
    Round.objects.filter(pk=scoring.round.pk).update(status=RoundStatus.PUBLISHED)
    assert tasks.sync_supervision_lines() == {}
    assert not Adjustment.objects.exists()
    for status in (RoundStatus.SCORING, RoundStatus.SCORED):
        Round.objects.filter(pk=scoring.round.pk).update(status=status)
        tasks.sync_supervision_lines()
        assert Adjustment.objects.count() == 1
    assert tasks.sync_supervision_lines() == {str(scoring.round.pk): (0, 0, 0)}


def test_the_nightly_job_is_in_beat():
    from django.conf import settings

    tasks_in_beat = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "evaluations.tasks.sync_supervision_lines" in tasks_in_beat


# --- the page's button ---------------------------------------------------------------------------------------


STATUS = {"admin": 302, "staff": 302, "viewer": 403, "teamlead": 403, "scorer": 403, "leader": 403}


@pytest.mark.parametrize("role", ["admin", "staff", "district", "instructor", "leader", "scorer", "teamlead", "viewer"])
def test_only_staff_press_the_button(client, cast, scoring, role):
    notice(site=scoring.site_a)
    client.force_login(getattr(cast, role))
    url = reverse("evaluations:adjustments", args=[scoring.round.pk])
    response = client.post(url, {"action": "sync_supervision"})
    assert response.status_code == STATUS.get(role, 404)
    assert Adjustment.objects.exists() == (response.status_code == 302)


def test_the_button_says_what_changed(client, cast, scoring):
    notice(site=scoring.site_a)
    client.force_login(cast.staff)
    url = reverse("evaluations:adjustments", args=[scoring.round.pk])
    page = client.get(url).content.decode()
    assert "从督办记录更新扣分加分" in page and 'value="sync_supervision"' in page
    text = client.post(url, {"action": "sync_supervision"}, follow=True).content.decode()
    assert "新增 1 项，更新 0 项，撤销 0 项" in text
    assert "无需更新" in client.post(url, {"action": "sync_supervision"}, follow=True).content.decode()
    Round.objects.filter(pk=scoring.round.pk).update(status=RoundStatus.FINALIZED)
    page = client.get(url).content.decode()
    assert "从督办记录更新扣分加分" not in page
    assert "已定案" in client.post(url, {"action": "sync_supervision"}, follow=True).content.decode()


# --- links to the source records -------------------------------------------------------------------------------


def fake_urls():
    """The supervision pages are built by other parts of issue 11; their addresses stand in here."""
    return (
        mock.patch.object(Notice, "get_absolute_url", lambda self: f"/supervision/notices/{self.pk}/"),
        mock.patch.object(Rectification, "get_absolute_url", lambda self: f"/supervision/rectifications/{self.pk}/"),
    )


def test_source_links_only_for_records_the_viewer_may_see(scoring, cast):
    record = notice(site=scoring.site_a)
    item = rectification(scoring.site_a)
    sync(scoring.round)
    manual = adjustments.adjustment_add(entry=scoring.entry_a, by=cast.staff, kind="bonus", points="1", reason="人工")
    lines = lines_of(scoring.round)
    notices, items = fake_urls()
    with notices, items:
        staff = source_links(cast.staff, lines)
        outsider = source_links(cast.outsider, lines)
        district = source_links(cast.district, lines)
    assert set(staff.values()) == {f"/supervision/notices/{record.pk}/", f"/supervision/rectifications/{item.pk}/"}
    assert manual.pk not in staff
    assert outsider == {}  # district B's staff see nothing of district A
    assert district == staff


def test_no_link_while_the_record_has_no_page(scoring, cast):
    notice(site=scoring.site_a)
    sync(scoring.round)
    with mock.patch.object(Notice, "get_absolute_url", side_effect=NoReverseMatch):
        assert source_links(cast.staff, lines_of(scoring.round)) == {}


def test_pages_link_each_automatic_line_to_its_source(client, cast, scored):
    record = notice(site=scored.site_a)
    sync(scored.round)
    notices, items = fake_urls()
    client.force_login(cast.staff)
    with notices, items:
        explain = client.get(reverse("evaluations:explain", args=[scored.entry_a.pk])).content.decode()
        listing = client.get(reverse("evaluations:adjustments", args=[scored.round.pk])).content.decode()
    link = f'href="/supervision/notices/{record.pk}/"'
    assert link in explain and link in listing


def test_the_list_page_reads_a_fixed_number_of_queries_with_automatic_lines(client, cast, scoring, city):
    from tests.utils import queries_for

    notice(site=scoring.site_a)
    rectification(scoring.site_a)
    sync(scoring.round)
    client.force_login(cast.staff)
    url = reverse("evaluations:adjustments", args=[scoring.round.pk])
    client.get(url)
    few = queries_for(client, url)
    for index in range(5):
        notice(site=scoring.site_b, number=f"第{index}号")
        rectification(scoring.site_b, title=f"整改{index}")
    sync(scoring.round)
    assert queries_for(client, url) == few
