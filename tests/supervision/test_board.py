"""The supervision board (督办看板): its counts equal the underlying data, its lights follow rules.light, each role
sees its scope only, its queries stay constant as sites grow, and its workbook holds the same rows."""

import datetime
import io
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from supervision import board, exports, rules
from supervision.choices import Light
from supervision.filters import BoardFilter
from supervision.models import AssignmentSite, Rectification
from tests.factories import (
    AssignmentFactory,
    AssignmentSiteFactory,
    PartyOrganizationFactory,
    RectificationFactory,
    SiteFactory,
)

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 11, 24, 10, 0, 0, tzinfo=TZ)
TODAY = NOW.date()
STORED = ["pending", "returned", "submitted", "accepted"]


def _status(target, now):
    """The board status, computed independently of supervision.rules and board.py."""
    if target.status in ("pending", "returned") and now > target.assignment.due_at:
        return "overdue"
    return target.status


@pytest.fixture
def mix(city, cast):
    """Sites in district A (village, town), district B and the municipal node; tasks due at exactly NOW, two days
    ago, in two days and in five days; a draft; answers in every stored status; rectification items around
    today."""
    site_a1 = SiteFactory(name="甲村示范点", organization=city.org_a)
    site_a2 = SiteFactory(name="甲镇示范点", organization=city.org_a_town)
    site_b = SiteFactory(name="乙镇示范点", organization=city.org_b)
    site_c = SiteFactory(name="财政局示范点", organization=city.org_city)
    site_a2.instructors.add(cast.instructor)
    sites = [site_a1, site_a2, site_b, site_c]
    at_second = AssignmentFactory(title="到期那一秒的任务", due_at=NOW)
    past = AssignmentFactory(title="两天前到期的任务", due_at=NOW - datetime.timedelta(days=2))
    soon = AssignmentFactory(title="两天后到期的任务", due_at=NOW + datetime.timedelta(days=2))
    later = AssignmentFactory(title="五天后到期的任务", due_at=NOW + datetime.timedelta(days=5))
    draft = AssignmentFactory(title="草稿任务", status="draft", due_at=NOW - datetime.timedelta(days=9))
    for offset, assignment in enumerate([at_second, past, soon, later, draft]):
        for index, site in enumerate(sites):
            status = STORED[(index + offset) % 4]
            answered = status in ("submitted", "accepted")
            submitted = assignment.due_at + datetime.timedelta(hours=1 if index % 2 else -1)
            AssignmentSiteFactory(
                assignment=assignment,
                site=site,
                status=status,
                first_submitted_at=submitted if answered else None,
                submitted_at=submitted if answered else None,
                late=answered and submitted > assignment.due_at,
            )
    for site, due, status in [
        (site_a1, TODAY - datetime.timedelta(days=1), "open"),
        (site_a1, TODAY, "submitted"),
        (site_b, TODAY + datetime.timedelta(days=3), "open"),
        (site_b, TODAY + datetime.timedelta(days=4), "open"),
        (site_c, None, "open"),
        (site_c, TODAY - datetime.timedelta(days=5), "closed"),
        (site_a2, TODAY - datetime.timedelta(days=5), "cancelled"),
    ]:
        RectificationFactory(site=site, due_on=due, status=status)
    return {"sites": sites, "tasks": [at_second, past, soon, later], "draft": draft}


def _board(user, now=NOW, data=None):
    moment = board.Moment.at(now)
    filterset = BoardFilter(data or {}, queryset=board.board_targets(user), moment=moment, request=_request(user))
    return filterset.qs, filterset.rectifications(board.board_rectifications(user)), moment


def _request(user):
    class Request:
        pass

    request = Request()
    request.user = user
    return request


# --- counts ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("now", [NOW, NOW + datetime.timedelta(seconds=1)], ids=["at-the-due-second", "one-after"])
def test_board_counts_equal_the_underlying_data(mix, cast, now):
    targets, _items, moment = _board(cast.staff, now)
    rows = {row["assignment_id"]: row for row in board.assignment_rows(targets, moment)}
    assert set(rows) == {task.pk for task in mix["tasks"]}  # the draft is not on the board
    for task in mix["tasks"]:
        expected = {"pending": 0, "submitted": 0, "returned": 0, "accepted": 0, "overdue": 0}
        for target in AssignmentSite.objects.filter(assignment=task).select_related("assignment"):
            expected[_status(target, now)] += 1
        got = {key: rows[task.pk][key] for key in expected}
        assert got == expected, task.title
        assert rows[task.pk]["total"] == 4
    # At the due second nothing of that task is overdue yet; one second later its two owing sites are.
    at_second = rows[mix["tasks"][0].pk]
    assert at_second["overdue"] == (0 if now == NOW else 2)


def test_open_tasks_come_first_and_the_longest_overdue_first(mix, cast):
    closed = mix["tasks"][3]
    closed.status = "closed"
    closed.save()
    targets, _items, moment = _board(cast.staff)
    order = [row["assignment_id"] for row in board.assignment_rows(targets, moment)]
    assert order == [mix["tasks"][1].pk, mix["tasks"][0].pk, mix["tasks"][2].pk, closed.pk]


def test_sites_behind_are_those_owing_with_their_light_and_days(mix, cast):
    targets, _items, moment = _board(cast.staff)
    page = list(board.assignment_rows(targets, moment))
    rows = {row.assignment.pk: row for row in board.task_rows(page, targets, moment)}
    for task in mix["tasks"]:
        owing = AssignmentSite.objects.filter(assignment=task, status__in=["pending", "returned"])
        behind = rows[task.pk].behind
        assert sorted(each.site.pk for each in behind) == sorted(owing.values_list("site_id", flat=True))
        for each in behind:
            assert each.days == (task.due_at.astimezone(TZ).date() - TODAY).days
    past = rows[mix["tasks"][1].pk]
    assert {each.light for each in past.behind} == {Light.RED} and all(each.days == -2 for each in past.behind)
    assert {each.light for each in rows[mix["tasks"][0].pk].behind} == {Light.YELLOW}  # the due second: not yet
    assert {each.light for each in rows[mix["tasks"][2].pk].behind} == {Light.YELLOW}
    assert {each.light for each in rows[mix["tasks"][3].pk].behind} == {Light.GREEN}


def test_the_sql_light_of_every_target_is_the_rules_light(mix, cast):
    for now in (NOW, NOW + datetime.timedelta(seconds=1), NOW + datetime.timedelta(days=2, hours=14)):
        moment = board.Moment.at(now)
        targets = AssignmentSite.objects.exclude(assignment__status="draft").select_related("assignment")
        for light in Light.values:
            in_sql = set(targets.filter(board.target_light_q(light, moment)).values_list("pk", flat=True))
            in_rules = {t.pk for t in targets if rules.light(t.status, t.assignment.due_at, now, TZ) == light}
            assert in_sql == in_rules, (now, light)


def test_yellow_ends_at_local_midnight_three_days_ahead(cast, city):
    site = SiteFactory(organization=city.org_a)
    last_yellow = datetime.datetime(2026, 11, 27, 23, 59, 59, tzinfo=TZ)
    first_green = datetime.datetime(2026, 11, 28, 0, 0, 0, tzinfo=TZ)
    yellow = AssignmentSiteFactory(site=site, assignment=AssignmentFactory(due_at=last_yellow))
    green = AssignmentSiteFactory(site=site, assignment=AssignmentFactory(due_at=first_green))
    moment = board.Moment.at(NOW)
    lights = {
        light: set(AssignmentSite.objects.filter(board.target_light_q(light, moment)).values_list("pk", flat=True))
        for light in Light.values
    }
    assert lights[Light.YELLOW] == {yellow.pk} and lights[Light.GREEN] == {green.pk}


def test_rectification_lights_by_deadline(mix, cast):
    _targets, items, moment = _board(cast.staff)
    tallies = board.sites_with_obligations(_targets, items, moment)
    rows = {row.site.pk: row for row in board.site_rows(tallies, _targets, items, moment)}
    site_a1, site_a2, site_b, site_c = mix["sites"]
    lights = {
        site: sorted((each.due, each.light) for each in rows[site.pk].obligations if each.kind == "rectification")
        for site in mix["sites"]
    }
    assert lights[site_a1] == [(TODAY - datetime.timedelta(days=1), Light.RED), (TODAY, Light.YELLOW)]
    assert lights[site_b] == [
        (TODAY + datetime.timedelta(days=3), Light.YELLOW),
        (TODAY + datetime.timedelta(days=4), Light.GREEN),
    ]
    assert lights[site_c] == [(None, Light.GREEN)]  # the closed one is no obligation
    assert lights[site_a2] == []  # nor the cancelled one
    for light in Light.values:
        in_sql = set(items.filter(board.rectification_light_q(light, moment)).values_list("pk", flat=True))
        in_python = {item.pk for item in items if board.rectification_light(item, moment) == light}
        assert in_sql == in_python


def test_sites_with_the_most_red_come_first(mix, cast):
    targets, items, moment = _board(cast.staff)
    sites = board.sites_with_obligations(targets, items, moment)
    rows = board.site_rows(sites, targets, items, moment)
    assert len(sites) == 4
    reds = [row.red for row in rows]
    assert reds == sorted(reds, reverse=True) and reds[0] > 0
    for site, row in zip(sites, rows, strict=True):
        assert site.site_id == row.site.pk
        assert site.red == row.red and site.yellow == row.yellow and site.obligations == len(row.obligations)


def test_district_share_on_time_and_overdue_counts(mix, cast, city):
    targets, items, moment = _board(cast.staff)
    rows = {row.district.pk: row for row in board.district_rows(cast.staff, targets, items, moment)}
    for district in (city.district_a, city.district_b):
        inside = AssignmentSite.objects.exclude(assignment__status="draft").filter(
            site__region__path__startswith=district.path
        )
        due = [t for t in inside.select_related("assignment") if t.assignment.due_at < NOW]
        on_time = [t for t in due if t.first_submitted_at and t.first_submitted_at <= t.assignment.due_at]
        overdue = [t for t in inside.select_related("assignment") if _status(t, NOW) == "overdue"]
        open_items = Rectification.objects.filter(
            site__region__path__startswith=district.path, status__in=["open", "submitted"]
        )
        late_items = [item for item in open_items if item.due_on and item.due_on < TODAY]
        row = rows[district.pk]
        assert (row.due, row.on_time, row.overdue_tasks) == (len(due), len(on_time), len(overdue))
        assert (row.open_rectifications, row.overdue_rectifications) == (open_items.count(), len(late_items))
    assert rows[city.district_a.pk].on_time_percent == round(
        100 * rows[city.district_a.pk].on_time / rows[city.district_a.pk].due
    )


def test_filters_narrow_tasks_and_items_alike(mix, cast, city):
    site_a1, _site_a2, site_b, _site_c = mix["sites"]
    targets, items, _moment = _board(cast.staff, data={"region": city.district_b.pk})
    assert set(targets.values_list("site", flat=True)) == {site_b.pk}
    assert set(items.values_list("site", flat=True)) == {site_b.pk}
    targets, items, _moment = _board(cast.staff, data={"light": "red"})
    assert all(_status(t, NOW) == "overdue" for t in targets.select_related("assignment"))
    assert set(items.values_list("site", flat=True)) == {site_a1.pk}
    targets, items, _moment = _board(cast.staff, data={"status": "submitted"})
    assert set(targets.values_list("status", flat=True)) == {"submitted"} and not items.exists()
    targets, items, _moment = _board(cast.staff, data={"assignment": mix["tasks"][1].pk, "domain": "two_new"})
    assert list(targets.values_list("site", flat=True)) == [site_b.pk] and not items.exists()


# --- the page ----------------------------------------------------------------------------------------------


BOARD = reverse("supervision:board")
EXPORT = reverse("supervision:board_export")


@pytest.mark.parametrize("url", [BOARD, EXPORT])
def test_only_staff_district_users_instructors_and_city_leaders_open_the_board(client, mix, cast, url):
    allowed = {"admin", "staff", "district", "instructor", "outsider", "viewer"}
    for name, user in cast.by_role().items():
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == (200 if name in allowed else 403), name
    client.logout()
    assert client.get(url).status_code == 302


def _names(response) -> set[str]:
    text = response.content.decode()
    return {name for name in ("甲村示范点", "甲镇示范点", "乙镇示范点", "财政局示范点") if name in text}


def test_each_role_sees_its_scope_only(client, mix, cast):
    expected = {
        "staff": {"甲村示范点", "甲镇示范点", "乙镇示范点", "财政局示范点"},
        "district": {"甲村示范点", "甲镇示范点"},
        "outsider": {"乙镇示范点"},
        "instructor": {"甲镇示范点"},
    }
    for name, names in expected.items():
        client.force_login(getattr(cast, name))
        response = client.get(BOARD)
        assert _names(response) == names, name
        assert "草稿任务" not in response.content.decode()


def test_the_district_table_shows_the_users_districts(client, mix, cast, city):
    client.force_login(cast.outsider)
    districts = [row.district.pk for row in client.get(BOARD, {"tab": "districts"}).context["districts"]]
    assert districts == [city.district_b.pk]
    client.force_login(cast.staff)
    districts = [row.district.pk for row in client.get(BOARD, {"tab": "districts"}).context["districts"]]
    assert city.district_a.pk in districts and city.district_b.pk in districts


def test_late_sites_show_in_red_on_the_page(client, mix, cast):
    client.force_login(cast.staff)
    response = client.get(BOARD, {"tab": "sites"})
    text = response.content.decode()
    assert "两天前到期的任务" in text and "逾期 2 天" in text and "text-bg-danger board-light" in text
    first = response.context["sites"][0]
    assert first.obligations[0].light == Light.RED


def test_an_empty_board_says_what_to_do_next(client, cast):
    client.force_login(cast.staff)
    text = client.get(BOARD).content.decode()
    assert "还没有已发布的工作任务" in text
    assert "没有待办事项" in client.get(BOARD, {"tab": "sites"}).content.decode()
    text = client.get(BOARD, {"light": "red"}).content.decode()
    assert "没有符合条件的任务" in text


def _many(city, count: int, tasks: int = 3):
    organizations = [city.org_a, city.org_b, city.org_city]
    sites = [
        SiteFactory(
            organization=PartyOrganizationFactory(region=organizations[n % 3].region, domain="rural"),
        )
        for n in range(count)
    ]
    for offset in range(tasks):
        assignment = AssignmentFactory(due_at=NOW + datetime.timedelta(days=offset * 3 - 2))
        for n, site in enumerate(sites):
            AssignmentSiteFactory(assignment=assignment, site=site, status=STORED[(n + offset) % 4])
    for site in sites:
        RectificationFactory(site=site, due_on=TODAY - datetime.timedelta(days=1))


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("user", ["staff", "district"])
def test_board_and_export_queries_stay_constant_as_sites_grow(client, cast, city, user):
    client.force_login(getattr(cast, user))
    _many(city, 1)
    few = (_queries(client, BOARD), _queries(client, EXPORT))
    _many(city, 30)
    many = (_queries(client, BOARD), _queries(client, EXPORT))
    assert few == many
    assert many[0] <= 25


def test_the_export_holds_the_boards_rows(client, mix, cast):
    client.force_login(cast.district)
    response = client.get(EXPORT)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == [exports.TASK_SHEET, exports.SITE_SHEET, exports.DISTRICT_SHEET]
    tasks = list(workbook[exports.TASK_SHEET].iter_rows(values_only=True))
    assert tasks[0][0] == "工作任务" and len(tasks) == 1 + 4
    by_title = {row[0]: row for row in tasks[1:]}
    past = by_title["两天前到期的任务"]
    visible = AssignmentSite.objects.filter(assignment=mix["tasks"][1], site__in=mix["sites"][:2])
    assert past[3] == visible.count() == 2
    assert past[8] == sum(1 for t in visible.select_related("assignment") if _status(t, NOW) == "overdue")
    obligations = list(workbook[exports.SITE_SHEET].iter_rows(values_only=True))[1:]
    owing = AssignmentSite.objects.filter(
        site__in=mix["sites"][:2], status__in=["pending", "returned"], assignment__status="published"
    ).count()
    items = Rectification.objects.filter(site__in=mix["sites"][:2], status__in=["open", "submitted"]).count()
    assert len(obligations) == owing + items
    assert {row[0] for row in obligations} <= {"甲村示范点", "甲镇示范点"}
    districts = list(workbook[exports.DISTRICT_SHEET].iter_rows(values_only=True))[1:]
    assert [row[0] for row in districts] == ["甲区"]


def test_the_export_follows_the_filter(client, mix, cast):
    client.force_login(cast.staff)
    response = client.get(EXPORT, {"light": "red"})
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    lights = {row[6] for row in list(workbook[exports.SITE_SHEET].iter_rows(values_only=True))[1:]}
    assert lights == {"已逾期"}


def test_a_name_typed_like_a_formula_stays_text(client, cast, city):
    site = SiteFactory(name="=1+1", organization=city.org_a)
    AssignmentSiteFactory(site=site, assignment=AssignmentFactory(title="=SUM(A1:A9)"))
    client.force_login(cast.staff)
    response = client.get(EXPORT)
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    task_cell = workbook[exports.TASK_SHEET]["A2"]
    site_cell = workbook[exports.SITE_SHEET]["A2"]
    assert (task_cell.value, task_cell.data_type) == ("=SUM(A1:A9)", "s")
    assert (site_cell.value, site_cell.data_type) == ("=1+1", "s")
