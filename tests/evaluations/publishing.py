"""Helpers of the publication, objection and finalization tests: the `scored` round (a 10-point standard) with a
policy scaled to it, published, and the publication period moved into the past."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from evaluations.models import Publication, Round
from evaluations.publication import round_publish
from tests.evaluations.conftest import build_scored

# The test standard is worth 10 points: pass at 8, 优秀 from 9.
SCALED_POLICY = {
    "pass_threshold": Decimal("8"),
    "grade_bands": [{"label": "优秀", "min": "9"}, {"label": "合格", "min": "8"}],
}
# Site B's sheets score 2 of 5 on SY-01 (below 60%): 6.4 in all, failing the 8-point line.
LOW_B = {"SY-01": {"score": "2"}, "SY-02": {"level": "较好"}, "LY-01": {"present": True}, "FJ-01": {"present": True}}


def scaled(scoring, **policy):
    Round.objects.filter(pk=scoring.round.pk).update(**{**SCALED_POLICY, **policy})
    scoring.round.refresh_from_db()
    return scoring


def build_published(cast, city, values=None, **policy):
    scoring = scaled(build_scored(cast, city, values), **policy)
    round_publish(round=scoring.round, by=cast.staff)
    scoring.round.refresh_from_db()
    return scoring


def end_period(round_):
    """Move the round's publications into the past: the period is over."""
    past = timezone.localdate() - timedelta(days=30)
    Publication.objects.filter(round=round_).update(starts_on=past, ends_on=past + timedelta(days=4))
