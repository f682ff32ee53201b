"""A round's policy: the what-if preview lists exactly the sites whose outcome, grade or rank would change (and
nothing when nothing does), saving is refused after publication and recorded field by field, and the page is for
staff only, in two steps (preview, then confirm) once the results exist."""

from decimal import Decimal

import pytest

from accounts.roles import Role
from core.models import AuditEntry
from evaluations import adjustments, policy, results, services
from evaluations.choices import RoundStatus
from evaluations.models import Round
from tests.evaluations.conftest import build_scored, build_scoring, fill
from tests.factories import PartyOrganizationFactory, UserFactory

# Sheets of the `scoring` round total 10 points: a complete default sheet is 8.90; a weaker one below.
WEAK = {"SY-01": {"score": "3"}, "SY-02": {"level": "一般"}, "LY-01": {"present": True}, "FJ-01": {"present": True}}
POOR = {"SY-01": {"score": "0"}, "SY-02": {"level": "一般"}, "LY-01": {"present": True}, "FJ-01": {"present": True}}
BANDS = [{"label": "优秀", "min": "8.8"}, {"label": "合格", "min": "8"}]


def scaled(round_, **fields):
    """The round's policy scaled to its 10-point standard (threshold 8, 优秀 ≥ 8.8, 合格 ≥ 8), set directly."""
    Round.objects.filter(pk=round_.pk).update(pass_threshold=Decimal("8"), grade_bands=BANDS, **fields)
    round_.refresh_from_db()
    return round_


@pytest.fixture
def two(cast, city):
    """Site A (甲村) 8.90 passes, 优秀, rank 1; site B (甲镇) (8.90 + 6.80) / 2 = 7.85 fails, rank 2."""
    scoring = build_scored(cast, city, values={("b", 0): WEAK})
    scaled(scoring.round)
    return scoring


def flipped(preview) -> dict:
    return {flip.site_name: flip.changes for flip in preview.flips}


def test_unchanged_policy_previews_nothing(two):
    preview = policy.policy_preview(two.round, pass_threshold=Decimal("8.00"), grade_bands=list(BANDS))
    assert preview.changes == {}
    assert preview.flips == []


def test_a_change_that_moves_no_outcome_grade_or_rank_lists_no_site(two):
    preview = policy.policy_preview(two.round, disagreement_threshold=Decimal("0.5"), publication_days=7)
    assert set(preview.changes) == {"disagreement_threshold", "publication_days"}
    assert preview.flips == []
    assert preview.sites == 2


def test_raising_the_threshold_fails_exactly_the_site_it_crosses(two):
    preview = policy.policy_preview(two.round, pass_threshold=Decimal("9"))
    assert flipped(preview) == {"甲村示范点": ("outcome",)}
    flip = preview.flips[0]
    assert (flip.before.passed, flip.after.passed) == (True, False)
    assert (flip.before.outcome_label, flip.after.outcome_label) == ("验收通过、授牌", "验收未通过")
    assert flip.before.final == flip.after.final == Decimal("8.90")


def test_lowering_the_threshold_passes_the_other_site(two):
    preview = policy.policy_preview(two.round, pass_threshold=Decimal("7.5"))
    assert flipped(preview) == {"甲镇示范点": ("outcome",)}  # its grade follows the bands: still below 合格 8
    after = preview.flips[0].after
    assert after.passed and after.final == Decimal("7.85")


def test_bands_change_grades_only(two):
    bands = [{"label": "优秀", "min": "9"}, {"label": "合格", "min": "7"}]
    preview = policy.policy_preview(two.round, grade_bands=bands)
    assert flipped(preview) == {"甲村示范点": ("grade",), "甲镇示范点": ("grade",)}
    assert [(f.before.grade, f.after.grade) for f in preview.flips] == [("优秀", "合格"), ("不合格", "合格")]


def test_bonus_cap_flips_a_site_kept_above_the_line_by_its_bonus(two, cast):
    adjustments.adjustment_add(entry=two.entry_b, by=cast.staff, kind="bonus", points="0.5", reason="经验推广")
    base = {r.site_name: r for r in results.round_results(two.round)}
    assert base["甲镇示范点"].final == Decimal("8.35") and base["甲镇示范点"].passed
    preview = policy.policy_preview(two.round, bonus_cap=Decimal("0"))
    assert flipped(preview) == {"甲镇示范点": ("outcome", "grade")}
    assert preview.flips[0].after.final == Decimal("7.85")
    # a cap still above the bonus changes nothing
    assert policy.policy_preview(two.round, bonus_cap=Decimal("1")).flips == []


def test_deduction_amounts_change_nothing_yet(two):
    preview = policy.policy_preview(
        two.round,
        deduction_criticism=Decimal("10"),
        deduction_late_answer=Decimal("3"),
        deduction_overdue_rectification=Decimal("4"),
        bonus_experience=Decimal("2"),
    )
    assert len(preview.changes) == 4
    assert preview.flips == []


@pytest.fixture
def three(cast, city):
    """Three scorers. Site A: 8.90, 8.90 and 3.80 (mean 7.20, median 8.90); site B: 8.90 from each."""
    scoring = build_scoring(cast, city)
    scorer3 = UserFactory(
        username="t-scorer3",
        full_name="第三评分人",
        organization=PartyOrganizationFactory(region=city.district_b),
        roles=[Role.SCORER],
    )
    services.team_save(
        round=scoring.round,
        by=cast.staff,
        name=scoring.team.name,
        leader=cast.teamlead,
        members=[scoring.scorer, scoring.scorer2, scorer3],
        team=scoring.team,
    )
    for entry in (scoring.entry_a, scoring.entry_b):
        for scorer in (scoring.scorer, scoring.scorer2, scorer3):
            sheet = entry.sheets.get(scorer=scorer, kind="onsite")
            fill(sheet, scorer, POOR if (entry == scoring.entry_a and scorer == scorer3) else None)
            services.sheet_submit(sheet=sheet, by=scorer)
    services.round_close_scoring(round=scoring.round, by=cast.staff)
    scaled(scoring.round, aggregation="mean")
    return scoring


def test_changing_the_method_flips_the_site_whose_median_differs(three):
    before = {r.site_name: r for r in results.round_results(three.round)}
    assert before["甲村示范点"].onsite == Decimal("7.20") and not before["甲村示范点"].passed
    preview = policy.policy_preview(three.round, aggregation="median")
    assert flipped(preview) == {"甲村示范点": ("outcome", "grade", "rank")}
    flip = preview.flips[0]
    assert (flip.before.rank, flip.after.rank) == (2, 1)  # ties with 甲镇 at 8.90: shared rank 1
    # trimming needs five sheets: with three it is the mean, so nothing changes
    assert policy.policy_preview(three.round, aggregation="trimmed").flips == []


# --- saving ----------------------------------------------------------------------------------------------


def test_update_saves_and_records_each_changed_field(two, cast):
    policy.policy_update(round=two.round, by=cast.staff, pass_threshold=Decimal("9"), bonus_cap=Decimal("5"))
    two.round.refresh_from_db()
    assert two.round.pass_threshold == Decimal("9")
    entry = AuditEntry.objects.filter(action="round_policy_update").get()
    assert entry.actor == cast.staff
    assert entry.changes == {"pass_threshold": ["8.00", "9"]}  # bonus_cap was already 5


def test_update_that_changes_nothing_records_nothing(two, cast):
    policy.policy_update(round=two.round, by=cast.staff, pass_threshold=Decimal("8.00"), grade_bands=list(BANDS))
    assert not AuditEntry.objects.filter(action="round_policy_update").exists()


def test_update_refuses_invalid_bands(two, cast):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        policy.policy_update(
            round=two.round, by=cast.staff, grade_bands=[{"label": "优秀", "min": "80"}, {"label": "合格", "min": "85"}]
        )


@pytest.mark.parametrize("status", [RoundStatus.PUBLISHED, RoundStatus.FINALIZED])
def test_update_is_refused_after_publication(two, cast, status):
    from django.core.exceptions import ValidationError

    Round.objects.filter(pk=two.round.pk).update(status=status)
    with pytest.raises(ValidationError, match="已公示"):
        policy.policy_update(round=two.round, by=cast.staff, pass_threshold=Decimal("9"))
    assert Round.objects.get(pk=two.round.pk).pass_threshold == Decimal("8")


def test_update_is_allowed_while_the_round_is_open(scoring, cast):
    policy.policy_update(round=scoring.round, by=cast.staff, aggregation="median", subsidy_amount=Decimal("20000"))
    scoring.round.refresh_from_db()
    assert (scoring.round.aggregation, scoring.round.subsidy_amount) == ("median", Decimal("20000"))


# --- the page --------------------------------------------------------------------------------------------


def url(scoring):
    return f"/evaluations/{scoring.round.pk}/policy/"


def form_data(round_, **changes) -> dict:
    bands = {band["label"]: band["min"] for band in round_.grade_bands}
    data = {
        "pass_threshold": round_.pass_threshold,
        "grade_excellent": bands["优秀"],
        "grade_pass": bands["合格"],
        "aggregation": round_.aggregation,
        "disagreement_threshold": round_.disagreement_threshold,
        "deduction_criticism": round_.deduction_criticism,
        "deduction_late_answer": round_.deduction_late_answer,
        "deduction_overdue_rectification": round_.deduction_overdue_rectification,
        "bonus_experience": round_.bonus_experience,
        "bonus_cap": round_.bonus_cap,
        "publication_days": round_.publication_days,
        "inspection_interval": round_.inspection_interval,
        "subsidy_amount": round_.subsidy_amount,
    }
    data.update(changes)
    return {key: str(value) for key, value in data.items()}


STATUS = {"admin": 200, "staff": 200, "viewer": 403, "teamlead": 403, "scorer": 403, "leader": 403}


@pytest.mark.parametrize(
    "role", ["admin", "staff", "district", "instructor", "leader", "scorer", "teamlead", "viewer", "outsider"]
)
def test_policy_page_per_role(client, cast, scoring, role):
    client.force_login(getattr(cast, role))
    assert client.get(url(scoring)).status_code == STATUS.get(role, 404)
    assert client.post(url(scoring), form_data(scoring.round, confirm="1")).status_code in (STATUS.get(role, 404), 302)


def test_others_cannot_save(client, cast, scoring):
    client.force_login(cast.viewer)
    client.post(url(scoring), form_data(scoring.round, pass_threshold="60", confirm="1"))
    assert Round.objects.get(pk=scoring.round.pk).pass_threshold == Decimal("85")


def test_open_round_saves_without_preview(client, cast, scoring):
    client.force_login(cast.staff)
    page = client.get(url(scoring)).content.decode()
    assert "还没有结果可以比较" in page and "预览变化" not in page
    response = client.post(url(scoring), form_data(scoring.round, pass_threshold="80", confirm="1"))
    assert response.status_code == 302
    assert Round.objects.get(pk=scoring.round.pk).pass_threshold == Decimal("80")


def test_closed_round_previews_then_saves_what_was_previewed(client, cast, two):
    client.force_login(cast.staff)
    data = form_data(two.round, pass_threshold="9")
    response = client.post(url(two), {**data, "preview": "1"})
    assert response.status_code == 200
    assert Round.objects.get(pk=two.round.pk).pass_threshold == Decimal("8")  # nothing saved yet
    page = response.content.decode()
    assert 'id="flips"' in page and "甲村示范点" in page and "确认保存" in page
    assert [f.site_name for f in response.context["preview"].flips] == ["甲村示范点"]
    assert 'value="9"' in page  # the form is still filled with the change
    digest = response.context["digest"]
    response = client.post(url(two), {**data, "confirm": "1", "digest": digest})
    assert response.status_code == 302
    assert Round.objects.get(pk=two.round.pk).pass_threshold == Decimal("9")
    assert AuditEntry.objects.filter(action="round_policy_update", actor=cast.staff).count() == 1


def test_confirming_values_other_than_previewed_previews_again(client, cast, two):
    client.force_login(cast.staff)
    digest = client.post(url(two), {**form_data(two.round, pass_threshold="9"), "preview": "1"}).context["digest"]
    response = client.post(url(two), {**form_data(two.round, pass_threshold="7.5"), "confirm": "1", "digest": digest})
    assert response.status_code == 200
    assert [f.site_name for f in response.context["preview"].flips] == ["甲镇示范点"]
    assert Round.objects.get(pk=two.round.pk).pass_threshold == Decimal("8")


def test_preview_without_effect_says_so(client, cast, two):
    client.force_login(cast.staff)
    response = client.post(url(two), {**form_data(two.round, publication_days="7"), "preview": "1"})
    page = response.content.decode()
    assert 'id="no-flips"' in page and 'id="flips"' not in page


def test_invalid_values_show_errors_in_chinese(client, cast, two):
    client.force_login(cast.staff)
    response = client.post(url(two), {**form_data(two.round, grade_excellent="7"), "preview": "1"})
    assert response.status_code == 200 and response.context["preview"] is None
    assert "等次须从高到低排列" in response.content.decode()


def test_published_round_page_is_read_only(client, cast, two):
    Round.objects.filter(pk=two.round.pk).update(status=RoundStatus.PUBLISHED)
    client.force_login(cast.staff)
    page = client.get(url(two)).content.decode()
    assert "评分规则已锁定" in page and "预览变化" not in page and "disabled" in page
    client.post(url(two), {**form_data(two.round, pass_threshold="9"), "confirm": "1"})
    assert Round.objects.get(pk=two.round.pk).pass_threshold == Decimal("8")


def test_round_page_links_to_the_policy_for_staff_only(client, cast, scoring):
    client.force_login(cast.staff)
    assert url(scoring) in client.get(f"/evaluations/{scoring.round.pk}/").content.decode()
    client.force_login(cast.viewer)
    assert url(scoring) not in client.get(f"/evaluations/{scoring.round.pk}/").content.decode()


def test_band_changes_are_recorded_as_readable_text(two, cast):
    bands = [{"label": "优秀", "min": "9"}, {"label": "合格", "min": "8"}]
    policy.policy_update(round=two.round, by=cast.staff, grade_bands=bands)
    changes = AuditEntry.objects.get(action="round_policy_update").changes
    assert changes == {"grade_bands": ["优秀 ≥ 8.8；合格 ≥ 8", "优秀 ≥ 9；合格 ≥ 8"]}
    assert Round.objects.get(pk=two.round.pk).grade_bands == bands


def test_the_round_form_path_refuses_after_publication_too(two, cast):
    from django.core.exceptions import ValidationError

    Round.objects.filter(pk=two.round.pk).update(status=RoundStatus.PUBLISHED)
    with pytest.raises(ValidationError):
        services.round_update(round=two.round, by=cast.staff, pass_threshold=Decimal("9"))
    assert Round.objects.get(pk=two.round.pk).pass_threshold == Decimal("8")
