"""The ranking workbook (排名表) and the plaque certificates of a round: the workbook's rows are the results page's
rows (results.round_results), per domain too, with the summary's counts; names that look like formulas stay text;
small rounds stream, large ones are built by a background job; only staff, administrators and city-wide leaders
download it, only staff and administrators the certificates, and only once the round is finalized."""

import io
import re
import shutil
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from accounts.choices import Domain
from evaluations import rankings, results
from evaluations.choices import AdjustmentKind, AdjustmentSource, RoundStatus
from evaluations.models import Adjustment, Finalization, ItemScore, RankingExport, ScoreSheet
from sites.models import Batch
from tests.factories import (
    ItemFactory,
    PartyOrganizationFactory,
    RoundFactory,
    RoundSiteFactory,
    SectionFactory,
    SiteFactory,
    StandardFactory,
    UserFactory,
)

POPPLER = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdfinfo")),
    reason="poppler-utils (pdftotext, pdfinfo) reads the certificates' text back: apt-get install poppler-utils",
)
DOWNLOADERS = ("staff", "admin", "viewer")
OTHERS = ("district", "instructor", "leader", "scorer", "teamlead", "outsider", "nobody")

# (name, domain, per-sheet 十有 scores of its five scorers, 六个有 present on how many of five, veto absent on how
# many): the 六个有 item is worth 40 when present, so a site's total is its 十有 score + 40 per present sheet.
SITES = [
    ("甲村示范点", Domain.RURAL, (50, 52, 54, 56, 58), 5, 0),
    ("乙村示范点", Domain.RURAL, (50, 52, 54, 56, 58), 5, 0),  # ties with 甲村: both rank 1, the next is 3
    ('=HYPERLINK("http://x","点我")', Domain.COMMUNITY, (40, 45, 50, 55, 60), 5, 0),
    ("+86 社区示范点", Domain.COMMUNITY, (30, 30, 30, 30, 30), 2, 0),  # 六个有 absent on 3 of 5: fails
    ("-机关示范点", Domain.ORGAN, (60, 60, 60, 60, 60), 5, 3),  # veto failed: no rank, listed last
    ("@学校示范点", Domain.SCHOOL, (45, 46, 47, 48, 49), 5, 0),  # 87, less a deduction of 1
]


def build_round(sites=SITES, *, status=RoundStatus.SCORED, scorers=5):
    """A closed round of sites (see SITES), every sheet submitted, a deduction line on the sixth site; built with
    factories."""
    standard = StandardFactory(status="published", total_score=100)
    ten = SectionFactory(standard=standard, code="SY", title="十有", kind="ten_haves", max_score=60, order=1)
    six = SectionFactory(standard=standard, code="LY", title="六个有", kind="six_haves", max_score=40, order=2)
    veto = SectionFactory(standard=standard, code="FJ", title="一票否决", kind="veto", max_score=0, order=3)
    ten_items = [ItemFactory(section=ten, code=f"SY-0{n}", max_score=30, kind="points") for n in (1, 2)]
    required = ItemFactory(section=six, code="LY-01", max_score=40, kind="presence", is_required=True)
    veto_item = ItemFactory(section=veto, code="FJ-01", max_score=0, kind="presence", is_veto=True)
    round_ = RoundFactory(standard=standard, status=status)
    people = [UserFactory(roles=["scorer"]) for _ in range(scorers)]
    entries = []
    for name, domain, tens, present, absent in sites:
        organization = PartyOrganizationFactory(domain=domain, name=f"{name}党组织")
        entry = RoundSiteFactory(round=round_, site=SiteFactory(organization=organization, name=name))
        entries.append(entry)
        for index, (scorer, ten_score) in enumerate(zip(people, tens, strict=False)):
            has_required, has_veto = index < present, index >= absent
            first = Decimal(min(ten_score, 30))
            second = Decimal(ten_score) - first
            total = first + second + (40 if has_required else 0)
            sheet = ScoreSheet.objects.create(entry=entry, scorer=scorer, status="submitted", total=total)
            ItemScore.objects.bulk_create(
                [
                    ItemScore(sheet=sheet, item=ten_items[0], score=first),
                    ItemScore(sheet=sheet, item=ten_items[1], score=second),
                    ItemScore(sheet=sheet, item=required, score=40 if has_required else 0, present=has_required),
                    ItemScore(sheet=sheet, item=veto_item, score=0, present=has_veto),
                ]
            )
    if len(entries) > 5:
        Adjustment.objects.create(
            entry=entries[5], kind=AdjustmentKind.DEDUCTION, source=AdjustmentSource.MANUAL, points=1, reason="通报批评"
        )
    return round_


def workbook_of(round_):
    handle = io.BytesIO()
    rankings.save_rankings(round_, handle)
    handle.seek(0)
    return load_workbook(handle)


def rows_of(sheet):
    return [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]


def expected_row(result):
    return [
        result.rank if result.rank is not None else "—",
        result.domain_rank if result.domain_rank is not None else "—",
        result.site_name,
        float(result.final) if result.final is not None else "—",
        result.grade,
        "合格" if result.passed else "不合格",
        result.outcome_label,
    ]


def compared(row):
    """The columns the results page also shows: ranks, name, final score, grade, pass, outcome."""
    return [row[0], row[1], row[2], float(row[13]) if row[13] != "—" else "—", row[14], row[15], row[17]]


@pytest.fixture
def closed(db):
    return build_round()


def test_the_overall_sheet_has_the_results_pages_rows_in_its_order(closed):
    computed = results.round_results(closed)
    book = workbook_of(closed)
    assert book.sheetnames[0] == "总排名" and book.sheetnames[-1] == "汇总"
    sheet = book["总排名"]
    header = next(sheet.iter_rows(max_row=1, values_only=True))
    assert header[:3] == ("排名", "领域内排名", "示范点") and header[-2:] == ("十有", "六个有")
    rows = rows_of(sheet)
    assert [compared(row) for row in rows] == [expected_row(r) for r in computed]
    # Worked out by hand: the two rural sites tie at 94 (totals 90–98 trimmed to 92, 94, 96) and share rank 1, the
    # next site is third; the school site's deduction shows; the veto-failed organ site is last, without a rank.
    by_name = {row[2]: row for row in rows}
    assert [by_name[name][0] for name in ("甲村示范点", "乙村示范点")] == [1, 1]
    assert by_name["甲村示范点"][13] == 94 and by_name["甲村示范点"][14] == "优秀"
    assert by_name['=HYPERLINK("http://x","点我")'][0] == 3
    assert by_name["@学校示范点"][11] == 1 and by_name["@学校示范点"][13] == 86
    assert rows[-1][2] == "-机关示范点" and rows[-1][0] == "—" and rows[-1][1] == "—"
    assert "一票否决" in rows[-1][16]
    assert by_name["+86 社区示范点"][15] == "不合格" and "必须具备项" in by_name["+86 社区示范点"][16]


def test_each_domain_has_a_sheet_with_its_sites_in_the_same_order(closed):
    computed = results.round_results(closed)
    book = workbook_of(closed)
    labels = dict(Domain.choices)
    domains = [Domain.RURAL, Domain.COMMUNITY, Domain.ORGAN, Domain.SCHOOL]
    assert book.sheetnames == ["总排名", *(str(labels[d]) for d in domains), "汇总"]
    for domain in domains:
        expected = [expected_row(r) for r in computed if r.domain == domain]
        assert [compared(row) for row in rows_of(book[str(labels[domain])])] == expected
    community = rows_of(book[str(labels[Domain.COMMUNITY])])
    assert [row[1] for row in community] == [1, 2]


def test_the_row_holds_the_scores_and_the_section_averages_over_the_sheets_that_count(closed):
    computed = {r.site_name: r for r in results.round_results(closed)}
    rows = {row[2]: row for row in rows_of(workbook_of(closed)["总排名"])}
    row, result = rows['=HYPERLINK("http://x","点我")'], computed['=HYPERLINK("http://x","点我")']
    # Totals 80, 85, 90, 95, 100: trimmed to 85, 90, 95 → 90; the 十有 average over those three is 50.
    assert row[3] == '=HYPERLINK("http://x","点我")党组织'
    assert row[4] == "城市社区" and row[6] == "验收" and row[7] == 5
    assert [row[8], row[9], row[10]] == [90, 90, 90]
    assert row[-2:] == [50, 40]
    assert len(result.counted) == 3 and result.onsite == Decimal("90.00")


def test_the_summary_counts_sites_by_domain_and_outcome(closed):
    sheet = workbook_of(closed)["汇总"]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = rows[0]
    assert header[:4] == ["领域", "参评", "合格", "不合格"] and "验收通过、授牌" in header
    by_domain = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert by_domain["农村（村）"]["参评"] == 2 and by_domain["农村（村）"]["合格"] == 2
    assert by_domain["城市社区"]["合格"] == 1 and by_domain["城市社区"]["不合格"] == 1
    assert by_domain["机关"]["验收未通过"] == 1
    assert by_domain["合计"]["参评"] == 6
    assert by_domain["合计"]["验收通过、授牌"] + by_domain["合计"]["验收未通过"] == 6
    assert by_domain["合计"]["验收通过、授牌"] == 4


def test_names_that_look_like_formulas_stay_text(closed):
    book = workbook_of(closed)
    cells = {cell.value: cell for row in book["总排名"].iter_rows(min_row=2, max_col=4) for cell in row}
    for name in ('=HYPERLINK("http://x","点我")', "+86 社区示范点", "-机关示范点", "@学校示范点"):
        assert cells[name].data_type == "s", name
        assert cells[name].quotePrefix, name
    for sheet in book.worksheets:
        assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row), sheet.title
    community = [row[2] for row in book["城市社区"].iter_rows(min_row=2, max_col=3)]
    assert community[0].value == '=HYPERLINK("http://x","点我")' and community[0].quotePrefix


def test_the_workbook_costs_the_same_queries_for_few_sites_and_many(db, django_assert_num_queries):
    from django.db import connection

    small, large = build_round(SITES[:2]), build_round(SITES * 3)
    # The section subtotals: two queries (those the sheets keep, and a sum for sheets that keep none); on
    # PostgreSQL three, as these sheets keep none (the standard's sections; the counted sheets' kept subtotals
    # summed in the database, with the sheets that keep none; and their item scores summed).
    expected = 10 if connection.vendor == "postgresql" else 9
    with django_assert_num_queries(expected):
        rankings.save_rankings(small, io.BytesIO())
    with django_assert_num_queries(expected):
        rankings.save_rankings(large, io.BytesIO())


def test_a_round_without_results_gives_a_workbook_with_headers_only(db):
    round_ = build_round(())
    book = workbook_of(round_)
    assert book.sheetnames == ["总排名", "汇总"]
    assert rows_of(book["总排名"]) == [] and rows_of(book["汇总"]) == []


# --- views: the workbook -----------------------------------------------------------------------------------


def login(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", DOWNLOADERS)
def test_staff_administrators_and_city_leaders_download_the_workbook(client, cast, closed, role):
    login(client, getattr(cast, role))
    response = client.get(reverse("evaluations:rankings_download", args=[closed.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == rankings.XLSX
    assert "attachment" in response["Content-Disposition"] and "filename*=UTF-8''" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert len(rows_of(book["总排名"])) == len(SITES)
    page = client.get(reverse("evaluations:rankings", args=[closed.pk]))
    assert page.status_code == 200
    assert reverse("evaluations:rankings_download", args=[closed.pk]) in page.content.decode()


@pytest.mark.parametrize("role", OTHERS)
def test_nobody_else_finds_the_workbook(client, cast, closed, role):
    login(client, getattr(cast, role))
    for name in ("rankings", "rankings_download"):
        assert client.get(reverse(f"evaluations:{name}", args=[closed.pk])).status_code == 404
    assert client.post(reverse("evaluations:rankings_build", args=[closed.pk])).status_code == 404


def test_no_workbook_before_scoring_is_closed(client, cast, db):
    round_ = build_round(SITES[:2], status=RoundStatus.SCORING)
    login(client, cast.staff)
    assert client.get(reverse("evaluations:rankings_download", args=[round_.pk])).status_code == 404
    assert client.get(reverse("evaluations:rankings", args=[round_.pk])).status_code == 404


def test_anonymous_users_are_sent_to_log_in(client, closed):
    response = client.get(reverse("evaluations:rankings_download", args=[closed.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_round_page_links_to_the_downloads_once_closed(client, cast, closed):
    login(client, cast.staff)
    page = client.get(reverse("evaluations:round", args=[closed.pk])).content.decode()
    assert reverse("evaluations:rankings", args=[closed.pk]) in page


@pytest.fixture
def large(monkeypatch, closed):
    monkeypatch.setattr(rankings, "STREAM_LIMIT", 3)
    return closed


def test_a_large_round_is_built_in_the_background_with_a_progress_bar(
    client, cast, large, django_capture_on_commit_callbacks
):
    login(client, cast.staff)
    direct = client.get(reverse("evaluations:rankings_download", args=[large.pk]))
    assert direct.status_code == 302 and direct["Location"] == reverse("evaluations:rankings", args=[large.pk])
    page = client.get(reverse("evaluations:rankings", args=[large.pk])).content.decode()
    assert "生成排名表" in page and reverse("evaluations:rankings_build", args=[large.pk]) in page

    queued = RankingExport.objects.create(round=large, requested_by=cast.staff)
    fragment = client.get(reverse("evaluations:rankings_status", args=[queued.pk])).content.decode()
    assert "<progress" in fragment and 'hx-trigger="load delay:1s"' in fragment
    # A second request while one is under way starts no second job.
    client.post(reverse("evaluations:rankings_build", args=[large.pk]))
    assert RankingExport.objects.filter(round=large).count() == 1
    queued.delete()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("evaluations:rankings_build", args=[large.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200
    export = RankingExport.objects.get(round=large)
    assert export.status == RankingExport.Status.DONE and export.percent == 100
    assert export.sites == len(SITES) and export.total_rows == 2 * len(SITES) and export.size > 0
    large.refresh_from_db()  # the policy's decimals as stored, as the job read them
    assert export.fingerprint == results.inputs_fingerprint(large)
    fragment = client.get(reverse("evaluations:rankings_status", args=[export.pk])).content.decode()
    assert reverse("evaluations:rankings_file", args=[export.pk]) in fragment and "hx-trigger" not in fragment
    assert "建议重新生成" not in fragment

    download = client.get(reverse("evaluations:rankings_file", args=[export.pk]))
    assert download.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    computed = results.round_results(large)
    assert [compared(row) for row in rows_of(book["总排名"])] == [expected_row(r) for r in computed]

    # A change of the results' inputs afterwards is told on the page; building again replaces the old file.
    Adjustment.objects.create(
        entry=large.entries.first(), kind="bonus", source=AdjustmentSource.MANUAL, points=1, reason="典型经验推广"
    )
    fragment = client.get(reverse("evaluations:rankings_status", args=[export.pk])).content.decode()
    assert "建议重新生成" in fragment
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("evaluations:rankings_build", args=[large.pk]))
    assert list(RankingExport.objects.filter(round=large).values_list("status", flat=True)) == ["done"]
    assert client.get(reverse("evaluations:rankings_file", args=[export.pk])).status_code == 404


def test_a_failed_job_says_so_and_may_be_tried_again(client, cast, large, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(rankings, "write_workbook", broken)
    export = RankingExport.objects.create(round=large, requested_by=cast.staff)
    with pytest.raises(RuntimeError):
        rankings.export_build(export.pk)
    export.refresh_from_db()
    assert export.status == RankingExport.Status.FAILED and export.error == "disk full"
    login(client, cast.staff)
    fragment = client.get(reverse("evaluations:rankings_status", args=[export.pk])).content.decode()
    assert "生成失败" in fragment and "重新生成排名表" in fragment


@pytest.mark.parametrize("role", OTHERS)
def test_nobody_else_follows_or_downloads_a_built_workbook(client, cast, large, role):
    export = RankingExport.objects.create(round=large, requested_by=cast.staff)
    rankings.export_build(export.pk)
    login(client, getattr(cast, role))
    assert client.get(reverse("evaluations:rankings_status", args=[export.pk])).status_code == 404
    assert client.get(reverse("evaluations:rankings_file", args=[export.pk])).status_code == 404


# --- views: the certificates ---------------------------------------------------------------------------------


def finalize(round_, *, by=None):
    """What the finalization service leaves for the certificates: the round finalized, a batch, and a
    Finalization in force whose results are the round's results."""
    batch = Batch.objects.create(name=f"{round_.year}年第一批", named_on=date(round_.year, 12, 20))
    round_.status = RoundStatus.FINALIZED
    round_.save(update_fields=["status"])
    return Finalization.objects.create(
        round=round_,
        fingerprint=results.inputs_fingerprint(round_),
        results=results.snapshot(results.round_results(round_)),
        batch=batch,
        finalized_by=by,
    )


def text_of(data: bytes) -> str:
    return re.sub(r"\s+", "", subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True).stdout.decode())


def pages_of(data: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", data))


@pytest.fixture
def finalized(closed, cast):
    return finalize(closed, by=cast.staff)


def named_entries(finalization):
    return [line["entry"] for line in rankings.named_lines(finalization)]


@POPPLER
@pytest.mark.parametrize("role", ("staff", "admin"))
def test_staff_and_administrators_download_a_named_sites_certificate(client, cast, finalized, role):
    login(client, getattr(cast, role))
    entries = named_entries(finalized)
    assert len(entries) == 4
    second = entries[1]
    response = client.get(reverse("evaluations:entry_certificate", args=[second]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "inline" in response["Content-Disposition"]
    text = text_of(response.content)
    line = next(line for line in finalized.results if line["entry"] == second)
    assert line["name"] in text and f"{line['name']}党组织" in text
    assert "SFD-2026-002" in text and "2026年第一批" in text and "中共××市委组织部" in text
    assert pages_of(response.content) == 1


@POPPLER
def test_the_batch_pdf_has_one_page_per_named_site_in_the_batchs_order(client, cast, finalized):
    login(client, cast.admin)
    response = client.get(reverse("evaluations:round_certificates", args=[finalized.round_id]))
    assert response.status_code == 200
    named = rankings.named_lines(finalized)
    assert pages_of(response.content) == len(named) == 4
    pages = [
        re.sub(r"\s+", "", page)
        for page in subprocess.run(["pdftotext", "-", "-"], input=response.content, capture_output=True)
        .stdout.decode()
        .split("\f")
        if page.strip()
    ]
    for number, (page, line) in enumerate(zip(pages, named, strict=True), start=1):
        assert line["name"] in page and f"SFD-2026-{number:03d}" in page


@POPPLER
@override_settings(CERTIFICATE_ISSUER="中共临江市委组织部")
def test_the_issuer_comes_from_the_settings(client, cast, finalized):
    login(client, cast.staff)
    response = client.get(reverse("evaluations:entry_certificate", args=[named_entries(finalized)[0]]))
    assert "中共临江市委组织部" in text_of(response.content)


def test_only_newly_named_sites_have_a_certificate(client, cast, finalized):
    login(client, cast.staff)
    failed = next(line["entry"] for line in finalized.results if not line["passed"])
    assert client.get(reverse("evaluations:entry_certificate", args=[failed])).status_code == 404
    page = client.get(reverse("evaluations:rankings", args=[finalized.round_id])).content.decode()
    assert reverse("evaluations:round_certificates", args=[finalized.round_id]) in page
    for entry in named_entries(finalized):
        assert reverse("evaluations:entry_certificate", args=[entry]) in page
    assert reverse("evaluations:entry_certificate", args=[failed]) not in page


def test_a_site_passing_a_review_is_not_named_again(client, cast, db):
    round_ = build_round(SITES[:2])
    round_.entries.filter(site__name="乙村示范点").update(stage="review")
    finalization = finalize(round_)
    assert [line["name"] for line in rankings.named_lines(finalization)] == ["甲村示范点"]


@pytest.mark.parametrize("role", ("viewer", *OTHERS))
def test_nobody_else_finds_the_certificates(client, cast, finalized, role):
    login(client, getattr(cast, role))
    entry = named_entries(finalized)[0]
    assert client.get(reverse("evaluations:entry_certificate", args=[entry])).status_code == 404
    assert client.get(reverse("evaluations:round_certificates", args=[finalized.round_id])).status_code == 404


def test_no_certificates_before_finalization_or_after_it_is_undone(client, cast, closed):
    login(client, cast.staff)
    entry = closed.entries.first()
    assert client.get(reverse("evaluations:round_certificates", args=[closed.pk])).status_code == 404
    assert client.get(reverse("evaluations:entry_certificate", args=[entry.pk])).status_code == 404
    page = client.get(reverse("evaluations:rankings", args=[closed.pk])).content.decode()
    assert "本轮尚未定案" in page
    finalization = finalize(closed)
    assert client.get(reverse("evaluations:round_certificates", args=[closed.pk])).status_code == 200
    Finalization.objects.filter(pk=finalization.pk).update(undone_at="2026-12-30T10:00:00+08:00")
    assert client.get(reverse("evaluations:round_certificates", args=[closed.pk])).status_code == 404
    assert client.get(reverse("evaluations:entry_certificate", args=[entry.pk])).status_code == 404


def test_a_grade_label_that_looks_like_a_formula_stays_text(closed):
    from evaluations.models import Round

    Round.objects.filter(pk=closed.pk).update(grade_bands=[{"label": "=1+1", "min": "0"}])
    closed.refresh_from_db()
    book = workbook_of(closed)
    grades = [cell for row in book["总排名"].iter_rows(min_row=2) for cell in row if cell.value == "=1+1"]
    assert grades and all(cell.data_type == "s" and cell.quotePrefix for cell in grades)
