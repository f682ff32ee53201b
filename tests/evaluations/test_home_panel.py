"""The home page's evaluation to-dos, per role."""

from datetime import date

import pytest

from evaluations import services
from tests.evaluations.conftest import build_standard
from tests.factories import SiteFactory

pytestmark = pytest.mark.django_db


def test_a_scorer_sees_how_many_sheets_wait(client, scoring):
    client.force_login(scoring.scorer)
    page = client.get("/").content.decode()
    assert "考评待办" in page and "2 份待提交" in page


def test_the_team_leader_is_led_to_the_progress_page(client, scoring, cast):
    client.force_login(cast.teamlead)
    page = client.get("/").content.decode()
    assert f"/evaluations/{scoring.round.pk}/progress/" in page


def test_a_site_leader_is_led_to_the_self_assessment_while_its_window_is_open(client, cast, city):
    from sites.models import CreationGroupMember

    standard, _items = build_standard()
    site = SiteFactory(organization=city.org_a)
    CreationGroupMember.objects.create(site=site, name="负责人", user=cast.leader)
    round_ = services.round_create(
        by=cast.staff,
        name="自评轮次",
        year=2026,
        standard=standard,
        self_assessment_start=date(2026, 10, 1),
        self_assessment_end=date(2026, 12, 31),
    )
    services.round_add_sites(round=round_, sites=[site], by=cast.staff)
    services.round_open(round=round_, by=cast.staff)
    client.force_login(cast.leader)
    page = client.get("/").content.decode()
    entry = round_.entries.get()
    assert f"/evaluations/entries/{entry.pk}/self/" in page and "2026-12-31 截止" in page


@pytest.mark.parametrize("role", ["staff", "viewer", "outsider", "instructor"])
def test_others_have_no_evaluation_to_dos(client, scoring, cast, role):
    client.force_login(getattr(cast, role))
    assert "考评待办" not in client.get("/").content.decode()
