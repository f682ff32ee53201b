"""The demo's rounds show every page real content: a finalized batch with a tie and a veto failure, a batch being
scored with sheets in every state, and one in self-assessment with the demo leader's site.

Seeding the demo city takes most of a minute, so the module seeds it once (twice, to prove a re-run changes
nothing) inside a transaction that is rolled back when the module ends; each test runs in a savepoint of it.
"""

from collections import Counter, defaultdict
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Q
from django.test import override_settings
from django.utils import timezone
from django.utils.timezone import localdate

from accounts.models import User
from accounts.roles import Role
from evaluations import demo, rules, selectors, services
from evaluations.choices import RoundStatus, SheetKind, SheetStatus, Stage
from evaluations.models import Round, RoundSite, ScoreChange, ScoreSheet, Team
from standards.choices import StandardStatus
from tests.factories import SiteFactory

pytestmark = pytest.mark.slow


def _counts() -> dict:
    return {model.__name__: model.objects.count() for model in (Round, RoundSite, Team, ScoreSheet, ScoreChange, User)}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, seeded twice; the counts after each run."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        options = {"password": "Demo-pass-1", "without_materials": True, "force": True, "stdout": StringIO()}
        call_command("seed_demo", **options)
        first = _counts()
        call_command("seed_demo", **options)
        yield first, _counts()
        transaction.set_rollback(True)


def _batch(number: str) -> Round:
    return Round.objects.get(name__endswith=f"（{number}）")


def test_seeding_again_changes_nothing(seeded, db):
    first, second = seeded
    assert first == second
    assert first["Round"] == 3


def test_the_demo_has_a_dozen_more_scorers_and_two_more_team_leaders(seeded, db):
    scorers = User.objects.filter(groups__name=Role.SCORER, is_active=True)
    assert scorers.count() >= 13
    assert User.objects.filter(groups__name=Role.TEAMLEAD).count() == 3
    assert scorers.exclude(organization=None).count() == scorers.count()
    user = User.objects.get(username="scorer07")
    assert user.check_password("Demo-pass-1") and not user.must_change_password


def test_no_team_member_must_avoid_a_site_of_their_team(seeded, db):
    for team in Team.objects.prefetch_related("members"):
        entries = list(team.entries.select_related("site__region"))
        assert services.conflicts(services._scorers(team.members.all()), entries) == [], team


def test_the_first_batch_is_scored_with_every_sheet_submitted_by_three_to_six_scorers(seeded, db):
    round_ = _batch("第一批")
    assert round_.status == RoundStatus.FINALIZED
    assert round_.standard.status == StandardStatus.FROZEN
    assert set(round_.entries.values_list("stage", flat=True)) == set(Stage.values)
    sheets = ScoreSheet.objects.filter(entry__round=round_, kind=SheetKind.ONSITE)
    assert set(sheets.values_list("status", flat=True)) == {SheetStatus.SUBMITTED}
    per_site = Counter(sheets.values_list("entry", flat=True))
    assert len(per_site) == round_.entries.count()
    assert set(per_site.values()) <= {3, 4, 5, 6} and {3, 6} <= set(per_site.values())
    totals = list(sheets.values_list("total", flat=True))
    assert sum(Decimal(80) <= total <= Decimal(95) for total in totals) >= 0.6 * len(totals)
    assert ScoreSheet.objects.filter(entry__round=round_, kind=SheetKind.SELF, status=SheetStatus.SUBMITTED).exists()


def test_the_first_batch_has_a_tie_and_a_veto_failure(seeded, db):
    round_ = _batch("第一批")
    totals = defaultdict(list)
    absent = defaultdict(Counter)
    for sheet in ScoreSheet.objects.filter(entry__round=round_, kind=SheetKind.ONSITE).prefetch_related("scores__item"):
        totals[sheet.entry_id].append(sheet.total)
        for score in sheet.scores.all():
            if score.item.is_veto and score.present is False:
                absent[sheet.entry_id][score.item.code] += 1
    means = Counter(sum(values) / len(values) for values in totals.values())
    assert max(means.values()) >= 2  # two sites share an on-site score
    failed = [entry for entry, codes in absent.items() if any(n > len(totals[entry]) / 2 for n in codes.values())]
    assert len(failed) == 1
    assert sum(totals[failed[0]]) / len(totals[failed[0]]) >= 85  # it fails on the veto, not on its score


def test_the_second_batch_has_sheets_in_every_state(seeded, db):
    round_ = _batch("第二批")
    assert round_.status == RoundStatus.SCORING
    sheets = ScoreSheet.objects.filter(entry__round=round_, kind=SheetKind.ONSITE)
    assert set(sheets.values_list("status", flat=True)) == set(SheetStatus.values)
    excused = sheets.filter(status=SheetStatus.EXCUSED)
    assert all(sheet.excuse_reason for sheet in excused)
    assert excused.filter(is_conflict=True).count() == 1 and excused.filter(is_conflict=False).exists()
    returned = sheets.get(status=SheetStatus.IN_PROGRESS, first_submitted_at__isnull=False)
    assert returned.returned_reason
    history = list(selectors.sheet_history(returned))
    assert [change.item for change in history if change.item] and any(not change.item for change in history)
    # A team scored on paper: its sheets wait for the import.
    assert any(
        set(team.entries.values_list("sheets__status", flat=True)) == {SheetStatus.NOT_STARTED}
        for team in round_.teams.all()
    )


def test_the_demo_scorer_has_sites_in_several_states_in_the_demo_team_leaders_team(seeded, db):
    scorer = User.objects.get(username="scorer")
    round_ = _batch("第二批")
    mine = selectors.scorer_sheets(scorer).filter(entry__round=round_)
    assert {SheetStatus.NOT_STARTED, SheetStatus.IN_PROGRESS, SheetStatus.SUBMITTED} <= set(
        mine.values_list("status", flat=True)
    )
    assert {sheet.entry.team.leader.username for sheet in mine} == {"teamlead"}
    teamlead = User.objects.get(username="teamlead")
    submitted = selectors.progress_sheets(round_, teamlead).filter(status=SheetStatus.SUBMITTED).first()
    assert submitted is not None and submitted.entry.team.leader == teamlead
    assert ScoreSheet.objects.filter(entry__round=round_, kind=SheetKind.SELF, entry__team__leader=teamlead).exists()
    assert mine.filter(photos__isnull=False).exists()


def test_the_demo_leader_has_a_self_assessment_to_fill_in(seeded, db):
    leader = User.objects.get(username="leader")
    entries = selectors.self_assessment_entries(leader)
    assert [entry.round.status for entry in entries] == [RoundStatus.SELF_ASSESSMENT]
    assert not entries[0].sheets.all()
    round_ = entries[0].round
    assert round_ == _batch("第三批")
    assert round_.entries.filter(team__isnull=True).exists()  # teams still being formed


def test_synthetic_sites_never_join_a_round(seeded, db):
    synthetic = SiteFactory(state="candidate")  # no creation group, like seed_demo --sites N makes them
    assert synthetic not in demo._available(synthetic.nomination_year)
    assert not RoundSite.objects.filter(site__group_members__isnull=True).exists()


def test_the_demo_stages_follow_the_sites_states(seeded, db):
    # Open rounds: each site at the stage its state gives it (a finalized round's sites have moved on).
    for entry in RoundSite.objects.exclude(round__status=RoundStatus.FINALIZED).select_related("site"):
        assert entry.stage == rules.stage_for_state(entry.site.state), entry


def test_the_demo_notices_are_what_the_people_involved_were_told(seeded, db):
    staff = User.objects.get(username="staff")
    # Evaluations' notices have no kind; supervision's demo (seeded before) tells staff of its own records.
    evaluation_notices = staff.notifications.filter(kind="")
    titles = [note.title for note in evaluation_notices]
    assert sorted(titles) == sorted(
        note.title for note in evaluation_notices.filter(Q(title__contains="申报回避") | Q(title__contains="提出异议"))
    )
    assert sum("提出异议" in title for title in titles) == 2
    scorer = User.objects.get(username="scorer")
    assert scorer.notifications.filter(title__contains="被退回").count() == 1
    assert scorer.notifications.filter(title__contains="开始实地考评").count() == 2
    leader = User.objects.get(username="leader")
    assert leader.notifications.filter(title__contains="自评").count() == 1


def test_the_rounds_history_happened_over_weeks_in_order(seeded, db):
    first = _batch("第一批")
    assert first.created_at < first.opened_at < first.scoring_opened_at < first.scored_at
    assert first.scored_at < first.published_at < first.finalized_at < timezone.now()
    assert localdate(first.opened_at) == first.self_assessment_start
    assert localdate(first.scoring_opened_at) == first.scoring_start
    for sheet in ScoreSheet.objects.filter(entry__round=first, kind=SheetKind.ONSITE):
        assert first.scoring_start <= localdate(sheet.submitted_at) <= first.scoring_end
    returned = ScoreSheet.objects.get(entry__round=_batch("第二批"), returned_reason__gt="")
    times = [change.at for change in returned.changes.filter(after_submission=True).order_by("at")]
    assert returned.first_submitted_at < times[0] < times[1] < timezone.now()
    assert times[1].date() > times[0].date()  # corrected the day after it was returned


def test_the_first_batch_was_published_objected_to_and_finalized(seeded, db):
    from evaluations.models import Adjustment, Finalization, Objection, Publication
    from evaluations.results import round_results
    from sites.models import StateChange, Subsidy

    round_ = _batch("第一批")
    assert Publication.objects.filter(round=round_).count() == 2  # published again after an upheld objection
    assert sorted(Objection.objects.filter(entry__round=round_).values_list("status", flat=True)) == [
        "rejected",
        "upheld",
    ]
    assert Adjustment.objects.filter(entry__round=round_, withdrawn_at__isnull=False).count() == 1
    finalization = Finalization.objects.get(round=round_, undone_at__isnull=True)
    results = round_results(round_)
    assert [line["final"] for line in finalization.results] == [str(r.final) for r in results]
    changes = StateChange.objects.filter(cause_id=round_.pk, cause_label=str(round_))
    assert changes.count() == round_.entries.count()
    for result in results:  # every site is in the state its result gave it
        assert RoundSite.objects.get(pk=result.entry_id).site.state == result.outcome
    named = [r for r in results if r.stage == Stage.ACCEPTANCE and r.passed]
    assert named and finalization.batch.sites.count() == len(named)
    assert Subsidy.objects.filter(site__in=[r.site_id for r in named], year=round_.year).count() == len(named)
    vetoed = [r for r in results if r.veto_failed]
    assert len(vetoed) == 1 and vetoed[0].rank is None and results[-1] == vetoed[0]
