"""Progress of a round: who sees which part, the three views, reminders to laggards, the Excel export, excusals,
and query counts that hold however many sites and scorers."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from accounts.roles import Role
from core.models import AuditEntry, Notification
from evaluations import services
from evaluations.choices import RoundStatus, SheetStatus
from evaluations.models import Round, ScoreSheet
from tests.evaluations.conftest import fill
from tests.factories import PartyOrganizationFactory, SiteFactory, UserFactory
from tests.utils import queries_for

FOLLOWERS = {"admin", "staff", "teamlead"}
ROLES = ["admin", "staff", "district", "instructor", "leader", "scorer", "teamlead", "viewer", "outsider", "nobody"]


def url(scoring, suffix=""):
    return f"/evaluations/{scoring.round.pk}/progress/{suffix}"


@pytest.fixture
def second_team(cast, scoring, city):
    """Another team of the same round, led by someone else, with its own site and scorer."""
    other_lead = UserFactory(username="t-lead2", full_name="另一组长", roles=[Role.TEAMLEAD])
    scorer3 = UserFactory(username="t-scorer3", full_name="第三评分人", roles=[Role.SCORER])
    site = SiteFactory(name="丙村示范点", organization=PartyOrganizationFactory(region=city.town_b), state="candidate")
    services.round_add_sites(round=scoring.round, sites=[site], by=cast.staff)
    team = services.team_save(
        round=scoring.round, by=cast.staff, name="第二验收组", leader=other_lead, members=[scorer3]
    )
    services.assign_sites(
        round=scoring.round, team=team, entries=scoring.round.entries.filter(site=site), by=cast.staff
    )
    return team, other_lead, scorer3


def grow(scoring, cast, *, sites: int, scorers: int):
    """More sites and scorers in the cast's team, with sheets in every state."""
    members = [UserFactory(roles=[Role.SCORER]) for _ in range(scorers)]
    services.team_save(
        round=scoring.round,
        by=cast.staff,
        name=scoring.team.name,
        leader=cast.teamlead,
        members=[scoring.scorer, scoring.scorer2, *members],
        team=scoring.team,
    )
    new = [SiteFactory(organization=PartyOrganizationFactory(), state="formal") for _ in range(sites)]
    services.round_add_sites(round=scoring.round, sites=new, by=cast.staff)
    services.assign_sites(
        round=scoring.round, team=scoring.team, entries=scoring.round.entries.filter(site__in=new), by=cast.staff
    )
    sheets = list(ScoreSheet.objects.filter(entry__round=scoring.round, entry__site__in=new).order_by("id"))
    ScoreSheet.objects.filter(pk__in=[s.pk for s in sheets[::4]]).update(status=SheetStatus.SUBMITTED, total=88)
    ScoreSheet.objects.filter(pk__in=[s.pk for s in sheets[1::4]]).update(status=SheetStatus.IN_PROGRESS)
    ScoreSheet.objects.filter(pk__in=[s.pk for s in sheets[2::4]]).update(
        status=SheetStatus.EXCUSED, excuse_reason="出差"
    )


def submit(sheet, by):
    fill(sheet, by)
    services.sheet_submit(sheet=sheet, by=by)


# --- who sees it ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("view", ["sites", "scorers", "sheets"])
def test_progress_per_role(client, cast, scoring, role, view):
    client.force_login(getattr(cast, role))
    assert client.get(url(scoring), {"view": view}).status_code == (200 if role in FOLLOWERS else 404)


@pytest.mark.parametrize("role", ROLES)
def test_export_per_role(client, cast, scoring, role):
    client.force_login(getattr(cast, role))
    assert client.get(f"/evaluations/{scoring.round.pk}/progress.xlsx").status_code == (
        200 if role in FOLLOWERS else 404
    )


def test_anonymous_goes_to_login(client, scoring):
    assert client.get(url(scoring)).status_code == 302
    assert client.post(f"/evaluations/{scoring.round.pk}/remind/").status_code == 302


def test_a_team_leader_sees_only_their_teams(client, cast, scoring, second_team):
    _team, other_lead, scorer3 = second_team
    client.force_login(cast.teamlead)
    response = client.get(url(scoring))
    assert {entry.site.name for entry, _sheets, _done in response.context["rows"]} == {"甲村示范点", "甲镇示范点"}
    assert response.context["counts_total"] == 4
    scorers = client.get(url(scoring), {"view": "scorers"}).context["page_obj"].object_list
    assert {row["scorer"] for row in scorers} == {scoring.scorer.pk, scoring.scorer2.pk}
    sheets = client.get(url(scoring), {"view": "sheets"}).context["page_obj"].object_list
    assert scorer3 not in {sheet.scorer for sheet in sheets}
    assert [label for _value, label in response.context["filter"].form.fields["team"].choices] == [
        "全部验收组",
        "第一验收组",
    ]
    client.force_login(other_lead)
    rows = client.get(url(scoring)).context["rows"]
    assert [entry.site.name for entry, _sheets, _done in rows] == ["丙村示范点"]
    client.force_login(cast.staff)
    assert client.get(url(scoring)).context["counts_total"] == 5


# --- what it shows ----------------------------------------------------------------------------------------


def test_sites_view_counts_and_anchors(client, cast, scoring):
    submit(scoring.sheet, scoring.scorer)
    client.force_login(cast.staff)
    response = client.get(url(scoring))
    assert response.context["counts"][SheetStatus.SUBMITTED] == 1
    assert response.context["counts"][SheetStatus.NOT_STARTED] == 3
    rows = {entry.site.name: (sheets, done) for entry, sheets, done in response.context["rows"]}
    sheets, done = rows["甲村示范点"]
    assert (done["total"], done["done"], done[SheetStatus.NOT_STARTED]) == (2, 1, 1)
    assert {sheet["status"] for sheet in sheets} == {SheetStatus.SUBMITTED, SheetStatus.NOT_STARTED}
    page = response.content.decode()
    assert f'id="entry-{scoring.entry_a.pk}"' in page and f"/evaluations/entries/{scoring.entry_a.pk}/" in page


def test_a_link_to_one_site_shows_it_alone(client, cast, scoring):
    client.force_login(cast.staff)
    rows = client.get(url(scoring), {"entry": scoring.entry_b.pk}).context["rows"]
    assert [entry.pk for entry, _sheets, _done in rows] == [scoring.entry_b.pk]
    assert services.progress_url(scoring.entry_b).endswith(f"?entry={scoring.entry_b.pk}#entry-{scoring.entry_b.pk}")


def test_only_pending_sites(client, cast, scoring):
    for sheet in scoring.entry_b.sheets.all():
        submit(sheet, sheet.scorer)
    client.force_login(cast.staff)
    rows = client.get(url(scoring), {"pending": "on"}).context["rows"]
    assert [entry.site.name for entry, _sheets, _done in rows] == ["甲村示范点"]


def test_scorers_view_counts_each_scorers_sheets(client, cast, scoring):
    submit(scoring.sheet, scoring.scorer)
    fill(scoring.sheet2, scoring.scorer2, {"SY-01": {"score": "3"}})
    client.force_login(cast.staff)
    rows = {row["scorer"]: row for row in client.get(url(scoring), {"view": "scorers"}).context["page_obj"]}
    assert (rows[scoring.scorer.pk]["submitted"], rows[scoring.scorer.pk]["not_started"]) == (1, 1)
    assert (rows[scoring.scorer2.pk]["in_progress"], rows[scoring.scorer2.pk]["sheets"]) == (1, 2)


def test_sheets_view_filters_and_shows_the_excuse_reason(client, cast, scoring):
    services.sheet_excuse(sheet=scoring.sheet2, by=cast.staff, reason="评分人员出差")
    client.force_login(cast.staff)
    response = client.get(url(scoring), {"view": "sheets", "status": "excused"})
    assert [sheet.pk for sheet in response.context["page_obj"]] == [scoring.sheet2.pk]
    assert "评分人员出差" in response.content.decode()
    mine = client.get(url(scoring), {"view": "sheets", "scorer": scoring.scorer.pk}).context["page_obj"]
    assert {sheet.scorer for sheet in mine} == {scoring.scorer}
    first = client.get(url(scoring), {"view": "sheets"}).context["page_obj"][0]
    assert first.item_total == 4  # the sheet's applicable items


# --- reminders ---------------------------------------------------------------------------------------------


def test_remind_notifies_each_laggard_once_with_the_count(client, cast, scoring):
    submit(scoring.sheet, scoring.scorer)
    submit(scoring.entry_b.sheets.get(scorer=scoring.scorer), scoring.scorer)
    client.force_login(cast.staff)
    response = client.post(f"/evaluations/{scoring.round.pk}/remind/", {"next": url(scoring, "?view=scorers")})
    assert response.status_code == 302 and response.url == url(scoring, "?view=scorers")
    notes = list(Notification.objects.filter(title__contains="未提交"))
    assert [note.recipient for note in notes] == [scoring.scorer2]  # the scorer who is done is left alone
    assert "2 份评分表未提交" in notes[0].title and notes[0].url == "/evaluations/mine/"
    assert AuditEntry.objects.filter(action="sheets_remind", object_id=str(scoring.round.pk)).exists()


def test_remind_never_notifies_the_actor_and_skips_excused_sheets(client, cast, scoring):
    services.team_save(
        round=scoring.round,
        by=cast.staff,
        name=scoring.team.name,
        leader=cast.teamlead,
        members=[scoring.scorer, scoring.scorer2],
        team=scoring.team,
    )
    for sheet in ScoreSheet.objects.filter(scorer=scoring.scorer2):
        services.sheet_excuse(sheet=sheet, by=cast.staff, reason="因病")
    client.force_login(cast.teamlead)
    client.post(f"/evaluations/{scoring.round.pk}/remind/")
    notes = Notification.objects.filter(title__contains="未提交")
    assert [note.recipient for note in notes] == [scoring.scorer]
    assert not Notification.objects.filter(recipient=cast.teamlead, title__contains="未提交").exists()


def test_a_leaders_reminder_reaches_only_their_teams_scorers(client, cast, scoring, second_team):
    _team, _lead, _scorer3 = second_team
    client.force_login(cast.teamlead)
    client.post(f"/evaluations/{scoring.round.pk}/remind/")
    told = set(Notification.objects.filter(title__contains="未提交").values_list("recipient", flat=True))
    assert told == {scoring.scorer.pk, scoring.scorer2.pk}


def test_remind_is_refused_outside_scoring(client, cast, scoring):
    Round.objects.filter(pk=scoring.round.pk).update(status=RoundStatus.SCORED)
    client.force_login(cast.staff)
    response = client.post(f"/evaluations/{scoring.round.pk}/remind/", follow=True)
    assert not Notification.objects.filter(title__contains="未提交").exists()
    assert any("只有实地考评阶段可以提醒" in str(m) for m in response.context["messages"])


def test_remind_asks_first_and_is_post_only(client, cast, scoring):
    client.force_login(cast.staff)
    page = client.get(url(scoring)).content.decode()
    assert f'action="/evaluations/{scoring.round.pk}/remind/" data-confirm=' in page
    assert client.get(f"/evaluations/{scoring.round.pk}/remind/").status_code == 405


@pytest.mark.parametrize("role", ["viewer", "scorer", "leader", "outsider"])
def test_others_cannot_remind(client, cast, scoring, role):
    client.force_login(getattr(cast, role))
    assert client.post(f"/evaluations/{scoring.round.pk}/remind/").status_code == 404
    assert not Notification.objects.filter(title__contains="未提交").exists()


# --- export ------------------------------------------------------------------------------------------------


def workbook(response):
    return load_workbook(BytesIO(b"".join(response.streaming_content)))


def test_export_has_one_row_per_sheet_with_its_state(client, cast, scoring, second_team):
    submit(scoring.sheet, scoring.scorer)
    services.sheet_excuse(sheet=scoring.sheet2, by=cast.staff, reason="回避")
    client.force_login(cast.staff)
    response = client.get(f"/evaluations/{scoring.round.pk}/progress.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(workbook(response).active.iter_rows(values_only=True))
    assert rows[0][:6] == ("验收组", "示范点", "所在区划", "评分人员", "账号", "状态")
    assert len(rows) == 1 + 5
    by_key = {(row[1], row[4]): row for row in rows[1:]}
    submitted = by_key[("甲村示范点", scoring.scorer.username)]
    assert submitted[0] == "第一验收组" and submitted[5] == "已提交"
    scoring.sheet.refresh_from_db()
    assert (submitted[6], submitted[7], submitted[8]) == (4, 4, float(scoring.sheet.total)) and submitted[9]
    excused = by_key[("甲村示范点", "t-scorer2")]
    assert excused[5] == "免评" and excused[10] == "回避"


def test_a_leaders_export_holds_only_their_part_and_follows_the_sheet_filters(client, cast, scoring, second_team):
    client.force_login(cast.teamlead)
    rows = list(
        workbook(client.get(f"/evaluations/{scoring.round.pk}/progress.xlsx")).active.iter_rows(values_only=True)
    )
    assert len(rows) == 1 + 4 and "丙村示范点" not in {row[1] for row in rows}
    only = client.get(f"/evaluations/{scoring.round.pk}/progress.xlsx", {"scorer": scoring.scorer2.pk})
    assert {row[4] for row in list(workbook(only).active.iter_rows(values_only=True))[1:]} == {"t-scorer2"}


def test_export_writes_formula_like_names_as_text(client, cast, scoring):
    scoring.site_a.name = '=HYPERLINK("http://x","点我")'
    scoring.site_a.save()
    scoring.scorer2.full_name = "+1234"
    scoring.scorer2.save()
    client.force_login(cast.staff)
    sheet = workbook(client.get(f"/evaluations/{scoring.round.pk}/progress.xlsx")).active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if isinstance(cell.value, str)]
    risky = [cell for cell in cells if cell.value.startswith(("=", "+"))]
    assert {cell.value for cell in risky} >= {'=HYPERLINK("http://x","点我")', "+1234"}
    assert all(cell.data_type == "s" for cell in risky)


# --- excusals ----------------------------------------------------------------------------------------------


def test_staff_excuse_with_a_reason_and_reinstate(client, cast, scoring):
    client.force_login(cast.staff)
    back = url(scoring, "?view=sheets")
    response = client.post(f"/evaluations/sheets/{scoring.sheet2.pk}/excuse/", {"reason": "住院", "next": back})
    assert response.status_code == 302 and response.url == back
    scoring.sheet2.refresh_from_db()
    assert scoring.sheet2.status == SheetStatus.EXCUSED and scoring.sheet2.excuse_reason == "住院"
    assert scoring.sheet2.excused_by == cast.staff
    client.post(f"/evaluations/sheets/{scoring.sheet2.pk}/reinstate/")
    scoring.sheet2.refresh_from_db()
    assert scoring.sheet2.status == SheetStatus.NOT_STARTED and scoring.sheet2.excuse_reason == ""


def test_excuse_needs_a_reason(client, cast, scoring):
    client.force_login(cast.staff)
    response = client.post(f"/evaluations/sheets/{scoring.sheet2.pk}/excuse/", {"reason": ""}, follow=True)
    scoring.sheet2.refresh_from_db()
    assert scoring.sheet2.status == SheetStatus.NOT_STARTED
    assert any("原因" in str(m) for m in response.context["messages"])


def test_a_submitted_sheet_cannot_be_excused(client, cast, scoring):
    submit(scoring.sheet, scoring.scorer)
    client.force_login(cast.staff)
    response = client.post(f"/evaluations/sheets/{scoring.sheet.pk}/excuse/", {"reason": "x"}, follow=True)
    scoring.sheet.refresh_from_db()
    assert scoring.sheet.status == SheetStatus.SUBMITTED
    assert any("已提交的评分表不能免评" in str(m) for m in response.context["messages"])


def test_next_never_leaves_the_progress_page(client, cast, scoring):
    client.force_login(cast.staff)
    response = client.post(
        f"/evaluations/sheets/{scoring.sheet2.pk}/excuse/", {"reason": "x", "next": "https://evil.example/"}
    )
    assert response.url == url(scoring)


@pytest.mark.parametrize(("role", "expected"), [("teamlead", 403), ("scorer", 403), ("viewer", 404), ("leader", 404)])
def test_only_staff_excuse(client, cast, scoring, role, expected):
    """The team leader and the sheet's own scorer see the sheet but may not excuse it; others do not see it."""
    client.force_login(getattr(cast, role))
    assert client.post(f"/evaluations/sheets/{scoring.sheet.pk}/excuse/", {"reason": "x"}).status_code == expected
    assert client.post(f"/evaluations/sheets/{scoring.sheet.pk}/reinstate/").status_code == expected
    scoring.sheet.refresh_from_db()
    assert scoring.sheet.status == SheetStatus.NOT_STARTED


def test_excuse_buttons_only_for_staff(client, cast, scoring):
    client.force_login(cast.staff)
    assert "确定免评" in client.get(url(scoring), {"view": "sheets"}).content.decode()
    client.force_login(cast.teamlead)
    assert "确定免评" not in client.get(url(scoring), {"view": "sheets"}).content.decode()


# --- query counts ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("view", ["sites", "scorers", "sheets"])
@pytest.mark.parametrize("role", ["staff", "teamlead"])
def test_progress_queries_are_constant_as_sites_and_scorers_grow(client, cast, scoring, view, role):
    client.force_login(getattr(cast, role))
    client.get(url(scoring), {"view": view})
    one = queries_for(client, url(scoring), view=view)
    grow(scoring, cast, sites=12, scorers=4)
    # Those who run rounds see the whole round's counts, kept between changes: the first view after a change counts
    # the sheets again and keeps them (2 queries), then not. A team leader's own teams are counted each time.
    assert queries_for(client, url(scoring), view=view) == one + (2 if role == "staff" else 0)
    assert queries_for(client, url(scoring), view=view) == one


def test_export_queries_are_constant(client, cast, scoring):
    client.force_login(cast.staff)
    export = f"/evaluations/{scoring.round.pk}/progress.xlsx"
    client.get(export)
    one = queries_for(client, export)
    grow(scoring, cast, sites=10, scorers=3)
    assert queries_for(client, export) == one
    rows = list(workbook(client.get(export)).active.iter_rows(values_only=True))
    assert len(rows) == 1 + ScoreSheet.objects.filter(entry__round=scoring.round, kind="onsite").count()
