"""A hand-worked example: 6 sites, 5 scorers, built through the product's own services (and, for one site, the
paper-sheet Excel import), whose every result is written out below and was computed by hand, not by the code.

The standard (100 points):
    十有 (kind ten_haves): SY-01 points, max 50; SY-02 points, max 30
    其他 (kind other):     TS-01 points, max 10
    六个有 (six_haves):     LY-01 presence, required, 10 points
    一票否决 (veto):        FJ-01 presence, veto, 0 points
A sheet's total = SY-01 + SY-02 + TS-01 + (10 if LY-01 present); its 十有 subtotal = SY-01 + SY-02.
Policy: the DOMAIN.md §5 defaults (pass 85; 优秀 ≥ 90, 合格 ≥ 85; trimmed; disagreement flag above 8; bonus cap 5).

Sheets (scorers S1…S5; SY-01 + SY-02 + TS-01 + LY-01, FJ-01) and the arithmetic, site by site:

A 北坡村示范点 (rural, candidate → acceptance) — a veto failure with the highest total of all.
    S1 49 + 29.5 + 10 + 10 = 98.5  FJ 无       S2 50 + 30 + 10 + 10 = 100   FJ 无
    S3 48 + 29 + 10 + 10 = 97      FJ 有       S4 49.5 + 29 + 9.5 + 10 = 98 FJ 有
    S5 47 + 28 + 9 + 10 = 94       FJ 无
    sorted 94 (S5), 97 (S3), 98 (S4), 98.5 (S1), 100 (S2): trimming drops S5 and S2
    mean 487.5 / 5 = 97.50; median 98.00; trimmed (97 + 98 + 98.5) / 3 = 97.8333… → 97.83
    十有 over S3, S4, S1: (77 + 78.5 + 78.5) / 3 = 78.00
    σ: deviations from 97.5 are 1, 2.5, −0.5, 0.5, −3.5 → (1 + 6.25 + 0.25 + 0.25 + 12.25) / 5 = 4 → 2.00
    final 97.83. FJ-01 absent on 3 of 5 submitted sheets → 一票否决: fails, 不合格, no rank, listed last.
    (Counted over the three sheets kept by trimming it would be 1 of 3 — see the decision in the report: votes
    are taken over every submitted sheet.)

B 东湖村示范点 (rural, candidate)
    S1 45 + 25 + 10 + 10 = 90   S2 46 + 25 + 10 + 10 = 91   S3 44 + 25 + 10 + 10 = 89
    S4 47 + 26 + 10 + 10 = 93   S5 43 + 24 + 10 + 10 = 87
    mean 450 / 5 = 90.00; median 90.00; trimmed drops S5 (87) and S4 (93): (89 + 90 + 91) / 3 = 90.00
    十有 (69 + 70 + 71) / 3 = 70.00; σ: deviations 0, 1, −1, 3, −3 → 20 / 5 = 4 → 2.00
    final 90.00 → 优秀, passes → formal.

C 西山村示范点 (rural, candidate) — imported from the paper-sheet workbook in one variant. A deduction of 1 and a
    withdrawn deduction of 3 (ignored).
    S1 48 + 28 + 5 + 10 = 91   S2 48 + 27 + 5 + 10 = 90   S3 49 + 28 + 5 + 10 = 92
    S4 50 + 30 + 5 + 10 = 95   S5 45 + 26 + 5 + 10 = 86
    mean 454 / 5 = 90.80; median 91.00; trimmed drops S5 (86) and S4 (95): (90 + 91 + 92) / 3 = 91.00
    十有 (75 + 76 + 77) / 3 = 76.00
    σ: deviations from 90.8 are 0.2, −0.8, 1.2, 4.2, −4.8 → (0.04 + 0.64 + 1.44 + 17.64 + 23.04) / 5 = 8.56
       → √8.56 = 2.9257… → 2.93
    final 91.00 − 1 = 90.00 → 优秀, passes. Ties with B at 90.00 (both rank 1): C is listed first on its higher
    十有 subtotal (76 > 70) although it has more deductions (1 > 0) and its name sorts after B's (西 > 东).

D 南岭村示范点 (rural, candidate) — S5 excused, 4 sheets. Deductions 2 (criticism) + 1 (overdue rectification)
    = 3; bonus 1 + 1 = 2 (experience).
    S1 45 + 29 + 5 + 10 = 89   S2 45.5 + 29 + 5 + 10 = 89.5   S3 46 + 28 + 5 + 10 = 89   S4 44 + 30 + 5 + 10 = 89
    mean 356.5 / 4 = 89.125 → 89.13 (the exact half cent, up; half-even would give 89.12); median (89 + 89) / 2
    = 89.00; four sheets are not trimmed: 89.13. 十有 (74 + 74.5 + 74 + 74) / 4 = 74.125 → 74.13
    σ: deviations −0.125 ×3, 0.375 → (3 × 0.015625 + 0.140625) / 4 = 0.046875 → 0.2165… → 0.22
    final from the rounded on-site score: 89.13 − 3 + 2 = 88.13 → 合格, passes.

E 市交通局示范点 (organ, candidate) — S4 excused, 4 sheets; LY-01 absent on exactly 2 of 4 (not a failure).
    S1 46 + 29 + 9 + 10 = 94   S2 45.5 + 29 + 9 + 10 = 93.5   S3 44 + 29 + 9 + 0 = 82   S5 45 + 29 + 9 + 0 = 83
    mean 352.5 / 4 = 88.125 → 88.13; median (83 + 93.5) / 2 = 88.25; not trimmed: 88.13
    十有 (75 + 74.5 + 73 + 74) / 4 = 74.125 → 74.13
    σ: deviations 5.875, 5.375, −6.125, −5.125 → (34.515625 + 28.890625 + 37.515625 + 26.265625) / 4
       = 31.796875 → 5.6388… → 5.64
    final 88.13 → 合格, passes. Ties with D at 88.13 and the same 十有 74.13: E is listed first on fewer
    deductions (0 < 3) although its name sorts after D's (市 > 南). Both rank 3 (after the two at rank 1).

F 市审计局示范点 (organ, formal → review) — bonus 3 + 3 = 6, capped to 5.
    S1 36.5 + 23 + 10 + 10 = 79.5   S2 25 + 15 + 10 + 10 = 60   S3 37 + 24 + 10 + 10 = 81
    S4 49 + 30 + 10 + 10 = 99       S5 35 + 23 + 10 + 10 = 78
    mean 397.5 / 5 = 79.50; median 79.50; trimmed drops S2 (60) and S4 (99): (79.5 + 81 + 78) / 3 = 79.50
    十有 (59.5 + 61 + 58) / 3 = 59.50
    σ: deviations 0, −19.5, 1.5, 19.5, −1.5 → (0 + 380.25 + 2.25 + 380.25 + 2.25) / 5 = 153 → 12.369… → 12.37,
       above 8: flagged
    final 79.50 + 5 = 84.50 < 85 (uncapped it would be 85.50 and pass) → 不合格, fails → eliminated.

Ranks by final: C 90.00, B 90.00 → 1, 1; E 88.13, D 88.13 → 3, 3; F 84.50 → 5; A vetoed → —.
Listing: C, B, E, D, F, A. Per domain — rural: C 1, B 1, D 3, A —; organ: E 1, F 2.

What-if with the mean instead of trimming: A 97.50 (still vetoed), B 90.00, C 90.80 − 1 = 89.80, D 88.13,
E 88.13, F 79.50 + 5 = 84.50 → C drops to 合格 and to rank 2 (rural rank 2); nobody else changes outcome, grade
or rank: the only flip is C.
"""

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from accounts.choices import Domain
from accounts.roles import Role
from evaluations import imports, paper, rules, services
from evaluations.choices import AdjustmentSource, SheetSource, SheetStatus
from evaluations.models import Adjustment
from evaluations.results import round_policy, round_results
from tests.evaluations.conftest import fill
from tests.factories import (
    ItemFactory,
    PartyOrganizationFactory,
    SectionFactory,
    SiteFactory,
    StandardFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# Each sheet: (SY-01, SY-02, TS-01, LY-01 present, FJ-01 present); None: the scorer is excused.
SHEETS = {
    "A": [(49, 29.5, 10, True, False), (50, 30, 10, True, False), (48, 29, 10, True, True),
          (49.5, 29, 9.5, True, True), (47, 28, 9, True, False)],
    "B": [(45, 25, 10, True, True), (46, 25, 10, True, True), (44, 25, 10, True, True),
          (47, 26, 10, True, True), (43, 24, 10, True, True)],
    "C": [(48, 28, 5, True, True), (48, 27, 5, True, True), (49, 28, 5, True, True),
          (50, 30, 5, True, True), (45, 26, 5, True, True)],
    "D": [(45, 29, 5, True, True), (45.5, 29, 5, True, True), (46, 28, 5, True, True),
          (44, 30, 5, True, True), None],
    "E": [(46, 29, 9, True, True), (45.5, 29, 9, True, True), (44, 29, 9, False, True),
          None, (45, 29, 9, False, True)],
    "F": [(36.5, 23, 10, True, True), (25, 15, 10, True, True), (37, 24, 10, True, True),
          (49, 30, 10, True, True), (35, 23, 10, True, True)],
}  # fmt: skip

NAMES = {
    "A": "北坡村示范点",
    "B": "东湖村示范点",
    "C": "西山村示范点",
    "D": "南岭村示范点",
    "E": "市交通局示范点",
    "F": "市审计局示范点",
}

# (kind, source, points, withdrawn)
ADJUSTMENTS = {
    "C": [
        ("deduction", "manual", "1", False),
        ("deduction", "manual", "3", True),  # withdrawn: ignored
    ],
    "D": [
        ("deduction", "criticism", "2", False),
        ("deduction", "overdue_rectification", "1", False),
        ("bonus", "experience", "1", False),
        ("bonus", "experience", "1", False),
    ],
    "F": [
        ("bonus", "experience", "3", False),
        ("bonus", "manual", "3", False),
    ],
}

# Every site's result, computed by hand in the module's docstring. Dropped: the scorers whose sheets trimming
# left out. Failing rule: the first reason ("" when the site passes).
#   site: (domain, stage, sheets, mean, median, onsite, dropped, 十有, σ, flag, deductions, bonus raw, bonus,
#          final, grade, passed, failing rule, outcome, outcome label, rank, domain rank)
EXPECTED = {
    "C": ("rural", "acceptance", 5, "90.80", "91.00", "91.00", ("S4", "S5"), "76.00", "2.93", False,
          "1.00", "0.00", "0.00", "90.00", "优秀", True, "", "formal", "验收通过、授牌", 1, 1),
    "B": ("rural", "acceptance", 5, "90.00", "90.00", "90.00", ("S4", "S5"), "70.00", "2.00", False,
          "0.00", "0.00", "0.00", "90.00", "优秀", True, "", "formal", "验收通过、授牌", 1, 1),
    "E": ("organ", "acceptance", 4, "88.13", "88.25", "88.13", (), "74.13", "5.64", False,
          "0.00", "0.00", "0.00", "88.13", "合格", True, "", "formal", "验收通过、授牌", 3, 1),
    "D": ("rural", "acceptance", 4, "89.13", "89.00", "89.13", (), "74.13", "0.22", False,
          "3.00", "2.00", "2.00", "88.13", "合格", True, "", "formal", "验收通过、授牌", 3, 3),
    "F": ("organ", "review", 5, "79.50", "79.50", "79.50", ("S2", "S4"), "59.50", "12.37", True,
          "0.00", "6.00", "5.00", "84.50", "不合格", False, "最终得分 84.50 低于合格分数线 85.00",
          "eliminated", "复评未通过，淘汰摘牌", 5, 2),
    "A": ("rural", "acceptance", 5, "97.50", "98.00", "97.83", ("S2", "S5"), "78.00", "2.00", False,
          "0.00", "0.00", "0.00", "97.83", "不合格", False,
          "一票否决：FJ-01 无严重违纪违法问题（3/5 份评分表判定为“无”）", "not_passed", "验收未通过", None, None),
}  # fmt: skip
LISTING = ["C", "B", "E", "D", "F", "A"]


def build_standard():
    standard = StandardFactory(year=2026, total_score=100, status="published")
    ten = SectionFactory(standard=standard, code="SY", title="十有", max_score=80, order=1, kind="ten_haves")
    other = SectionFactory(standard=standard, code="TS", title="特色亮点", max_score=10, order=2, kind="other")
    six = SectionFactory(standard=standard, code="LY", title="六个有", max_score=10, order=3, kind="six_haves")
    veto = SectionFactory(standard=standard, code="FJ", title="一票否决", max_score=0, order=4, kind="veto")
    ItemFactory(section=ten, code="SY-01", title="有过硬的领导班子和骨干队伍", max_score=50, order=1)
    ItemFactory(section=ten, code="SY-02", title="有设施齐全的党员活动室", max_score=30, order=2)
    ItemFactory(section=other, code="TS-01", title="有特色鲜明的党建品牌", max_score=10, order=1)
    ItemFactory(
        section=six, code="LY-01", title="有醒目的标识牌", max_score=10, kind="presence", is_required=True, order=1
    )
    ItemFactory(
        section=veto, code="FJ-01", title="无严重违纪违法问题", max_score=0, kind="presence", is_veto=True, order=1
    )
    return standard


def online_values(sheet_values):
    sy1, sy2, ts, ly, fj = sheet_values
    return {
        "SY-01": {"score": str(sy1)},
        "SY-02": {"score": str(sy2)},
        "TS-01": {"score": str(ts)},
        "LY-01": {"present": ly},
        "FJ-01": {"present": fj},
    }


def import_paper_sheets(round_, staff, letter, entry, scorers):
    """Fill the round's import template (whose rows are the sheets still open: site `letter`'s only) as a person
    would from the paper sheets, read it back and import it through the service."""
    workbook = load_workbook(io.BytesIO(paper.import_template(round_)))
    sheet = workbook[paper.SHEET_TITLE]
    header = [cell.value for cell in sheet[1]]
    column = {paper.code_of_header(label): index for index, label in enumerate(header)}
    by_username = {user.username: SHEETS[letter][index] for index, user in enumerate(scorers)}
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == 5 and {row[column[paper.SITE_CODE]].value for row in rows} == {entry.site.code}
    for row in rows:
        sy1, sy2, ts, ly, fj = by_username[row[column[paper.USERNAME]].value]
        row[column["SY-01"]].value = sy1
        row[column["SY-02"]].value = sy2
        row[column["TS-01"]].value = ts
        row[column["LY-01"]].value = "有" if ly else "无"
        row[column["FJ-01"]].value = "有" if fj else "无"
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    preview = imports.read_paper_sheets(buffer, round_)
    assert preview.errors == [] and preview.ok_count == 5
    assert services.sheets_import(round=round_, rows=preview.sheets(), by=staff) == 5


def build_example(cast, city, *, imported=()):
    """The example round, scored and closed; `imported`: the sites whose sheets come in by the Excel import."""
    standard = build_standard()
    municipal = city.org_city.region
    organizations = {
        "A": PartyOrganizationFactory(name="北坡村党支部", domain=Domain.RURAL, region=city.village_a),
        "B": PartyOrganizationFactory(name="东湖村党支部", domain=Domain.RURAL, region=city.village_a),
        "C": PartyOrganizationFactory(name="西山村党支部", domain=Domain.RURAL, region=city.village_a),
        "D": PartyOrganizationFactory(name="南岭村党支部", domain=Domain.RURAL, region=city.town_a),
        "E": PartyOrganizationFactory(name="市交通局机关党委", domain=Domain.ORGAN, region=municipal),
        "F": PartyOrganizationFactory(name="市审计局机关党委", domain=Domain.ORGAN, region=municipal),
    }
    sites = {
        letter: SiteFactory(
            organization=organizations[letter], name=NAMES[letter], state="formal" if letter == "F" else "candidate"
        )
        for letter in NAMES
    }
    # Five scorers whose units lie in district B: no conflict of interest with district A or the 市直 organs.
    scorers = [
        UserFactory(
            username=f"we-s{n}",
            full_name=f"评分人{n}",
            organization=PartyOrganizationFactory(region=city.town_b),
            roles=[Role.SCORER],
        )
        for n in range(1, 6)
    ]
    round_ = services.round_create(
        by=cast.staff,
        name="2026年度验收（算例）",
        year=2026,
        standard=standard,
        self_assessment_start=date(2026, 10, 1),
        self_assessment_end=date(2026, 10, 31),
        scoring_start=date(2026, 11, 1),
        scoring_end=date(2026, 12, 15),
    )
    added = services.round_add_sites(round=round_, sites=list(sites.values()), by=cast.staff)
    assert added.skipped == []
    team = services.team_save(round=round_, by=cast.staff, name="算例验收组", leader=cast.teamlead, members=scorers)
    entries = {letter: round_.entries.get(site=site) for letter, site in sites.items()}
    services.assign_sites(round=round_, team=team, entries=list(entries.values()), by=cast.staff)
    services.round_open(round=round_, by=cast.staff)
    services.round_start_scoring(round=round_, by=cast.staff)
    for letter, entry in entries.items():
        if letter in imported:
            continue
        for scorer, values in zip(scorers, SHEETS[letter], strict=True):
            sheet = entry.sheets.get(scorer=scorer, kind="onsite")
            if values is None:
                services.sheet_excuse(sheet=sheet, by=cast.staff, reason="因病未参加实地考评")
                continue
            fill(sheet, scorer, online_values(values))
            services.sheet_submit(sheet=sheet, by=scorer)
    for letter in imported:
        import_paper_sheets(round_, cast.staff, letter, entries[letter], scorers)
    services.round_close_scoring(round=round_, by=cast.staff)
    round_.refresh_from_db()
    for letter, lines in ADJUSTMENTS.items():
        for kind, source, points, withdrawn in lines:
            line = Adjustment.objects.create(
                entry=entries[letter],
                kind=kind,
                source=source,
                points=Decimal(points),
                reason=f"{AdjustmentSource(source).label}（算例）",
                created_by=cast.staff,
            )
            if withdrawn:
                Adjustment.objects.filter(pk=line.pk).update(
                    withdrawn_at=line.created_at, withdrawn_by=cast.staff, withdraw_reason="录入有误"
                )
    return round_, entries, scorers


def as_row(result, scorer_of):
    return (
        result.domain,
        result.stage,
        result.sheet_count,
        str(result.mean),
        str(result.median),
        str(result.onsite),
        tuple(sorted(scorer_of[sheet_id] for sheet_id in result.dropped)),
        str(result.ten_haves),
        str(result.disagreement),
        result.disagreement_flag,
        str(result.deductions),
        str(result.bonus_raw),
        str(result.bonus),
        str(result.final),
        result.grade,
        result.passed,
        result.failing_rule,
        result.outcome,
        result.outcome_label,
        result.rank,
        result.domain_rank,
    )


@pytest.mark.parametrize("imported", [(), ("C",)], ids=["online", "site C imported from Excel"])
def test_the_worked_example(cast, city, imported):
    round_, entries, scorers = build_example(cast, city, imported=imported)
    letter_of = {entry.pk: letter for letter, entry in entries.items()}
    scorer_of = {
        sheet.pk: f"S{scorers.index(sheet.scorer) + 1}"
        for entry in entries.values()
        for sheet in entry.sheets.filter(kind="onsite").select_related("scorer")
    }
    results = round_results(round_)
    assert [letter_of[r.entry_id] for r in results] == LISTING
    assert [r.site_name for r in results] == [NAMES[letter] for letter in LISTING]
    for result in results:
        letter = letter_of[result.entry_id]
        assert as_row(result, scorer_of) == EXPECTED[letter], letter
    by_letter = {letter_of[r.entry_id]: r for r in results}
    # every sheet that counts or is dropped is a submitted on-site sheet; excused ones are neither
    assert len(by_letter["D"].counted) == 4 and len(by_letter["E"].counted) == 4
    # the votes behind the two item rules
    assert [(v.code, v.absent, v.sheets, v.failed) for v in by_letter["A"].veto_failed] == [("FJ-01", 3, 5, True)]
    assert by_letter["E"].required_failed == () and by_letter["E"].passed
    if imported:
        sources = set(entries["C"].sheets.filter(kind="onsite").values_list("source", "status"))
        assert sources == {(SheetSource.IMPORTED, SheetStatus.SUBMITTED)}


def test_the_worked_example_what_if_the_mean_were_used(cast, city):
    round_, entries, _scorers = build_example(cast, city)
    letter_of = {entry.pk: letter for letter, entry in entries.items()}
    before = round_results(round_)
    after = round_results(round_, round_policy(round_, aggregation="mean"))
    finals = {letter_of[r.entry_id]: (str(r.final), r.grade, r.rank, r.domain_rank) for r in after}
    assert finals == {
        "A": ("97.50", "不合格", None, None),
        "B": ("90.00", "优秀", 1, 1),
        "C": ("89.80", "合格", 2, 2),
        "D": ("88.13", "合格", 3, 3),
        "E": ("88.13", "合格", 3, 1),
        "F": ("84.50", "不合格", 5, 2),
    }
    flips = rules.policy_flips(before, after)
    assert [(letter_of[f.entry_id], f.changes) for f in flips] == [("C", ("grade", "rank"))]
    assert (flips[0].before.final, flips[0].after.final) == (Decimal("90.00"), Decimal("89.80"))


def test_the_example_standard_has_the_documented_kinds(db):
    """Guard the example's premise: the 十有 section is what the tie-break reads, LY-01 required, FJ-01 veto."""
    standard = build_standard()
    kinds = {item.code: (item.section.kind, item.is_required, item.is_veto) for item in standard.items.all()}
    assert kinds == {
        "SY-01": ("ten_haves", False, False),
        "SY-02": ("ten_haves", False, False),
        "TS-01": ("other", False, False),
        "LY-01": ("six_haves", True, False),
        "FJ-01": ("veto", False, True),
    }
