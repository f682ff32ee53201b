"""A staff account limited to one district is not the city: it neither runs rounds nor reads their sheets."""

import pytest
from django.urls import reverse

from accounts.choices import DataScope
from accounts.roles import Role
from evaluations.permissions import may_manage_rounds
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def district_staff(city):
    return UserFactory(username="t-region-staff", scope=DataScope.REGION, region=city.district_a, roles=[Role.STAFF])


def test_only_city_wide_staff_manage_rounds(cast, district_staff):
    assert may_manage_rounds(cast.staff) and may_manage_rounds(cast.admin)
    assert not may_manage_rounds(district_staff)


@pytest.mark.parametrize(
    "name", ["evaluations:progress", "evaluations:paper_import", "evaluations:round_sites", "evaluations:assign"]
)
def test_region_scoped_staff_reach_no_round_page(client, scoring, district_staff, name):
    client.force_login(district_staff)
    assert client.get(reverse(name, args=[scoring.round.pk])).status_code in (403, 404)


def test_region_scoped_staff_open_no_sheet(client, scoring, district_staff):
    client.force_login(district_staff)
    assert client.get(reverse("evaluations:sheet", args=[scoring.sheet.pk])).status_code == 404


@pytest.mark.parametrize("model", ["round", "scoresheet", "itemscore", "scorechange", "roundsite"])
def test_region_scoped_staff_see_no_evaluations_in_the_admin(client, scoring, district_staff, cast, model):
    from tests.evaluations.conftest import fill

    fill(scoring.sheet, cast.scorer)
    url = reverse(f"admin:evaluations_{model}_changelist")
    client.force_login(district_staff)
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0
    client.force_login(cast.staff)
    assert client.get(url).context["cl"].result_count > 0


@pytest.mark.parametrize("model", ["publication", "finalization", "rankingexport", "adjustment", "objection"])
def test_region_scoped_staff_see_no_other_districts_results_in_the_admin(client, cast, city, model):
    """A published round's whole-round records stay with the city; a line or an objection of a site is seen by
    the staff of that site's region only."""
    from evaluations.adjustments import adjustment_add
    from evaluations.models import Objection, Publication, RankingExport
    from tests.evaluations.publishing import build_published

    published = build_published(cast, city)  # both sites in district A
    adjustment_add(entry=published.entry_a, by=cast.staff, kind="deduction", points="1", reason="通报批评")
    Objection.objects.create(
        entry=published.entry_a, publication=Publication.objects.get(round=published.round), text="异议"
    )
    RankingExport.objects.create(round=published.round, requested_by=cast.staff)
    from evaluations.models import Finalization

    Finalization.objects.create(round=published.round, fingerprint="x", finalized_by=cast.staff)
    url = reverse(f"admin:evaluations_{model}_changelist")
    other = UserFactory(username="t-b-staff", scope=DataScope.REGION, region=city.district_b, roles=[Role.STAFF])
    for user in (
        other,
        UserFactory(username="t-a-staff", scope=DataScope.REGION, region=city.district_a, roles=[Role.STAFF]),
    ):
        client.force_login(user)
        count = client.get(url).context["cl"].result_count
        own_district_lines = user.region == city.district_a and model in ("adjustment", "objection")
        assert count == (1 if own_district_lines else 0), (user, model)
    client.force_login(cast.staff)
    assert client.get(url).context["cl"].result_count == 1
