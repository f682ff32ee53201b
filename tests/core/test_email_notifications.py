"""E-mail copies of notifications (core/mail.py): who gets one, what it says, opting out per kind, a broker that
is down, failures retried with backoff then marked failed, one send however many workers try; the settings page."""

import datetime
import re
import threading
import time

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from kombu.exceptions import OperationalError

from core import mail as core_mail
from core import tasks as core_tasks
from core.models import EmailOptOut, EmailStatus, Notification
from core.services import notify
from tests.factories import UserFactory

KIND = "assignment_reminder"
OTHER = "rectification"


@pytest.fixture
def reader(db):
    return UserFactory(username="mail-reader", full_name="李书记", email="li@example.cn")


def send(django_capture_on_commit_callbacks, **kwargs):
    """notify, then run what it queued for after the commit (the e-mail job runs eagerly in tests)."""
    with django_capture_on_commit_callbacks(execute=True):
        note = notify(**kwargs)
    if note is not None:
        note.refresh_from_db()
    return note


def checkboxes(html: bytes) -> dict[str, bool]:
    """name → checked, for every checkbox of the page."""
    boxes = re.findall(r"<input[^>]*type=\"checkbox\"[^>]*>", html.decode())
    return {re.search(r'name="([^"]+)"', box).group(1): " checked" in box for box in boxes}


@pytest.fixture
def eager_retries():
    """Let eagerly run tasks retry as a worker would (with errors propagated, an eager retry raises instead)."""
    from config.celery import app

    saved = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = saved


def broker_down(*args, **kwargs):
    raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def test_the_kinds_are_collected_from_the_apps():
    kinds = core_mail.notification_kinds()
    assert {KIND, OTHER, "assignment_answer", "assignment_review", "supervision_notice"} <= set(kinds)
    assert str(kinds[KIND]) == "工作任务发布与催办提醒"


def test_a_declared_kind_is_mailed_in_plain_chinese_text(reader, settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://dsm.example.gov.cn"
    note = send(
        django_capture_on_commit_callbacks,
        recipient=reader,
        title="工作任务“报送年度总结”还有 3 天截止",
        body="示范点：甲村党支部",
        url="/supervision/targets/7/",
        kind=KIND,
    )
    assert note.email_status == EmailStatus.SENT and note.email_attempts == 1 and note.emailed_at
    (message,) = mail.outbox
    assert message.to == ["li@example.cn"]
    assert message.subject == "工作任务“报送年度总结”还有 3 天截止"
    assert message.content_subtype == "plain"
    lines = message.body.splitlines()
    assert lines[0] == "工作任务“报送年度总结”还有 3 天截止"
    assert "示范点：甲村党支部" in lines
    assert "查看详情：https://dsm.example.gov.cn/supervision/targets/7/" in lines
    assert any("https://dsm.example.gov.cn/notifications/settings/" in line and "关闭" in line for line in lines)
    assert message.from_email == settings.DEFAULT_FROM_EMAIL


def test_a_title_with_a_newline_still_makes_a_one_line_subject(reader, django_capture_on_commit_callbacks):
    send(django_capture_on_commit_callbacks, recipient=reader, title="第一行\n第二行", kind=KIND)
    assert mail.outbox[0].subject == "第一行 第二行"


@pytest.mark.parametrize("kind", ["", "material_returned"])
def test_kinds_nobody_declared_are_not_mailed(reader, kind, django_capture_on_commit_callbacks):
    note = send(django_capture_on_commit_callbacks, recipient=reader, title="站内消息", kind=kind)
    assert note.email_status == EmailStatus.NONE and mail.outbox == []


def test_no_address_or_inactive_means_no_mail(db, django_capture_on_commit_callbacks):
    nameless = UserFactory(email="")
    blank = UserFactory(email="   ")
    gone = UserFactory(email="gone@example.cn", is_active=False)
    for user in (nameless, blank, gone):
        note = send(django_capture_on_commit_callbacks, recipient=user, title="提醒", kind=KIND)
        assert note.email_status == EmailStatus.NONE
    assert mail.outbox == []


def test_ones_own_act_makes_neither_message_nor_mail(reader, django_capture_on_commit_callbacks):
    assert send(django_capture_on_commit_callbacks, recipient=reader, actor=reader, title="x", kind=KIND) is None
    assert mail.outbox == [] and not Notification.objects.exists()


def test_opting_out_of_a_kind_stops_its_mail_but_not_the_message_nor_other_kinds(
    reader, django_capture_on_commit_callbacks
):
    EmailOptOut.objects.create(user=reader, kind=KIND)
    quiet = send(django_capture_on_commit_callbacks, recipient=reader, title="催办提醒", kind=KIND)
    loud = send(django_capture_on_commit_callbacks, recipient=reader, title="整改事项", kind=OTHER)
    assert quiet.email_status == EmailStatus.NONE and loud.email_status == EmailStatus.SENT
    assert [message.subject for message in mail.outbox] == ["整改事项"]
    assert list(reader.notifications.values_list("title", flat=True).order_by("id")) == ["催办提醒", "整改事项"]


def test_nothing_is_queued_before_the_transaction_commits(reader, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        note = notify(recipient=reader, title="提醒", kind=KIND)
    assert note.email_status == EmailStatus.PENDING and len(callbacks) == 1 and mail.outbox == []


# --- the broker down, the sweep -------------------------------------------------------------------------------


def test_a_broker_that_is_down_does_not_fail_the_caller_and_the_sweep_sends_later(
    reader, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    monkeypatch.setattr(core_tasks.send_notification_email, "delay", broker_down)
    note = send(django_capture_on_commit_callbacks, recipient=reader, title="新工作任务", kind=KIND)
    assert note.email_status == EmailStatus.PENDING and note.email_attempts == 0 and mail.outbox == []
    assert "the sweep will send it" in caplog.text
    monkeypatch.undo()

    # Within two minutes the sweep leaves it to its own job.
    assert core_mail.emails_send_pending(now=note.created_at + core_mail.SWEEP_GRACE) == 0
    assert mail.outbox == []
    assert core_tasks.send_pending_emails.delay().get() == 0  # "now" is still within the grace period
    sweep_at = note.created_at + core_mail.SWEEP_GRACE + datetime.timedelta(seconds=1)
    assert core_mail.emails_send_pending(now=sweep_at) == 1
    note.refresh_from_db()
    assert note.email_status == EmailStatus.SENT and [m.subject for m in mail.outbox] == ["新工作任务"]
    assert core_mail.emails_send_pending(now=sweep_at) == 0  # sent: never again


def test_the_sweep_sends_by_itself_when_the_broker_is_still_down(reader, monkeypatch):
    note = Notification.objects.create(recipient=reader, title="积压的提醒", kind=KIND, email_status="pending")
    monkeypatch.setattr(core_tasks.send_notification_email, "delay", broker_down)
    assert core_mail.emails_send_pending(now=note.created_at + core_mail.SWEEP_GRACE * 2) == 1
    note.refresh_from_db()
    assert note.email_status == EmailStatus.SENT and len(mail.outbox) == 1


def test_the_sweep_waits_for_a_retry_s_backoff(reader):
    note = Notification.objects.create(
        recipient=reader, title="重试中", kind=KIND, email_status="pending", email_attempts=2
    )
    # Two attempts made: their backoff (60 s + 120 s) plus the grace period before the sweep steps in.
    waited = core_mail.SWEEP_GRACE + datetime.timedelta(seconds=60 + 120)
    assert core_mail.emails_send_pending(now=note.created_at + waited) == 0
    assert core_mail.emails_send_pending(now=note.created_at + waited + datetime.timedelta(seconds=1)) == 1


# --- failures, retries, one send ------------------------------------------------------------------------------


def test_a_failing_mail_server_is_retried_with_backoff_and_then_marked_failed(
    reader, monkeypatch, django_capture_on_commit_callbacks, eager_retries
):
    def refuse(self, *args, **kwargs):
        raise ConnectionRefusedError("[Errno 111] Connection refused " + "x" * 500)

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    task = core_tasks.send_notification_email
    countdowns = []
    real_retry = task.retry

    def recording_retry(*args, **kwargs):
        countdowns.append(kwargs.get("countdown"))
        return real_retry(*args, **kwargs)

    monkeypatch.setattr(task, "retry", recording_retry)
    note = send(django_capture_on_commit_callbacks, recipient=reader, title="催办提醒", kind=KIND)
    assert note.email_status == EmailStatus.FAILED
    assert note.email_attempts == core_mail.MAX_ATTEMPTS == 5
    assert countdowns == [60, 120, 240, 480]
    assert note.email_error.startswith("ConnectionRefusedError: [Errno 111]")
    assert len(note.email_error) == 300
    assert note.emailed_at is None and mail.outbox == []
    # A failed mail is not swept up again; the in-app message is there all along.
    assert core_mail.emails_send_pending(now=note.created_at + datetime.timedelta(seconds=86400)) == 0
    assert reader.notifications.count() == 1


def test_a_passing_failure_is_retried_until_it_goes_through(
    reader, monkeypatch, django_capture_on_commit_callbacks, eager_retries
):
    real_send = mail.EmailMessage.send
    failures = []

    def flaky(self, *args, **kwargs):
        if len(failures) < 2:
            failures.append(1)
            raise TimeoutError("timed out")
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr("django.core.mail.EmailMessage.send", flaky)
    note = send(django_capture_on_commit_callbacks, recipient=reader, title="催办提醒", kind=KIND)
    assert note.email_status == EmailStatus.SENT and note.email_attempts == 3 and note.email_error == ""
    assert len(mail.outbox) == 1


def test_a_second_job_for_the_same_notification_sends_nothing(reader, django_capture_on_commit_callbacks):
    note = send(django_capture_on_commit_callbacks, recipient=reader, title="提醒", kind=KIND)
    assert core_tasks.send_notification_email.delay(note.pk).get() == core_mail.SKIPPED
    assert core_mail.email_send(note.pk) == core_mail.SKIPPED
    assert len(mail.outbox) == 1


def test_a_mail_no_longer_wanted_when_its_job_runs_is_dropped(reader):
    note = Notification.objects.create(recipient=reader, title="提醒", kind=KIND, email_status="pending")
    EmailOptOut.objects.create(user=reader, kind=KIND)
    assert core_mail.email_send(note.pk) == core_mail.SKIPPED
    note.refresh_from_db()
    assert note.email_status == EmailStatus.NONE and mail.outbox == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row locks between two connections: PostgreSQL")
def test_two_workers_at_once_send_one_mail(transactional_db, monkeypatch):
    reader = UserFactory(email="li@example.cn")
    note = Notification.objects.create(recipient=reader, title="提醒", kind=KIND, email_status="pending")
    real_send = mail.EmailMessage.send

    def slow(self, *args, **kwargs):
        time.sleep(0.5)  # the other worker arrives while this one holds the row
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr("django.core.mail.EmailMessage.send", slow)
    outcomes = []
    start = threading.Barrier(2, timeout=20)

    def worker():
        try:
            start.wait()
            outcomes.append(core_mail.email_send(note.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == [core_mail.SENT, core_mail.SKIPPED]
    assert len(mail.outbox) == 1
    note.refresh_from_db()
    assert note.email_status == EmailStatus.SENT and note.email_attempts == 1


# --- the settings page ----------------------------------------------------------------------------------------

URL = "/notifications/settings/"


def test_the_settings_page_is_named_and_needs_a_login(client):
    assert reverse("core:notification_settings") == URL
    response = client.get(URL)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_every_role_sees_every_kind_switched_on_by_default(client, cast):
    for name, user in cast.by_role().items():
        client.force_login(user)
        response = client.get(URL)
        assert response.status_code == 200, name
        boxes = checkboxes(response.content)
        assert set(boxes) == set(core_mail.notification_kinds()), name
        assert all(boxes.values()), name
        assert "接收邮件" in response.content.decode()


def test_the_page_shows_the_address_or_says_there_is_none(client, cast):
    cast.leader.email = "leader@example.cn"
    cast.leader.save()
    client.force_login(cast.leader)
    html = client.get(URL).content.decode()
    assert 'id="email-address"' in html and "leader@example.cn" in html
    client.force_login(cast.staff)
    html = client.get(URL).content.decode()
    assert "尚未登记邮箱" in html


def test_saving_turns_kinds_off_and_on(client, cast):
    user = cast.leader
    client.force_login(user)
    kinds = list(core_mail.notification_kinds())
    keep = {kind: "on" for kind in kinds if kind != KIND}
    response = client.post(URL, keep)
    assert response.status_code == 302 and response["Location"] == URL
    assert list(EmailOptOut.objects.filter(user=user).values_list("kind", flat=True)) == [KIND]
    response = client.get(URL)
    boxes = checkboxes(response.content)
    assert boxes[KIND] is False and all(value for kind, value in boxes.items() if kind != KIND)
    assert "通知设置已保存" in response.content.decode()
    # Saving again with the same choices keeps one row; turning it back on removes it; everything off.
    client.post(URL, keep)
    assert EmailOptOut.objects.filter(user=user).count() == 1
    client.post(URL, dict.fromkeys(kinds, "on"))
    assert not EmailOptOut.objects.filter(user=user).exists()
    client.post(URL, {})
    assert set(EmailOptOut.objects.filter(user=user).values_list("kind", flat=True)) == set(kinds)
    # Only one's own settings change.
    assert not EmailOptOut.objects.exclude(user=user).exists()


def test_the_post_needs_the_csrf_token(cast):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.leader)
    assert client.post(URL, {}).status_code == 403
    assert not EmailOptOut.objects.exists()


def test_unknown_fields_are_ignored(client, cast):
    client.force_login(cast.leader)
    client.post(URL, {"not_a_kind": "on", "<script>": "on"})
    assert "not_a_kind" not in set(EmailOptOut.objects.values_list("kind", flat=True))


def test_linked_from_the_notifications_page_and_the_user_menu(client, cast):
    client.force_login(cast.leader)
    html = client.get(reverse("core:notifications")).content.decode()
    main = html[html.index("<main") :]
    assert f'href="{URL}"' in main  # the button on the page
    menu = html[html.index('id="user-menu"') : html.index("<main")]
    assert f'href="{URL}"' in menu  # the user menu


def test_the_settings_page_costs_one_query_more_than_any_page(client, cast, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(cast.leader)
    client.get(reverse("core:notifications"))
    with CaptureQueriesContext(connection) as base:
        client.get(reverse("core:notifications"))  # the session, the user, the menu and the bell, and the list
    EmailOptOut.objects.create(user=cast.leader, kind=KIND)
    with django_assert_num_queries(len(base)):  # the opt-outs instead of the list
        assert client.get(URL).status_code == 200
