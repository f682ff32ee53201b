"""Every page of a published round, as a site's leader and as an outsider: a leader reads only her own site's
results, an outsider from another district nothing (the attacker's walk over the evaluations URLs)."""

import pytest
from django.urls import reverse

from tests.evaluations.publishing import build_published


@pytest.fixture
def published(cast, city):
    return build_published(cast, city)


def _pages(p):
    r, a, b = p.round.pk, p.entry_a.pk, p.entry_b.pk
    sheet_b = p.entry_b.sheets.filter(kind="onsite").first().pk
    return [
        f"/evaluations/{r}/",
        f"/evaluations/{r}/sites/",
        f"/evaluations/{r}/teams/",
        f"/evaluations/{r}/progress/",
        f"/evaluations/{r}/results/",
        f"/evaluations/{r}/published/",
        f"/evaluations/{r}/objections/",
        f"/evaluations/{r}/calibration/",
        f"/evaluations/{r}/policy/",
        f"/evaluations/{r}/adjustments/",
        f"/evaluations/{r}/rankings/",
        f"/evaluations/{r}/rankings.xlsx",
        f"/evaluations/{r}/finalize/",
        f"/evaluations/entries/{b}/",
        f"/evaluations/entries/{b}/explain/",
        f"/evaluations/entries/{b}/objection/",
        f"/evaluations/entries/{a}/explain/",
        f"/evaluations/sheets/{sheet_b}/",
        reverse("evaluations:entry_certificate", args=[b]),
    ]


def test_a_leader_never_reads_another_sites_result(client, published, cast):
    client.force_login(cast.leader)  # leader of site A only
    for url in _pages(published):
        response = client.get(url)
        body = response.content.decode(errors="ignore") if response.status_code == 200 else ""
        assert published.site_b.name not in body, url


def test_an_outsider_from_another_district_gets_nothing(client, published, cast):
    client.force_login(cast.outsider)
    for url in _pages(published):
        assert client.get(url).status_code in (403, 404), url
