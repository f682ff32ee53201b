"""The site export at scale: rows written from values_list in a constant number of queries, and a list too long for
a request built by a background job (core.models.ExportJob) that only its owner downloads."""

from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from core.exportjobs import jobs_purge_expired
from core.models import ExportJob
from sites import exports
from sites.choices import SiteState
from tests.factories import PartyOrganizationFactory, SiteFactory, UserFactory


def _rows(content: bytes) -> list[tuple]:
    return list(load_workbook(BytesIO(content)).active.iter_rows(min_row=2, values_only=True))


def _export_queries(user) -> int:
    with CaptureQueriesContext(connection) as queries:
        exports.write_site_list(exports.filtered_sites(user, ""), BytesIO())
    return len(queries)


def test_export_query_count_is_constant_in_rows(cast, city):
    instructor = UserFactory(username="t-ins-2", full_name="王指导")
    SiteFactory(organization=city.org_a).instructors.add(cast.instructor, instructor)
    _export_queries(cast.staff)  # the user's permissions are cached on them after the first
    baseline = _export_queries(cast.staff)
    for _n in range(30):
        site = SiteFactory(organization=PartyOrganizationFactory(region=city.village_a))
        site.instructors.add(instructor)
    assert _export_queries(cast.staff) == baseline


def test_export_rows_name_instructors_district_and_blank_cells(cast, city):
    named = SiteFactory(organization=city.org_a, brand_name="", state=SiteState.FORMAL)
    named.instructors.add(
        UserFactory(username="t-ins-b", full_name="乙指导"), UserFactory(username="t-ins-a", full_name="")
    )
    SiteFactory(organization=city.org_city)  # 市直: a district-level node of its own
    handle = BytesIO()
    assert exports.write_site_list(exports.filtered_sites(cast.staff, ""), handle) == 2
    rows = {row[0]: row for row in _rows(handle.getvalue())}
    row = rows[named.name]
    assert row[1] == named.code and row[4] == "甲区" and row[5] == "甲区 · 甲镇 · 甲村"
    assert row[8] == "正式示范点" and row[10] is None  # blank text: an empty cell
    assert row[13] == "t-ins-a、乙指导"  # by username, as site.instructors.all() lists them
    assert rows[next(name for name in rows if name != named.name)][4] == "市直"


def test_a_short_export_is_written_at_once(client, cast, city, settings):
    settings.SITE_EXPORT_SYNC_LIMIT = 5
    SiteFactory(organization=city.org_a)
    client.force_login(cast.staff)
    response = client.get("/sites/export.xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    assert len(_rows(b"".join(response.streaming_content))) == 1
    assert not ExportJob.objects.exists()


@pytest.fixture
def many(city):
    """Three sites in district A (one with formula-like text), one in district B."""
    return [
        SiteFactory(organization=city.org_a, name="=HYPERLINK(1)", brand_name="+1", state=SiteState.FORMAL),
        SiteFactory(organization=city.org_a_town, state=SiteState.CANDIDATE),
        SiteFactory(organization=PartyOrganizationFactory(region=city.village_a), state=SiteState.FORMAL),
        SiteFactory(organization=city.org_b, state=SiteState.FORMAL),
    ]


def _big_export(client, user, django_capture_on_commit_callbacks, **params):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get("/sites/export.xlsx", params)
    job = ExportJob.objects.get(requested_by=user)
    assert response.status_code == 302 and response["Location"] == f"/exports/{job.pk}/"
    job.refresh_from_db()
    return job


def test_a_long_export_runs_as_a_job_with_progress_then_downloads(
    client, cast, many, settings, django_capture_on_commit_callbacks
):
    settings.SITE_EXPORT_SYNC_LIMIT = 2
    job = _big_export(client, cast.staff, django_capture_on_commit_callbacks)
    assert job.status == ExportJob.Status.DONE and job.done_rows == job.total_rows == 4 and job.percent == 100
    page = client.get(f"/exports/{job.pk}/").content.decode()
    assert "导出示范点名单" in page and f'href="/exports/{job.pk}/download/"' in page and "共 4 行" in page
    response = client.get(f"/exports/{job.pk}/download/")
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    content = b"".join(response.streaming_content)
    assert len(_rows(content)) == 4
    sheet = load_workbook(BytesIO(content)).active
    formula_like = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value in ("=HYPERLINK(1)", "+1")]
    assert len(formula_like) == 2 and all(cell.data_type == "s" for cell in formula_like)  # text, never a formula


def test_a_running_job_polls_its_progress(client, cast, many, settings):
    job = ExportJob.objects.create(requested_by=cast.staff, kind="sites.site_list", title="导出示范点名单")
    ExportJob.objects.filter(pk=job.pk).update(status="running", done_rows=1000, total_rows=4000)
    client.force_login(cast.staff)
    fragment = client.get(f"/exports/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert f'hx-get="/exports/{job.pk}/"' in fragment and "已写入 1000 / 4000 行" in fragment
    assert 'value="25"' in fragment
    assert client.get(f"/exports/{job.pk}/download/").status_code == 404  # not ready


@pytest.mark.parametrize("other", ["district", "outsider", "admin"])
def test_only_its_owner_sees_and_downloads_a_job(
    client, cast, many, settings, django_capture_on_commit_callbacks, other
):
    settings.SITE_EXPORT_SYNC_LIMIT = 2
    job = _big_export(client, cast.staff, django_capture_on_commit_callbacks)
    client.force_login(getattr(cast, other))
    assert client.get(f"/exports/{job.pk}/").status_code == 404
    assert client.get(f"/exports/{job.pk}/download/").status_code == 404
    client.logout()
    assert client.get(f"/exports/{job.pk}/download/").status_code == 302  # to the login page


def test_a_district_users_job_has_only_their_subtree_and_the_lists_filter(
    client, cast, many, settings, django_capture_on_commit_callbacks
):
    settings.SITE_EXPORT_SYNC_LIMIT = 1
    job = _big_export(client, cast.district, django_capture_on_commit_callbacks, state="formal")
    assert job.parameters == {"query": "state=formal"}
    names = {row[0] for row in _rows(b"".join(client.get(f"/exports/{job.pk}/download/").streaming_content))}
    assert names == {many[0].name, many[2].name}  # district A's named sites: not B's, not the candidate


def test_the_job_applies_the_users_scope_as_it_is_when_it_runs(cast, city, many):
    job = exports.site_list_job_request(user=cast.district, query="")  # enqueued on commit: not run yet
    cast.district.region = city.district_b
    cast.district.save()
    from sites.tasks import build_site_list

    build_site_list(job.pk)
    job.refresh_from_db()
    with job.file.open("rb") as handle:
        assert {row[0] for row in _rows(handle.read())} == {many[3].name}


def test_a_job_whose_owner_lost_the_right_fails_with_a_chinese_message(cast, city, many):
    job = exports.site_list_job_request(user=cast.district, query="")
    cast.district.groups.clear()
    from sites.tasks import build_site_list

    build_site_list(job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and "没有查看示范点的权限" in job.error and not job.file


def test_expired_jobs_and_their_files_are_removed(cast, many, settings, client, django_capture_on_commit_callbacks):
    from django.utils import timezone

    settings.SITE_EXPORT_SYNC_LIMIT = 2
    job = _big_export(client, cast.staff, django_capture_on_commit_callbacks)
    storage, name = job.file.storage, job.file.name
    assert storage.exists(name)
    assert jobs_purge_expired() == 0
    assert jobs_purge_expired(now=timezone.now() + timezone.timedelta(hours=settings.EXPORT_JOB_TTL_HOURS + 1)) == 1
    assert not ExportJob.objects.exists() and not storage.exists(name)
