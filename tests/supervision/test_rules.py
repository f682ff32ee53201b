"""The pure rules of supervision (supervision/rules.py): no database, Asia/Shanghai local days."""

import datetime
import zoneinfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supervision import rules
from supervision.choices import AnswerStatus, Light, RectificationStatus

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
UTC = datetime.UTC
SECOND = datetime.timedelta(seconds=1)


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SH)


def ladder(published, due, until, days_before=(3, 1, 0), every=7):
    return rules.reminder_steps(
        published_at=published, due_at=due, days_before=list(days_before), overdue_every_days=every, until=until, tz=SH
    )


# --- late answers and the standing shown on the board ---------------------------------------------------------


def test_an_answer_at_the_due_second_is_on_time_and_one_second_later_is_late():
    due = at(2026, 12, 1, 18, 0)
    assert not rules.is_late(due - SECOND, due)
    assert not rules.is_late(due, due)
    assert rules.is_late(due + SECOND, due)


@pytest.mark.parametrize("stored", [AnswerStatus.PENDING, AnswerStatus.RETURNED])
def test_owing_becomes_overdue_only_after_the_due_second(stored):
    due = at(2026, 12, 1, 18, 0)
    assert rules.answer_status(stored, due, due) == stored
    assert rules.answer_status(stored, due, due + SECOND) == AnswerStatus.OVERDUE


@pytest.mark.parametrize("stored", [AnswerStatus.SUBMITTED, AnswerStatus.ACCEPTED])
def test_an_answered_task_is_never_overdue(stored):
    due = at(2026, 12, 1, 18, 0)
    assert rules.answer_status(stored, due, due + datetime.timedelta(days=30)) == stored


def test_days_to_due_counts_shanghai_calendar_days_not_utc_ones():
    due = at(2026, 12, 2, 0, 30)  # 16:30 UTC on 1 December
    assert rules.days_to_due(due, at(2026, 12, 1, 23, 59, 59), SH) == 1
    assert rules.days_to_due(due, at(2026, 12, 2, 0, 0), SH) == 0
    assert rules.days_to_due(due, at(2026, 12, 3, 0, 0), SH) == -1
    # The same instants in UTC give the same answer: the rule converts to the local zone.
    assert rules.days_to_due(due.astimezone(UTC), at(2026, 12, 1, 23, 59, 59).astimezone(UTC), SH) == 1


def test_light_at_the_boundaries():
    due = at(2026, 12, 5, 18, 0)
    pending = AnswerStatus.PENDING
    # Four local days before: green; from the start of the third day before: yellow.
    assert rules.light(pending, due, at(2026, 12, 1, 23, 59, 59), SH) == Light.GREEN
    assert rules.light(pending, due, at(2026, 12, 2, 0, 0), SH) == Light.YELLOW
    assert rules.light(pending, due, due, SH) == Light.YELLOW
    assert rules.light(pending, due, due + SECOND, SH) == Light.RED
    assert rules.light(AnswerStatus.RETURNED, due, due + SECOND, SH) == Light.RED
    assert rules.light(AnswerStatus.SUBMITTED, due, due + SECOND, SH) == Light.GREEN
    assert rules.light(AnswerStatus.ACCEPTED, due, at(2026, 12, 5, 9), SH) == Light.GREEN


# --- the reminder ladder --------------------------------------------------------------------------------------


def test_a_full_ladder_in_order_with_keys_carrying_the_due_stamp():
    published = at(2026, 11, 20, 10, 0)
    due = at(2026, 12, 1, 18, 0)
    steps = ladder(published, due, until=at(2026, 12, 16, 0, 0))
    assert [step.key for step in steps] == [
        "published",
        "before-3@202612011800",
        "before-1@202612011800",
        "due-0@202612011800",
        "overdue-1@202612011800",
        "overdue-2@202612011800",
    ]
    assert [step.at for step in steps] == [
        published,
        at(2026, 11, 28, 8),
        at(2026, 11, 30, 8),
        at(2026, 12, 1, 8),
        due + datetime.timedelta(days=7),
        due + datetime.timedelta(days=14),
    ]
    assert [step.kind for step in steps] == ["published", "before", "before", "due", "overdue", "overdue"]
    assert [step.days for step in steps] == [0, 3, 1, 0, 1, 2]


def test_the_stamp_is_the_local_due_time_even_when_given_in_utc():
    due = at(2026, 12, 1, 7, 30).astimezone(UTC)  # 23:30 UTC on 30 November
    steps = ladder(at(2026, 11, 1), due, until=at(2026, 12, 1))
    assert steps[-1].key == "before-1@202612010730"


def test_steps_at_or_before_publication_are_dropped():
    due = at(2026, 12, 1, 18, 0)
    # Published exactly at 08:00 three days before: that step coincides with publication and is dropped.
    steps = ladder(at(2026, 11, 28, 8, 0), due, until=due)
    assert [step.key for step in steps] == ["published", "before-1@202612011800", "due-0@202612011800"]
    # One second earlier it stays.
    steps = ladder(at(2026, 11, 28, 7, 59, 59), due, until=due)
    assert "before-3@202612011800" in [step.key for step in steps]


def test_a_task_due_before_eight_has_no_due_day_step():
    due = at(2026, 12, 1, 7, 0)
    steps = ladder(at(2026, 11, 20), due, until=due + datetime.timedelta(days=1))
    assert [step.kind for step in steps] == ["published", "before", "before"]
    # Due at 08:00 sharp: the due-day step would fall at the due time itself, so it is dropped too.
    due = at(2026, 12, 1, 8, 0)
    assert "due" not in [step.kind for step in ladder(at(2026, 11, 20), due, until=due)]
    # Due at 08:00:01: the due-day step stays.
    due = at(2026, 12, 1, 8, 0, 1)
    assert "due" in [step.kind for step in ladder(at(2026, 11, 20), due, until=due)]


def test_overdue_steps_every_n_days_while_overdue_and_none_at_the_due_second():
    due = at(2026, 12, 1, 18, 0)
    published = at(2026, 11, 20)
    assert [s.kind for s in ladder(published, due, until=due + datetime.timedelta(days=7) - SECOND)][-1] == "due"
    steps = ladder(published, due, until=due + datetime.timedelta(days=7))
    assert steps[-1].key == "overdue-1@202612011800" and steps[-1].at == due + datetime.timedelta(days=7)
    steps = ladder(published, due, until=due + datetime.timedelta(days=9), every=3)
    assert [s.key for s in steps if s.kind == "overdue"] == [
        "overdue-1@202612011800",
        "overdue-2@202612011800",
        "overdue-3@202612011800",
    ]


def test_overdue_every_zero_days_is_read_as_daily_not_a_loop():
    due = at(2026, 12, 1, 18, 0)
    steps = ladder(at(2026, 11, 20), due, until=due + datetime.timedelta(days=2), every=0)
    assert [s.days for s in steps if s.kind == "overdue"] == [1, 2]


def test_custom_offsets_negative_and_duplicate_ones_ignored():
    due = at(2026, 12, 10, 18, 0)
    steps = ladder(at(2026, 11, 1), due, until=due, days_before=[7, 7, -2, 0, 2])
    assert [s.key for s in steps] == [
        "published",
        "before-7@202612101800",
        "before-2@202612101800",
        "due-0@202612101800",
    ]
    assert [s.key for s in ladder(at(2026, 11, 1), due, until=due, days_before=[])] == ["published"]


def test_a_task_published_after_its_due_time_only_reminds_of_what_comes_after():
    due = at(2026, 11, 1, 18, 0)
    published = due + datetime.timedelta(days=10)
    steps = ladder(published, due, until=published + datetime.timedelta(days=5))
    assert [s.key for s in steps] == ["published", "overdue-2@202611011800"]


def test_a_changed_due_date_gives_fresh_keys():
    published = at(2026, 11, 20)
    first = {s.key for s in ladder(published, at(2026, 12, 1, 18), until=at(2026, 12, 31))}
    moved = {s.key for s in ladder(published, at(2026, 12, 8, 18), until=at(2026, 12, 31))}
    assert first & moved == {"published"}


def test_nothing_before_until():
    published = at(2026, 11, 20, 10)
    assert ladder(published, at(2026, 12, 1, 18), until=published - SECOND) == []
    assert [s.key for s in ladder(published, at(2026, 12, 1, 18), until=published)] == ["published"]


def test_steps_to_send_the_latest_due_and_skip_the_missed_ones():
    published = at(2026, 11, 20, 10)
    due = at(2026, 12, 1, 18)
    now = at(2026, 12, 1, 9)
    steps = ladder(published, due, until=now)
    step, skipped = rules.steps_to_send(steps, set(), now)
    assert step.key == "due-0@202612011800"
    assert [s.key for s in skipped] == ["published", "before-3@202612011800", "before-1@202612011800"]
    step, skipped = rules.steps_to_send(steps, {"published", "before-3@202612011800"}, now)
    assert step.key == "due-0@202612011800" and [s.key for s in skipped] == ["before-1@202612011800"]
    assert rules.steps_to_send(steps, {s.key for s in steps}, now) == (None, [])
    # A step is due at its very second, not before.
    first = steps[1]
    assert rules.steps_to_send(steps, {"published"}, first.at - SECOND) == (None, [])
    assert rules.steps_to_send(steps, {"published"}, first.at)[0] == first


def test_next_step_is_the_first_unsent_one_after_now():
    published = at(2026, 11, 20, 10)
    due = at(2026, 12, 1, 18)
    steps = ladder(published, due, until=due + datetime.timedelta(days=30))
    assert rules.next_step(steps, set(), at(2026, 11, 28, 8)).key == "before-1@202612011800"
    assert rules.next_step(steps, {"before-1@202612011800"}, at(2026, 11, 28, 8)).key == "due-0@202612011800"
    assert rules.next_step([], set(), at(2026, 11, 28, 8)) is None


@settings(max_examples=300, deadline=None)
@given(
    published=st.datetimes(
        min_value=datetime.datetime(2025, 1, 1), max_value=datetime.datetime(2027, 12, 31), timezones=st.just(SH)
    ),
    due_after=st.timedeltas(min_value=datetime.timedelta(minutes=-3 * 24 * 60), max_value=datetime.timedelta(days=40)),
    until_after=st.timedeltas(min_value=datetime.timedelta(0), max_value=datetime.timedelta(days=90)),
    days_before=st.lists(st.integers(min_value=-3, max_value=30), max_size=6),
    every=st.integers(min_value=0, max_value=30),
)
def test_property_the_ladder_is_sorted_unique_and_bounded(published, due_after, until_after, days_before, every):
    due = published + due_after
    until = published + until_after
    steps = ladder(published, due, until=until, days_before=days_before, every=every)
    assert steps == sorted(steps)
    assert [s.at for s in steps] == sorted(s.at for s in steps)
    assert len({s.key for s in steps}) == len(steps)
    assert all(s.at <= until for s in steps)
    assert steps and steps[0].key == "published"  # until >= published
    assert all(s.at > published for s in steps[1:])
    stamp = due.astimezone(SH).strftime("%Y%m%d%H%M")
    assert all(s.key.endswith("@" + stamp) for s in steps[1:])
    assert all(s.at < due for s in steps if s.kind in ("before", "due"))
    assert all(s.at > due for s in steps if s.kind == "overdue")
    # A later `until` only adds steps: the ladder never rewrites what was due.
    later = ladder(published, due, until=until + datetime.timedelta(days=8), days_before=days_before, every=every)
    assert later[: len(steps)] == steps
    # Whatever was sent, steps_to_send picks the latest unsent due step and skips only earlier ones.
    step, skipped = rules.steps_to_send(steps, set(), until)
    if steps:
        assert step == steps[-1] and skipped == steps[:-1]


# --- rectification and experiences ---------------------------------------------------------------------------

TODAY = datetime.date(2026, 11, 24)


@pytest.mark.parametrize(
    ("status", "due_on", "expected"),
    [
        (RectificationStatus.OPEN, TODAY, False),  # the deadline day itself is not overdue
        (RectificationStatus.OPEN, TODAY - datetime.timedelta(days=1), True),
        (RectificationStatus.SUBMITTED, TODAY - datetime.timedelta(days=1), True),
        (RectificationStatus.CLOSED, TODAY - datetime.timedelta(days=1), False),
        (RectificationStatus.CANCELLED, TODAY - datetime.timedelta(days=1), False),
        (RectificationStatus.OPEN, None, False),
    ],
)
def test_rectification_overdue(status, due_on, expected):
    assert rules.rectification_overdue(status=status, due_on=due_on, today=TODAY) is expected


@pytest.mark.parametrize(
    ("status", "due_on", "closed_on", "expected"),
    [
        (RectificationStatus.CLOSED, TODAY, TODAY, False),  # closed on the deadline day: on time
        (RectificationStatus.CLOSED, TODAY, TODAY + datetime.timedelta(days=1), True),
        (RectificationStatus.CLOSED, TODAY, None, False),
        (RectificationStatus.OPEN, TODAY, None, False),
        (RectificationStatus.OPEN, TODAY - datetime.timedelta(days=1), None, True),
        (RectificationStatus.SUBMITTED, TODAY - datetime.timedelta(days=1), None, True),
        (RectificationStatus.CANCELLED, TODAY - datetime.timedelta(days=30), None, False),
        (RectificationStatus.OPEN, None, None, False),
    ],
)
def test_rectification_was_late(status, due_on, closed_on, expected):
    assert rules.rectification_was_late(status=status, due_on=due_on, today=TODAY, closed_on=closed_on) is expected


@pytest.mark.parametrize(("count", "owed"), [(0, 2), (1, 1), (2, 0), (5, 0)])
def test_experience_shortfall(count, owed):
    assert rules.experience_shortfall(count) == owed
    assert rules.experience_shortfall(count, target=3) == max(0, 3 - count)
