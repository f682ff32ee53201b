"""The reminder ladder's guarantees (supervision/reminders.py): each step once per task and site, however often,
however concurrently and after whatever crash the job runs; a moved due date recomputes the steps; a job that was
down sends only the latest step; nothing is lost while the broker is down."""

import datetime
import threading
import zoneinfo

import pytest
from django.core import mail
from django.db import connection, transaction
from kombu.exceptions import OperationalError

from accounts.roles import Role
from core.models import Notification
from sites.models import CreationGroupMember
from supervision import reminders, tasks
from supervision.choices import AnswerStatus, AssignmentStatus
from supervision.models import Assignment, AssignmentSite, Reminder
from tests.factories import SiteFactory, UserFactory

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
PUBLISHED = datetime.datetime(2026, 11, 20, 10, 0, tzinfo=SH)
DUE = datetime.datetime(2026, 12, 1, 18, 0, tzinfo=SH)
STAMP = "202612011800"


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SH)


def make_task(*, sites=2, leaders=1, published_at=PUBLISHED, due_at=DUE, email=False, **fields):
    """A published task to `sites` new sites, each with `leaders` leader users in its creation group."""
    assignment = Assignment.objects.create(
        title="报送年度党建工作总结",
        due_at=due_at,
        status=AssignmentStatus.PUBLISHED,
        published_at=published_at,
        **fields,
    )
    people = {}
    for _n in range(sites):
        site = SiteFactory()
        AssignmentSite.objects.create(assignment=assignment, site=site)
        people[site.pk] = []
        for _m in range(leaders):
            user = UserFactory(roles=[Role.LEADER], email="leader@example.cn" if email else "")
            CreationGroupMember.objects.create(site=site, user=user, name=user.full_name, role="leader")
            people[site.pk].append(user)
    return assignment, people


def keys(assignment, site_id=None, skipped=None):
    rows = Reminder.objects.filter(assignment=assignment)
    if site_id is not None:
        rows = rows.filter(site_id=site_id)
    if skipped is not None:
        rows = rows.filter(skipped=skipped)
    return sorted(rows.values_list("step", flat=True))


def titles(user):
    return list(Notification.objects.filter(recipient=user).order_by("id").values_list("title", flat=True))


# --- once per step and site -----------------------------------------------------------------------------------


def test_each_step_goes_out_once_and_a_second_run_sends_nothing(db):
    assignment, people = make_task(sites=2, leaders=2)
    moments = [
        PUBLISHED,
        at(2026, 11, 28, 8, 0),  # 3 days before
        at(2026, 11, 30, 8, 0),  # 1 day before
        at(2026, 12, 1, 8, 0),  # the due day
        DUE + datetime.timedelta(days=7),  # overdue, week 1
        DUE + datetime.timedelta(days=14),  # overdue, week 2
    ]
    for moment in moments:
        assert reminders.reminders_send(now=moment) == 2
        assert reminders.reminders_send(now=moment) == 0  # the second run sends nothing
        assert reminders.reminders_send(now=moment + datetime.timedelta(minutes=5)) == 0
    expected = ["before-1@" + STAMP, "before-3@" + STAMP, "due-0@" + STAMP]
    expected += ["overdue-1@" + STAMP, "overdue-2@" + STAMP, "published"]
    for site_id, users in people.items():
        assert keys(assignment, site_id) == expected
        assert not Reminder.objects.filter(site_id=site_id, skipped=True).exists()
        assert Reminder.objects.get(assignment=assignment, site_id=site_id, step="published").recipients == 2
        for user in users:
            assert len(titles(user)) == len(moments)
    first = people[min(people)][0]
    assert titles(first)[0].startswith("新工作任务：“报送年度党建工作总结”")
    assert "还有 3 天截止" in titles(first)[1]
    assert "还有 1 天截止" in titles(first)[2]
    assert "今天截止" in titles(first)[3]
    assert "已逾期" in titles(first)[4]
    note = Notification.objects.filter(recipient=first).first()
    target = AssignmentSite.objects.get(assignment=assignment, site_id=min(people))
    assert note.kind == "assignment_reminder"
    assert note.url == f"/supervision/targets/{target.pk}/" or note.url.endswith(f"/{target.pk}/")


def test_between_steps_nothing_goes_out(db):
    _assignment, _people = make_task(sites=1)
    assert reminders.reminders_send(now=PUBLISHED - datetime.timedelta(seconds=1)) == 0
    assert reminders.reminders_send(now=PUBLISHED) == 1
    assert reminders.reminders_send(now=at(2026, 11, 28, 7, 59, 59)) == 0
    assert reminders.reminders_send(now=at(2026, 11, 28, 8, 0)) == 1


def test_only_sites_that_still_owe_an_answer_are_reminded(db):
    assignment, people = make_task(sites=4)
    site_ids = sorted(people)
    statuses = [AnswerStatus.PENDING, AnswerStatus.RETURNED, AnswerStatus.SUBMITTED, AnswerStatus.ACCEPTED]
    for site_id, status in zip(site_ids, statuses, strict=True):
        AssignmentSite.objects.filter(assignment=assignment, site_id=site_id).update(status=status)
    assert reminders.reminders_send(now=PUBLISHED) == 2
    assert sorted(Reminder.objects.values_list("site_id", flat=True)) == site_ids[:2]


def test_draft_and_closed_tasks_send_nothing(db):
    draft, _ = make_task(sites=1)
    Assignment.objects.filter(pk=draft.pk).update(status=AssignmentStatus.DRAFT)
    closed, _ = make_task(sites=1)
    Assignment.objects.filter(pk=closed.pk).update(status=AssignmentStatus.CLOSED)
    assert reminders.reminders_send(now=DUE) == 0
    assert not Reminder.objects.exists() and not Notification.objects.exists()


def test_assignment_ids_limit_the_run(db):
    one, _ = make_task(sites=1)
    other, _ = make_task(sites=1)
    assert reminders.reminders_send(now=PUBLISHED, assignment_ids=[one.pk]) == 1
    assert keys(one) == ["published"] and keys(other) == []
    assert reminders.reminders_send(now=PUBLISHED) == 1
    assert keys(other) == ["published"]


def test_a_site_without_leaders_is_recorded_with_no_recipients(db):
    assignment, _people = make_task(sites=1, leaders=0)
    assert reminders.reminders_send(now=PUBLISHED) == 1
    assert Reminder.objects.get(assignment=assignment).recipients == 0
    assert not Notification.objects.exists()


def test_an_inactive_leader_is_not_told(db):
    _assignment, people = make_task(sites=1, leaders=2)
    (site_id,) = people
    quiet, active = people[site_id]
    quiet.is_active = False
    quiet.save()
    reminders.reminders_send(now=PUBLISHED)
    assert titles(quiet) == [] and len(titles(active)) == 1


# --- a job that was down, a crash, a moved due date -----------------------------------------------------------


def test_a_job_down_for_days_sends_only_the_latest_step_and_records_the_missed_ones_skipped(db):
    assignment, people = make_task(sites=2)
    assert reminders.reminders_send(now=PUBLISHED) == 2
    # Down from before the first "before" step until after the first overdue week.
    assert reminders.reminders_send(now=DUE + datetime.timedelta(days=8)) == 2
    for site_id, (user,) in people.items():
        assert keys(assignment, site_id, skipped=False) == ["overdue-1@" + STAMP, "published"]
        assert keys(assignment, site_id, skipped=True) == ["before-1@" + STAMP, "before-3@" + STAMP, "due-0@" + STAMP]
        assert len(titles(user)) == 2 and "已逾期" in titles(user)[-1]
    # The skipped ones never go out later either.
    assert reminders.reminders_send(now=DUE + datetime.timedelta(days=8, hours=1)) == 0


def test_a_step_sent_late_counts_the_days_that_are_left(db):
    _assignment, people = make_task(sites=1)
    reminders.reminders_send(now=PUBLISHED)
    # The 3-days-before step, sent only on the day before (the job was down): it says one day, not three.
    reminders.reminders_send(now=at(2026, 11, 30, 7, 0))
    (user,) = next(iter(people.values()))
    assert "还有 1 天截止" in titles(user)[-1]


def test_a_crash_mid_run_rolls_back_that_site_only_and_the_next_run_sends_it(db, monkeypatch):
    assignment, people = make_task(sites=3)
    first, second, third = sorted(people)
    real_notify = reminders.notify
    failed = []

    def flaky(*, recipient, **kwargs):
        if recipient in people[second] and not failed:
            failed.append(recipient)
            raise RuntimeError("the mail relay hook crashed")
        return real_notify(recipient=recipient, **kwargs)

    monkeypatch.setattr(reminders, "notify", flaky)
    assert reminders.reminders_send(now=PUBLISHED) == 2
    assert failed
    assert keys(assignment, first) == ["published"] and keys(assignment, third) == ["published"]
    assert keys(assignment, second) == []  # its Reminder row rolled back with the failed notification
    assert titles(people[second][0]) == []

    assert reminders.reminders_send(now=PUBLISHED + datetime.timedelta(minutes=5)) == 1
    assert keys(assignment, second) == ["published"]
    for site_id in (first, second, third):
        assert len(titles(people[site_id][0])) == 1  # the first site was not told twice


def test_a_crash_that_aborts_the_whole_run_is_resumed_by_the_next(db, monkeypatch):
    """Even a failure outside one site's delivery (the worker killed mid-run) loses nothing: what committed stays,
    the rest goes out next time."""
    assignment, people = make_task(sites=3)
    first, second, third = sorted(people)
    real_deliver = reminders._deliver
    calls = []

    def killed(assignment, target, *args):
        calls.append(target.site_id)
        if len(calls) == 2:
            raise SystemExit("worker killed")
        return real_deliver(assignment, target, *args)

    monkeypatch.setattr(reminders, "_deliver", killed)
    with pytest.raises(SystemExit):
        reminders.reminders_send(now=PUBLISHED)
    assert keys(assignment, first) == ["published"] and keys(assignment, second) == keys(assignment, third) == []
    monkeypatch.setattr(reminders, "_deliver", real_deliver)
    assert reminders.reminders_send(now=PUBLISHED) == 2
    for site_id in (first, second, third):
        assert len(titles(people[site_id][0])) == 1


def test_moving_the_due_date_later_recomputes_the_pending_steps(db):
    assignment, people = make_task(sites=1)
    (site_id,) = people
    (user,) = people[site_id]
    reminders.reminders_send(now=PUBLISHED)
    reminders.reminders_send(now=at(2026, 11, 28, 8, 0))  # before-3 of the old due date
    assignment.due_at = at(2026, 12, 8, 18, 0)
    assignment.save()
    # The old ladder's next steps (30 Nov, 1 Dec) no longer exist.
    assert reminders.reminders_send(now=at(2026, 11, 30, 8, 0)) == 0
    assert reminders.reminders_send(now=at(2026, 12, 1, 9, 0)) == 0
    assert reminders.next_reminder(assignment, AssignmentSite.objects.get(site_id=site_id), now=at(2026, 12, 1, 9))
    assert reminders.reminders_send(now=at(2026, 12, 5, 8, 0)) == 1
    assert keys(assignment, site_id) == ["before-3@" + STAMP, "before-3@202612081800", "published"]
    assert "还有 3 天截止" in titles(user)[-1] and "12月8日" in titles(user)[-1]
    assert len(titles(user)) == 3


def test_moving_the_due_date_earlier_sends_the_latest_new_step_once(db):
    assignment, people = make_task(sites=1)
    (site_id,) = people
    (user,) = people[site_id]
    reminders.reminders_send(now=PUBLISHED)
    assignment.due_at = at(2026, 11, 25, 18, 0)
    assignment.save()
    now = at(2026, 11, 24, 9, 0)  # after the new before-1 step (24 Nov 08:00)
    assert reminders.reminders_send(now=now) == 1
    assert reminders.reminders_send(now=now) == 0
    assert keys(assignment, site_id, skipped=False) == ["before-1@202611251800", "published"]
    assert keys(assignment, site_id, skipped=True) == ["before-3@202611251800"]
    assert "还有 1 天截止" in titles(user)[-1]


def test_next_reminder_shows_what_comes_next(db):
    assignment, _people = make_task(sites=1)
    target = AssignmentSite.objects.get(assignment=assignment)
    step = reminders.next_reminder(assignment, target, now=PUBLISHED + datetime.timedelta(hours=1))
    assert step.key == "before-3@" + STAMP
    reminders.reminders_send(now=at(2026, 11, 28, 8, 0))
    assert reminders.next_reminder(assignment, target, now=at(2026, 11, 28, 8, 0)).key == "before-1@" + STAMP
    assert reminders.next_reminder(assignment, target, now=DUE).key == "overdue-1@" + STAMP
    Assignment.objects.filter(pk=assignment.pk).update(status=AssignmentStatus.CLOSED)
    assignment.refresh_from_db()
    assert reminders.next_reminder(assignment, target, now=DUE) is None


# --- the job and the broker -----------------------------------------------------------------------------------


def test_the_task_runs_the_ladder(db):
    make_task(sites=2, published_at=datetime.datetime(2026, 1, 1, tzinfo=SH), due_at=at(2099, 1, 1))
    assert tasks.send_reminders.delay().get() == 2
    assert tasks.send_reminders.delay().get() == 0


def test_reminders_queued_while_the_broker_is_down_go_out_with_the_next_periodic_run(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    assignment, people = make_task(
        sites=2, published_at=datetime.datetime(2026, 1, 1, tzinfo=SH), due_at=at(2099, 1, 1)
    )

    def down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.send_reminders, "delay", down)
    # e.g. the service that publishes the task, in its transaction
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        tasks.send_reminders_soon([assignment.pk])
    assert len(callbacks) == 1  # it tried, and the caller did not see the error
    assert not Reminder.objects.exists()

    monkeypatch.undo()
    assert tasks.send_reminders.delay().get() == 2  # the beat's run once the broker is back
    for site_id in people:
        assert keys(assignment, site_id) == ["published"]


def test_reminder_mails_whose_queueing_failed_go_out_with_the_sweep(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    from core import mail as core_mail
    from core import tasks as core_tasks

    _assignment, _people = make_task(
        sites=1, email=True, published_at=datetime.datetime(2026, 1, 1, tzinfo=SH), due_at=at(2099, 1, 1)
    )

    def down(*args, **kwargs):
        raise OperationalError("Connection refused")

    monkeypatch.setattr(core_tasks.send_notification_email, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_reminders.delay().get() == 1  # the run succeeds with the broker down
    note = Notification.objects.get()
    assert note.email_status == "pending" and mail.outbox == []
    monkeypatch.undo()
    later = note.created_at + datetime.timedelta(minutes=3)
    assert core_mail.emails_send_pending(now=later) == 1
    note.refresh_from_db()
    assert note.email_status == "sent" and len(mail.outbox) == 1
    assert mail.outbox[0].subject == note.title


# --- two runs at once (PostgreSQL) ----------------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row locks between two connections: PostgreSQL")
def test_two_concurrent_runs_send_each_step_once(transactional_db, monkeypatch):
    assignment, people = make_task(sites=5, leaders=2)
    real_people = reminders.site_people
    both_planned = threading.Barrier(2, timeout=20)

    def people_after_both_planned(site_ids):
        # Both runs have read what was sent (nothing) and chosen the same steps before either delivers.
        both_planned.wait()
        return real_people(site_ids)

    monkeypatch.setattr(reminders, "site_people", people_after_both_planned)
    counts, errors = [], []

    def run():
        try:
            counts.append(reminders.reminders_send(now=PUBLISHED))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert sorted(counts) == [0, 5] or sum(counts) == 5  # between them, each site once
    assert Reminder.objects.filter(assignment=assignment).count() == 5
    assert Notification.objects.count() == 10
    for users in people.values():
        for user in users:
            assert len(titles(user)) == 1


def test_publishing_with_the_broker_down_succeeds_and_the_beat_and_sweep_send_later(
    client, cast, city, monkeypatch, django_capture_on_commit_callbacks
):
    """The whole path: staff publish a task (the request) while the broker is down; nothing is lost — the next
    periodic run sends the publication notice, and the e-mail sweep its mail."""
    from django.utils import timezone

    from core import mail as core_mail
    from core import tasks as core_tasks
    from supervision.assignments import assignment_create
    from tests.supervision.assignment_setup import build_sites

    sites = build_sites(city, cast)
    cast.leader.email = "leader@example.cn"
    cast.leader.save()
    assignment = assignment_create(
        by=cast.staff,
        title="报送年度党建工作总结",
        due_at=timezone.now() + datetime.timedelta(days=10),
        target_kind="sites",
        sites=[sites.a],
    )

    def down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.send_reminders, "delay", down)
    monkeypatch.setattr(core_tasks.send_notification_email, "delay", down)
    client.force_login(cast.staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/supervision/assignments/{assignment.pk}/publish/")
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.PUBLISHED
    assert not Reminder.objects.exists() and not Notification.objects.filter(recipient=cast.leader).exists()

    # The beat's run while the broker is still half down: the reminder goes out, its mail waits.
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.reminders_send() == 1
    note = Notification.objects.get(recipient=cast.leader)
    assert note.email_status == "pending" and mail.outbox == []

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_reminders.delay().get() == 0  # nothing twice
    assert core_mail.emails_send_pending(now=note.created_at + datetime.timedelta(minutes=3)) == 1
    note.refresh_from_db()
    assert note.email_status == "sent" and [m.to for m in mail.outbox] == [["leader@example.cn"]]
