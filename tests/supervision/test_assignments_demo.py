"""The demo's tasks: the demo leader has one in every standing, reminders already went out, and running the
reminder job again sends nothing new."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from supervision import rules
from supervision.models import Assignment, AssignmentSite, Reminder
from supervision.reminders import reminders_send
from supervision.selectors import targets_visible_to

pytestmark = pytest.mark.slow


@pytest.fixture
def seeded(db, settings, tmp_path):
    settings.DEBUG = True  # seed_demo refuses otherwise
    settings.MEDIA_ROOT = tmp_path
    options = {
        "password": "Demo-pass-1",
        "without_materials": True,
        "without_rounds": True,
        "force": True,
        "stdout": StringIO(),
    }
    call_command("seed_demo", **options)
    first = (Assignment.objects.count(), AssignmentSite.objects.count(), Reminder.objects.count())
    call_command("seed_demo", **options)
    return first


def test_the_demo_leader_has_a_task_in_every_standing_and_reminders_go_out_once(seeded):
    assert seeded == (Assignment.objects.count(), AssignmentSite.objects.count(), Reminder.objects.count())
    leader = User.objects.get(username="leader")
    now = timezone.now()
    standings = {
        rules.answer_status(target.status, target.assignment.due_at, now)
        for target in targets_visible_to(leader).select_related("assignment")
    }
    assert standings == {"pending", "overdue", "submitted", "returned", "accepted"}
    assert targets_visible_to(leader).filter(late=True).exists()
    assert Reminder.objects.filter(skipped=False).exists()
    assert reminders_send() == 0
