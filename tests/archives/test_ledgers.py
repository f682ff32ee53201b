"""Ledgers: built through the real task path, every current file in its category folder, an index that
lists them, one job per scope at a time, expiry after 7 days, downloads only for those who see the site."""

import zipfile
from datetime import timedelta
from io import BytesIO

from django.utils import timezone
from openpyxl import load_workbook

from archives import ledgers, services
from archives.models import Ledger
from tests.archives import samples
from tests.archives.conftest import upload


def _materials(site, cast, standard):
    items = {item.code: item for item in standard.items.all()}
    plan = services.material_upload(
        site=site,
        by=cast.leader,
        category="creation_plan",
        year=2026,
        files=[upload("创建方案.pdf", samples.pdf_bytes())],
        items=[items["SY-01"]],
    ).materials[0]
    services.material_replace(material=plan, upload=upload("创建方案v2.docx", samples.office_bytes()), by=cast.leader)
    services.material_review(material=plan, by=cast.staff, accept=True)
    services.material_upload(
        site=site, by=cast.leader, category="structure", year=2026, files=[upload("制度汇编.pdf", samples.pdf_bytes())]
    )
    gone = services.material_upload(
        site=site, by=cast.leader, category="other", year=2026, files=[upload("作废.pdf", samples.pdf_bytes())]
    ).materials[0]
    services.material_delete(material=gone, by=cast.leader)


def test_ledger_contains_every_current_file_and_an_index(site, cast, standard, django_capture_on_commit_callbacks):
    _materials(site, cast, standard)
    with django_capture_on_commit_callbacks(execute=True):  # the job runs (eagerly) once the request commits
        ledger = services.ledger_request(site=site, by=cast.leader)
    ledger.refresh_from_db()
    assert ledger.status == Ledger.Status.DONE and ledger.total_files == 2 and ledger.percent == 100
    assert ledger.expires_at - ledger.finished_at == timedelta(days=7)
    with ledger.file.open("rb") as handle, zipfile.ZipFile(BytesIO(handle.read())) as archive:
        names = sorted(archive.namelist())
        assert names == sorted(
            ["创建工作方案/SY-01_创建方案_v2.docx", "党组织架构与制度/STRUCTURE_制度汇编_v1.pdf", ledgers.INDEX_NAME]
        )
        assert archive.read("党组织架构与制度/STRUCTURE_制度汇编_v1.pdf") == samples.pdf_bytes()
        index = load_workbook(BytesIO(archive.read(ledgers.INDEX_NAME)))
    rows = list(index.active.iter_rows(values_only=True))
    assert list(rows[0]) == ledgers.INDEX_COLUMNS
    listed = {row[2]: row for row in rows[1:]}
    assert set(listed) == set(names) - {ledgers.INDEX_NAME}
    plan_row = listed["创建工作方案/SY-01_创建方案_v2.docx"]
    assert plan_row[4] == "SY-01" and plan_row[5] == 2 and plan_row[8] == "已通过" and plan_row[11] == "创建方案v2.docx"


def test_a_second_click_while_running_does_not_start_a_second_job(site, cast):
    first = services.ledger_request(site=site, by=cast.leader)  # not committed: the job has not run
    second = services.ledger_request(site=site, by=cast.staff)
    assert first.pk == second.pk and Ledger.objects.count() == 1


def test_ledgers_expire_after_seven_days(site, cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ledger = services.ledger_request(site=site, by=cast.leader)
    ledger.refresh_from_db()
    path = ledger.file.path
    assert ledgers.expire(now=timezone.now() + timedelta(days=6)) == 0
    assert ledgers.expire(now=timezone.now() + timedelta(days=8)) == 1
    import os

    assert not Ledger.objects.exists() and not os.path.exists(path)


def test_ledger_pages(client, cast, site, other_site, django_capture_on_commit_callbacks):
    client.force_login(cast.leader)
    with django_capture_on_commit_callbacks(execute=True):
        fragment = client.post(f"/archives/sites/{site.pk}/ledger/", HTTP_HX_REQUEST="true").content.decode()
    assert "正在生成" in fragment or "下载台账" in fragment
    ledger = Ledger.objects.get()
    assert "下载台账" in client.get(f"/archives/ledgers/{ledger.pk}/").content.decode()
    response = client.get(f"/archives/ledgers/{ledger.pk}/download/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    client.force_login(cast.outsider)
    assert client.get(f"/archives/ledgers/{ledger.pk}/download/").status_code == 404
    client.force_login(cast.scorer)  # no archive role at all: refused before any lookup
    assert client.get(f"/archives/ledgers/{ledger.pk}/").status_code == 403
    assert client.get(f"/archives/ledgers/{ledger.pk}/download/").status_code == 404
