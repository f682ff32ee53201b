"""Notifications that say enough: about one object, read one by one, never about one's own act."""

from io import StringIO

import pytest
from django.core.management import call_command

from core.models import Notification
from core.services import notify


def test_nobody_is_notified_of_their_own_act(cast):
    assert notify(recipient=cast.staff, actor=cast.staff, title="自己的操作") is None
    assert notify(recipient=cast.leader, actor=cast.staff, title="别人的操作") is not None
    assert notify(recipient=None, actor=cast.staff, title="没有接收人") is None
    assert list(Notification.objects.values_list("recipient", flat=True)) == [cast.leader.pk]


def test_opening_one_marks_only_that_one_read_and_leads_to_its_object(client, cast):
    first = notify(recipient=cast.leader, title="材料被退回", url="/archives/sites/1/#material-7")
    second = notify(recipient=cast.leader, title="材料已通过", url="/archives/sites/1/#material-8")
    client.force_login(cast.leader)
    page = client.get("/notifications/").content.decode()
    assert f'href="/notifications/{first.pk}/"' in page and "2 条未读" in page
    response = client.get(f"/notifications/{first.pk}/")
    assert response.status_code == 302 and response["Location"] == "/archives/sites/1/#material-7"
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None
    assert "1 条未读" in client.get("/notifications/").content.decode()


def test_mark_all_read(client, cast):
    for n in range(3):
        notify(recipient=cast.leader, title=f"通知{n}")
    other = notify(recipient=cast.staff, title="别人的")
    client.force_login(cast.leader)
    assert "全部标为已读" in client.get("/notifications/").content.decode()
    assert client.get("/notifications/read/").status_code == 405  # a change of state is a POST
    html = client.post("/notifications/read/", follow=True).content.decode()
    assert "已将 3 条通知标为已读" in html and "全部标为已读" not in html
    assert not cast.leader.notifications.filter(read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None


def test_someone_elses_notification_is_404(client, cast):
    note = notify(recipient=cast.staff, title="工作人员的通知", url="/sites/")
    client.force_login(cast.leader)
    assert client.get(f"/notifications/{note.pk}/").status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_a_link_elsewhere_is_not_followed(client, cast):
    note = notify(recipient=cast.leader, title="可疑链接", url="https://evil.example/")
    plain = notify(recipient=cast.leader, title="没有链接")
    client.force_login(cast.leader)
    assert client.get(f"/notifications/{note.pk}/")["Location"] == "/notifications/"
    assert client.get(f"/notifications/{plain.pk}/")["Location"] == "/notifications/"


@pytest.mark.slow
def test_demo_staff_start_without_notices_of_their_own_uploads(db, settings, tmp_path):
    from accounts.models import User

    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", password="Demo-pass-1", without_rounds=True, stdout=StringIO())
    staff = User.objects.get(username="staff")
    assert not staff.notifications.filter(read_at__isnull=True).exists()
