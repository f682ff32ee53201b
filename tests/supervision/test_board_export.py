"""The board's workbook at scale (issue 12): its obligations are read with values_list and give exactly the rows the
model-instance writer gave; a short board is written during the request, a long one is built by a background job
(core.models.ExportJob) that only its owner sees and downloads, that applies the filter and the owner's scope again
when it runs, and that keeps text typed like a formula as text; its queries do not grow with the rows."""

import datetime
import heapq
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from accounts.choices import Domain
from core.models import ExportJob
from supervision import board, exports
from supervision.choices import Light
from supervision.tasks import build_board
from tests.factories import AssignmentFactory, AssignmentSiteFactory, RectificationFactory, SiteFactory
from tests.supervision.test_board import NOW, _board, mix  # noqa: F401 - mix is a fixture
from tests.supervision.test_board_scale import FILTERS, _bulk, _grow, _plan, postgresql_only

EXPORT = reverse("supervision:board_export")


def _sheets(content: bytes) -> dict[str, list[tuple]]:
    workbook = load_workbook(io.BytesIO(content))
    return {name: list(workbook[name].iter_rows(min_row=2, values_only=True)) for name in workbook.sheetnames}


def _obligations(targets, items, moment):
    """Every obligation of every site as model instances, site by site (board.obligations before issue 12)."""
    owing = targets.filter(status__in=["pending", "returned"]).select_related("assignment", "site", "site__region")
    items = items.select_related("site", "site__region")
    return heapq.merge(
        (
            board.target_obligation(target, moment, with_url=False)
            for target in owing.order_by("site__name", "site_id", "assignment__due_at", "pk")
        ),
        (
            board.rectification_obligation(item, moment, with_url=False)
            for item in items.order_by("site__name", "site_id", "due_on", "pk")
        ),
        key=lambda each: (each.site.name, each.site.pk),
    )


def _reference_rows(targets, items, moment) -> list[tuple]:
    """The obligations sheet as the writer before issue 12 built it, from model instances."""
    lights, domains = dict(Light.choices), dict(Domain.choices)
    return [
        (
            each.site.name,
            str(each.site.region),
            str(domains.get(each.site.domain, each.site.domain)),
            exports.KINDS[each.kind],
            each.title,
            each.status_label,
            str(lights[each.light]),
            exports._local(moment, each.due),
            each.days if each.days is not None else "",
        )
        for each in _obligations(targets, items, moment)
    ]


@pytest.mark.parametrize("data", FILTERS, ids=lambda data: "-".join(data.values()) or "all")
@pytest.mark.parametrize("who", ["staff", "district", "instructor", "outsider"])
@pytest.mark.parametrize("now", [NOW, NOW + datetime.timedelta(seconds=1)], ids=["at-the-due-second", "one-after"])
def test_the_obligation_rows_are_the_model_writers_rows(mix, cast, who, data, now):  # noqa: F811
    targets, items, moment = _board(getattr(cast, who), now=now, data=data)
    rows = list(exports.obligation_rows(targets, items, moment))
    assert rows == _reference_rows(targets, items, moment)


def test_the_task_sheet_counts_the_same_per_task_or_grouped(mix, cast):  # noqa: F811
    targets, items, moment = _board(cast.staff)
    sheets = []
    for per_task in (True, False):
        handle = io.BytesIO()
        exports.write_board(
            handle, user=cast.staff, targets=targets, rectifications=items, moment=moment, per_task=per_task
        )
        sheets.append(_sheets(handle.getvalue()))
    assert sheets[0] == sheets[1] and len(sheets[0][exports.TASK_SHEET]) == 4


# --- short: now; long: a background job ----------------------------------------------------------------------


def test_a_short_board_is_written_at_once(client, mix, cast, settings):  # noqa: F811
    targets, items, _moment = _board(cast.staff)
    rows = targets.filter(status__in=["pending", "returned"]).count() + items.count()
    settings.SITE_EXPORT_SYNC_LIMIT = rows  # exactly the limit: still written at once
    client.force_login(cast.staff)
    response = client.get(EXPORT)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    assert response["Cache-Control"] == "private, no-store"
    assert len(_sheets(b"".join(response.streaming_content))[exports.SITE_SHEET]) == rows
    assert not ExportJob.objects.exists()
    assert exports.board_is_short(targets, items, rows) and not exports.board_is_short(targets, items, rows - 1)


def _job(client, user, django_capture_on_commit_callbacks, **params) -> ExportJob:
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(EXPORT, params)
    job = ExportJob.objects.get(requested_by=user)
    assert response.status_code == 302 and response["Location"] == f"/exports/{job.pk}/"
    job.refresh_from_db()
    return job


def _download(client, job) -> dict[str, list[tuple]]:
    response = client.get(f"/exports/{job.pk}/download/")
    assert response.status_code == 200
    return _sheets(b"".join(response.streaming_content))


def test_a_long_board_runs_as_a_job_and_holds_what_the_short_one_holds(
    client,
    mix,  # noqa: F811
    cast,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.SITE_EXPORT_SYNC_LIMIT = 10**6
    client.force_login(cast.district)
    written_now = _sheets(b"".join(client.get(EXPORT, {"light": "red"}).streaming_content))
    settings.SITE_EXPORT_SYNC_LIMIT = 1
    job = _job(client, cast.district, django_capture_on_commit_callbacks, light="red")
    assert job.kind == exports.JOB_KIND and job.parameters == {"query": "light=red"}
    assert job.status == ExportJob.Status.DONE and job.done_rows == job.total_rows == len(written_now["按示范点"])
    page = client.get(f"/exports/{job.pk}/").content.decode()
    assert "导出督办看板" in page and f'href="/exports/{job.pk}/download/"' in page
    assert _download(client, job) == written_now
    assert job.file_name.startswith("督办看板-") and job.file_name.endswith(".xlsx")


@pytest.mark.parametrize("other", ["district", "outsider", "admin"])
def test_only_its_owner_sees_and_downloads_a_board_job(
    client,
    mix,  # noqa: F811
    cast,
    settings,
    django_capture_on_commit_callbacks,
    other,
):
    settings.SITE_EXPORT_SYNC_LIMIT = 1
    job = _job(client, cast.staff, django_capture_on_commit_callbacks)
    client.force_login(getattr(cast, other))
    assert client.get(f"/exports/{job.pk}/").status_code == 404
    assert client.get(f"/exports/{job.pk}/download/").status_code == 404
    client.logout()
    assert client.get(f"/exports/{job.pk}/download/").status_code == 302  # to the login page


def test_the_job_applies_the_owners_scope_as_it_is_when_it_runs(mix, cast, city):  # noqa: F811
    job = exports.board_job_request(user=cast.district, query="")  # enqueued on commit: not run yet
    cast.district.region = city.district_b
    cast.district.save()
    build_board(job.pk)
    job.refresh_from_db()
    with job.file.open("rb") as handle:
        sheets = _sheets(handle.read())
    assert {row[0] for row in sheets[exports.SITE_SHEET]} == {"乙镇示范点"}
    assert [row[0] for row in sheets[exports.DISTRICT_SHEET]] == [city.district_b.name]


def test_a_board_job_whose_owner_lost_the_right_fails_with_a_chinese_message(mix, cast):  # noqa: F811
    job = exports.board_job_request(user=cast.district, query="")
    cast.district.groups.clear()
    build_board(job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and "没有查看督办看板的权限" in job.error and not job.file


def test_text_typed_like_a_formula_stays_text_in_a_job(
    client, cast, city, settings, django_capture_on_commit_callbacks
):
    site = SiteFactory(name="=1+1", organization=city.org_a)
    AssignmentSiteFactory(site=site, assignment=AssignmentFactory(title="=SUM(A1:A9)"))
    RectificationFactory(site=site, title="@cmd")
    RectificationFactory(site=SiteFactory(name="+86 示范点", organization=city.org_b), title="-2")
    settings.SITE_EXPORT_SYNC_LIMIT = 1
    job = _job(client, cast.staff, django_capture_on_commit_callbacks)
    with job.file.open("rb") as handle:
        workbook = load_workbook(io.BytesIO(handle.read()))
    typed = {"=1+1", "=SUM(A1:A9)", "@cmd", "+86 示范点", "-2"}
    cells = [cell for sheet in workbook for row in sheet.iter_rows(min_row=2) for cell in row if cell.value in typed]
    assert {cell.value for cell in cells} == typed
    assert all(cell.data_type == "s" for cell in cells)  # text, never a formula


# --- constant in rows -----------------------------------------------------------------------------------------


def _job_queries(user) -> int:
    job = exports.board_job_request(user=user, query="")
    with CaptureQueriesContext(connection) as captured:
        build_board(job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE
    return len(captured)


@pytest.mark.parametrize("who", ["staff", "district"])
def test_the_export_and_its_job_keep_their_queries_as_rows_grow(client, cast, city, who, settings):
    user = getattr(cast, who)
    client.force_login(user)
    settings.SITE_EXPORT_SYNC_LIMIT = 10**6
    _grow(city, sites=1, villages=1)
    few = (len(_export_queries(client)), _job_queries(user))
    _grow(city, sites=40, villages=3)
    many = (len(_export_queries(client)), _job_queries(user))
    assert few == many


def _export_queries(client):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(EXPORT)
        b"".join(response.streaming_content)
    assert response.status_code == 200
    return captured


@postgresql_only
def test_asking_whether_the_board_is_short_stops_at_the_limit(cast, city):
    _bulk(city, 3000)
    targets, items, _moment = _board(cast.staff)
    with CaptureQueriesContext(connection) as queries:
        assert not exports.board_is_short(targets, items, 100)
    assert len(queries) == 1  # more owing answers than the limit: the items are not counted
    plan = _plan(queries.captured_queries[0]["sql"], None)
    assert "Limit" in plan and "rows=101" in plan, plan
