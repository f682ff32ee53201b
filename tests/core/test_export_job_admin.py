"""Background exports in the admin: nobody changes a job (a new owner would get its file), and staff who are not
superusers see only their own jobs."""

import pytest
from django.urls import reverse

from core.models import ExportJob

pytestmark = pytest.mark.django_db


def test_jobs_are_read_only_and_others_jobs_hidden(client, cast):
    mine = ExportJob.objects.create(requested_by=cast.staff, kind="sites", title="示范点名单")
    theirs = ExportJob.objects.create(requested_by=cast.admin, kind="sites", title="另一份名单")
    client.force_login(cast.staff)
    change = reverse("admin:core_exportjob_change", args=[mine.pk])
    client.post(change, {"requested_by": cast.admin.pk, "title": "x"})
    mine.refresh_from_db()
    assert mine.requested_by == cast.staff and mine.title == "示范点名单"
    listing = client.get(reverse("admin:core_exportjob_changelist"))
    if listing.status_code == 200:
        assert "另一份名单" not in listing.content.decode()
    assert client.get(reverse("admin:core_exportjob_change", args=[theirs.pk])).status_code in (302, 403, 404)
