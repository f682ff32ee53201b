"""The ranking workbook (排名表) of a closed round: an overall sheet, one sheet per domain and a summary of counts.

Its rows are `results.round_results(round)` in the results page's order, so the workbook and the page always agree.
Everything else it shows comes in three more queries whatever the round's size: the sites' organization and region
names, the standard's sections, and the section subtotals of every submitted on-site sheet (`section_averages`
then takes, for each site, the mean over the sheets that count).

Written with openpyxl's write-only mode; user-typed text (site and organization names) goes through core.excel, so
that no name starting with "=" becomes a formula. Small rounds are streamed from a temporary file by the view; large
ones are built by a background job (RankingExport, tasks.build_rankings) with a progress bar.
"""

import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files import File
from django.db import connection, transaction
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from accounts.choices import Domain
from core import excel
from sites.rules import TRANSITIONS

from . import results as results_module
from . import rules
from .choices import Stage
from .models import RankingExport, Round, RoundSite

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Above this many sites the workbook is built by a background job with a progress bar instead of on request.
STREAM_LIMIT = 2000
OVERALL_TITLE = "总排名"
SUMMARY_TITLE = "汇总"
NO_RANK = "—"

COLUMNS = [
    ("排名", 6),
    ("领域内排名", 8),
    ("示范点", 30),
    ("党组织", 30),
    ("领域", 12),
    ("所在区划", 30),
    ("考评类型", 8),
    ("评分表数", 8),
    ("实地得分", 9),
    ("平均分", 9),
    ("中位数", 9),
    ("扣分", 7),
    ("加分", 7),
    ("最终得分", 9),
    ("等次", 8),
    ("是否合格", 8),
    ("未通过原因", 40),
    ("拟定结果", 22),
]
# The outcomes a round may give, in the lifecycle's order: the summary's columns.
OUTCOME_LABELS = [t.name for t in TRANSITIONS if t.by_round and t.source != "nominated"]


@dataclass(frozen=True)
class Section:
    id: int
    title: str


@dataclass
class RankingData:
    """What the workbook shows: the results in listing order and, per entry, what they do not hold."""

    results: list  # rules.SiteResult, listing order
    names: dict = field(default_factory=dict)  # entry id → (organization name, region label)
    sections: list = field(default_factory=list)  # Section, the standard's order
    averages: dict = field(default_factory=dict)  # entry id → {section id: mean subtotal over the counted sheets}


def site_names(round_: Round) -> dict[int, tuple[str, str]]:
    """Entry id → (organization name, region label), in one query."""
    return {
        entry_id: (organization or "", region or "")
        for entry_id, organization, region in RoundSite.objects.filter(round=round_).values_list(
            "id", "site__organization__name", "site__region__label"
        )
    }


def scored_sections(round_: Round) -> list[Section]:
    """The sections of the round's standard that carry points (a veto section is worth none), in order."""
    return [
        Section(pk, title)
        for pk, title in round_.standard.sections.filter(max_score__gt=0)
        .order_by("order", "id")
        .values_list("id", "title")
    ]


def sheet_section_subtotals(round_: Round) -> dict[int, dict[int, Decimal]]:
    """Sheet id → {section id: the sheet's subtotal}, for every submitted on-site sheet of the round: read from
    the subtotals each sheet keeps (ScoreSheet.section_totals), and summed from the item scores, in one aggregate
    query, only for sheets that keep none. Two queries, whatever the round's size."""
    from .services import kept_section_totals

    # Without the default ordering: it joined every sheet to its round, site, region and scorer to sort 500,000
    # rows on disk at 100,000 sites, for a dictionary.
    sheets = results_module.submitted_sheets(round_).order_by()
    subtotals: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for sheet_id, kept in sheets.filter(section_totals__isnull=False).values_list("id", "section_totals"):
        subtotals[sheet_id] = {int(section): Decimal(value) for section, value in kept.items()}
    for sheet_id, kept in kept_section_totals(sheets.filter(section_totals__isnull=True).values("pk")).items():
        subtotals[sheet_id] = {int(section): Decimal(value) for section, value in kept.items()}
    return subtotals


def section_averages(results, subtotals: dict[int, dict[int, Decimal]]) -> dict[int, dict[int, Decimal]]:
    """Entry id → {section id: mean of the section's subtotal over the sheets that count (SiteResult.counted),
    rounded half up}. A section none of the counted sheets scored (another domain's) is left out."""
    averages = {}
    for result in results:
        sheets = [subtotals.get(sheet_id, {}) for sheet_id in result.counted]
        sections = {section for sheet in sheets for section in sheet}
        averages[result.entry_id] = {
            section: rules.mean([sheet.get(section, rules.ZERO) for sheet in sheets]) for section in sections
        }
    return averages


def ranking_data(round_: Round, results=None) -> RankingData:
    """Everything the workbook shows, in a constant number of queries."""
    results = results if results is not None else results_module.round_results(round_)
    return RankingData(
        results=results,
        names=site_names(round_),
        sections=scored_sections(round_),
        averages=round_section_averages(results, round_),
    )


def round_section_averages(results, round_: Round) -> dict[int, dict[int, Decimal]]:
    """`section_averages(results, sheet_section_subtotals(round_))`: each site's section averages over the sheets
    that count. On PostgreSQL the counted sheets' kept subtotals are added up per site and section in the database
    (`_sums_in_database`), and only the means are taken here: reading 500,000 sheets' subtotals as JSON into
    Python took 5 of a 100,000-site round's 13 seconds to store."""
    with rules.without_cyclic_gc():  # millions of small acyclic objects (rules.without_cyclic_gc)
        if connection.vendor != "postgresql":
            return section_averages(results, sheet_section_subtotals(round_))
        sums = _sums_in_database(results, round_)
        return {
            result.entry_id: {
                section: rules.mean_of_total(total, len(result.counted))
                for section, total in sums.get(result.entry_id, {}).items()
            }
            for result in results
        }


def _sums_in_database(results, round_: Round) -> dict[int, dict[int, Decimal]]:
    """Entry id → {section id: the sum of the section's subtotal over the entry's counted sheets} (PostgreSQL). The
    counted sheets go to the database as two arrays (entry, sheet), and each of the standard's sections is one
    column of the grouping (a lateral expansion of every sheet's subtotals was three times slower); a section that
    no counted sheet scored sums to NULL and has no entry, as section_averages leaves it out. Sheets that keep no
    subtotals (written past the services) are summed from their item scores, as sheet_section_subtotals does.
    Two queries (three with such sheets)."""
    from standards.models import Section

    from .models import ScoreSheet
    from .services import kept_section_totals

    sections = list(Section.objects.filter(standard_id=round_.standard_id).values_list("pk", flat=True))
    sums: dict[int, dict[int, Decimal]] = defaultdict(dict)
    counted = [(result.entry_id, sheet_id) for result in results for sheet_id in result.counted]
    if not counted or not sections:
        return sums
    table = connection.ops.quote_name(ScoreSheet._meta.db_table)
    columns = ", ".join(["SUM((sheet.section_totals ->> %s)::numeric)"] * len(sections))
    # The arrays as their text ('{1,2,…}'): joined in C here, where the driver's list adapter took a second.
    entries = "{" + ",".join(str(entry_id) for entry_id, _sheet in counted) + "}"
    sheets = "{" + ",".join(str(sheet_id) for _entry, sheet_id in counted) + "}"
    unkept = []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT counted.entry_id, ARRAY_AGG(counted.sheet_id) FILTER (WHERE sheet.section_totals IS NULL), "  # noqa: S608 (the model's table)
            f"{columns} FROM unnest(%s::bigint[], %s::bigint[]) AS counted(entry_id, sheet_id) "
            f"JOIN {table} sheet ON sheet.id = counted.sheet_id GROUP BY counted.entry_id",
            [*(str(pk) for pk in sections), entries, sheets],
        )
        for entry_id, without, *totals in cursor.fetchall():
            sums[entry_id] = {pk: total for pk, total in zip(sections, totals, strict=True) if total is not None}
            unkept.extend((entry_id, sheet_id) for sheet_id in without or ())
    if unkept:
        summed = kept_section_totals([sheet_id for _entry_id, sheet_id in unkept])
        for entry_id, sheet_id in unkept:
            for section, value in summed.get(sheet_id, {}).items():
                sums[entry_id][int(section)] = sums[entry_id].get(int(section), rules.ZERO) + Decimal(value)
    return sums


def sheet_title(label: str) -> str:
    """A worksheet's name: Excel refuses []:*?/\\ and more than 31 characters."""
    return "".join("_" if char in "[]:*?/\\" else char for char in str(label))[:31] or "未命名"


def _safe(sheet, value):
    """User-typed text as a value openpyxl keeps as text: a formula-like one through core.excel.cell (quoted),
    any other as it is (a plain value costs openpyxl nothing more than a raw list would)."""
    return excel.cell(sheet, value) if excel.is_formula_like(value) else value


def _score(value):
    return NO_RANK if value is None else value


class RowMaker:
    """The values of one result's row, in COLUMNS' order followed by the section averages."""

    def __init__(self, data: RankingData):
        self.data = data
        self.domains = dict(Domain.choices)
        self.stages = dict(Stage.choices)
        self.section_ids = [section.id for section in data.sections]

    def __call__(self, sheet, result) -> list:
        organization, region = self.data.names.get(result.entry_id, ("", ""))
        averages = self.data.averages.get(result.entry_id, {})
        return [
            result.rank if result.rank is not None else NO_RANK,
            result.domain_rank if result.domain_rank is not None else NO_RANK,
            _safe(sheet, result.site_name),
            _safe(sheet, organization),
            str(self.domains.get(result.domain, result.domain)),
            _safe(sheet, region),
            str(self.stages.get(result.stage, result.stage)),
            result.sheet_count,
            _score(result.onsite),
            _score(result.mean),
            _score(result.median),
            result.deductions,
            result.bonus,
            _score(result.final),
            _safe(sheet, result.grade),  # a band label staff typed
            "合格" if result.passed else "不合格",
            _safe(sheet, result.failing_rule),
            result.outcome_label,
            *(averages.get(section_id) for section_id in self.section_ids),
        ]


def _header(sheet, data: RankingData) -> None:
    excel.header(sheet, [*COLUMNS, *((section.title, 9) for section in data.sections)])
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS) + len(data.sections))}1"


def write_workbook(data: RankingData, handle, *, progress: Callable[[int, int], None] | None = None) -> None:
    """Write the workbook to `handle` (a binary file). `progress(done, total)` is called now and then while the
    rows are written (total: the rows of the overall and the domain sheets)."""
    workbook = Workbook(write_only=True)
    total, done = 2 * len(data.results), 0
    step = max(500, total // 50)
    make_row = RowMaker(data)
    overall = workbook.create_sheet(OVERALL_TITLE)
    _header(overall, data)
    # Each row is made once: a domain's sheet repeats its sites' rows of the overall sheet, in the same order.
    by_domain: dict[str, list] = defaultdict(list)
    for result in data.results:
        row = make_row(overall, result)
        overall.append(row)
        by_domain[result.domain].append(row)
        done += 1
        if progress and done % step == 0:
            progress(done, total)
    domains = dict(Domain.choices)
    for domain in sorted(by_domain, key=_domain_order):
        sheet = workbook.create_sheet(sheet_title(domains.get(domain, domain)))
        _header(sheet, data)
        for row in by_domain[domain]:
            sheet.append(row)
            done += 1
            if progress and done % step == 0:
                progress(done, total)
    _summary(workbook.create_sheet(SUMMARY_TITLE), data.results)
    workbook.save(handle)
    if progress:
        progress(total, total)


def _domain_order(domain: str) -> int:
    values = list(Domain.values)
    return values.index(domain) if domain in values else len(values)


def summary_counts(results) -> list[list]:
    """The summary's rows: per domain (and in total) how many sites took part, passed and failed, and how many
    go each way (OUTCOME_LABELS)."""
    domains = dict(Domain.choices)
    counts: dict[str, Counter] = defaultdict(Counter)
    for result in results:
        for key in (result.domain, None):
            counts[key]["sites"] += 1
            counts[key]["passed" if result.passed else "failed"] += 1
            counts[key][result.outcome_label] += 1
    rows = []
    for domain in [*sorted((d for d in counts if d is not None), key=_domain_order), None]:
        if domain is None and not results:
            continue
        label = "合计" if domain is None else str(domains.get(domain, domain))
        tally = counts[domain]
        rows.append([label, tally["sites"], tally["passed"], tally["failed"], *(tally[o] for o in OUTCOME_LABELS)])
    return rows


def _summary(sheet, results) -> None:
    excel.header(sheet, [("领域", 14), ("参评", 8), ("合格", 8), ("不合格", 8), *((o, 14) for o in OUTCOME_LABELS)])
    for row in summary_counts(results):
        sheet.append(row)


def save_rankings(round_: Round, handle, *, progress=None) -> RankingData:
    data = ranking_data(round_)
    write_workbook(data, handle, progress=progress)
    return data


def file_name(round_: Round) -> str:
    return f"{round_.name}-排名表-{timezone.localdate():%Y%m%d}.xlsx"


def is_large(round_: Round) -> bool:
    """Whether the workbook is built in the background (more than STREAM_LIMIT sites) rather than on request."""
    return RoundSite.objects.filter(round=round_).count() > STREAM_LIMIT


# --- the background job ----------------------------------------------------------------------------------------


def export_request(*, round_: Round, by) -> RankingExport:
    """Start building the round's workbook in the background, or return the job already under way (a second click
    starts no second job)."""
    from core.services import audit_record

    from .tasks import build_rankings

    with transaction.atomic():
        Round.objects.select_for_update().filter(pk=round_.pk).first()  # one request at a time per round
        running = RankingExport.objects.filter(round=round_, status__in=RankingExport.IN_PROGRESS).first()
        if running is not None:
            return running
        export = RankingExport.objects.create(round=round_, requested_by=by)
        audit_record(actor=by, action="ranking_export_request", target=export)
        transaction.on_commit(lambda: build_rankings.delay(export.pk))
    return export


def export_build(export_id: int) -> RankingExport:
    """Build a requested workbook (called by tasks.build_rankings), recording progress as the rows are written;
    older workbooks of the same round are removed once the new one is there."""
    export = RankingExport.objects.select_related("round__standard").get(pk=export_id)
    RankingExport.objects.filter(pk=export.pk).update(status=RankingExport.Status.RUNNING, error="")

    def progress(done: int, total: int) -> None:
        RankingExport.objects.filter(pk=export.pk).update(done_rows=done, total_rows=total)

    try:
        fingerprint = results_module.inputs_fingerprint(export.round)
        with tempfile.TemporaryFile() as handle:
            data = save_rankings(export.round, handle, progress=progress)
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(0)
            with transaction.atomic():
                fresh = RankingExport.objects.select_for_update().get(pk=export.pk)
                fresh.file.save(f"round-{export.round_id}-rankings-{export.pk}.xlsx", File(handle), save=False)
                fresh.size = size
                fresh.sites = len(data.results)
                fresh.fingerprint = fingerprint
                fresh.status = RankingExport.Status.DONE
                fresh.done_rows = fresh.total_rows = 2 * len(data.results)
                fresh.finished_at = timezone.now()
                fresh.save()
    except Exception as error:
        RankingExport.objects.filter(pk=export.pk).update(status=RankingExport.Status.FAILED, error=str(error)[:500])
        raise
    for older in RankingExport.objects.filter(round=export.round, status=RankingExport.Status.DONE).exclude(
        pk=export.pk
    ):
        _remove(older)
    return RankingExport.objects.get(pk=export.pk)


def _remove(export: RankingExport) -> None:
    if export.file:
        export.file.storage.delete(export.file.name)
    export.delete()


# --- certificates of the sites a finalization named -------------------------------------------------------------


def finalization_in_force(round_: Round):
    """The round's finalization in force (not undone), with its batch, or None."""
    from .models import Finalization

    return Finalization.objects.filter(round=round_, undone_at__isnull=True).select_related("batch").first()


def named_lines(finalization) -> list[dict]:
    """The finalized results' lines of the sites it named (acceptance passed), in the results' order."""
    return [line for line in finalization.results if line.get("stage") == Stage.ACCEPTANCE and line.get("passed")]


def certificate_number(named_on, sequence: int) -> str:
    return f"SFD-{named_on.year}-{sequence:03d}"


def certificate_facts(finalization, *, entry_id: int | None = None) -> list:
    """The certificates of the sites the finalization named (or of one of them, `entry_id`), numbered by their
    order in the batch. Names are the ones the results were finalized with; organizations' names come in one
    query."""
    from django.conf import settings

    from sites.models import Site

    from .certificates import CertificateFacts

    batch = finalization.batch
    numbered = [(n, line) for n, line in enumerate(named_lines(finalization), start=1)]
    if entry_id is not None:
        numbered = [(n, line) for n, line in numbered if line.get("entry") == entry_id]
    organizations = dict(
        Site.objects.filter(pk__in=[line.get("site") for _n, line in numbered]).values_list("pk", "organization__name")
    )
    domains = dict(Domain.choices)
    return [
        CertificateFacts(
            site_name=line.get("name", ""),
            organization_name=organizations.get(line.get("site"), ""),
            domain_label=str(domains.get(line.get("domain"), line.get("domain", ""))),
            batch_name=batch.name,
            named_on=batch.named_on,
            number=certificate_number(batch.named_on, n),
            issuer=settings.CERTIFICATE_ISSUER,
        )
        for n, line in numbered
    ]
