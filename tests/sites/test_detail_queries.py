"""The site page's query count for every role that may open it, with every panel filled: a round with stored
results (published, so the leader sees them too), tasks, visits, rectification, pairings, tours, experiences,
notices, and the site's own lists. House style rule 4: the count holds at 1 row and at many rows in each list."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from evaluations.choices import RoundStatus
from evaluations.models import Publication
from evaluations.results import round_results, snapshot
from sites.models import CreationGroupMember, Narrator, StateChange, Subsidy, TourStop, Zone, ZoneSite
from supervision.models import (
    Experience,
    GuidanceVisit,
    Notice,
    Pairing,
    PairingActivity,
    StudyTour,
    StudyTourStop,
)
from tests.evaluations.conftest import build_scored
from tests.factories import AssignmentSiteFactory, RectificationFactory


def _fill(site, cast, city, n: int, start: int = 0) -> None:
    """Add `n` rows to every list the site page shows."""
    today = timezone.localdate()
    for i in range(start, start + n):
        CreationGroupMember.objects.create(site=site, name=f"成员{i}", position="委员")
        Narrator.objects.create(site=site, name=f"解说员{i}", trained=True)
        TourStop.objects.create(site=site, title=f"站点{i}", order=i)
        StateChange.objects.create(site=site, from_state="candidate", to_state="formal", action="测试", by=cast.staff)
        Subsidy.objects.create(site=site, year=2026, amount=Decimal("1000"), source="市管党费")
        zone = Zone.objects.create(name=f"示范带{i}")
        ZoneSite.objects.create(zone=zone, site=site)
        AssignmentSiteFactory(site=site)
        visit = GuidanceVisit.objects.create(
            site=site, visited_on=today, participants="指导员", findings="问题", recorded_by=cast.instructor
        )
        RectificationFactory(site=site, visit=visit)
        RectificationFactory(site=site, status="closed", closed_at=timezone.now())
        pairing = Pairing.objects.create(
            site=site, partner_name=f"结对{i}", aims="共建", started_on=today, partner_organization=city.org_b
        )
        PairingActivity.objects.create(pairing=pairing, held_on=today, title="活动")
        tour = StudyTour.objects.create(title=f"观摩{i}", held_on=today, participants="各区")
        StudyTourStop.objects.create(tour=tour, site=site)
        experience = Experience.objects.create(
            title=f"经验{i}", summary="做法", year=2026, district=city.district_a, submitted_by=cast.staff
        )
        experience.sites.add(site)
        Notice.objects.create(issued_on=today - datetime.timedelta(days=i), reason="通报", site=site)
        Notice.objects.create(issued_on=today, reason="通报单位", organization=site.organization)


def _publish(round_, by) -> None:
    Publication.objects.create(
        round=round_,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
        fingerprint="x" * 64,
        results=snapshot(round_results(round_)),
        published_by=by,
    )
    round_.status = RoundStatus.PUBLISHED
    round_.save()


def _filled(cast, city, *, published: bool):
    """Site A of a scored round (its results stored; published, so its leader and district see them too), with
    one row in each of its page's lists; its leader is the cast's leader, its instructor the cast's instructor and
    its liaison the cast's district user."""
    scoring = build_scored(cast, city)
    if published:
        _publish(scoring.round, cast.staff)
    site = scoring.site_a
    site.instructors.add(cast.instructor)
    site.liaisons.add(cast.district)
    _fill(site, cast, city, 1)
    return site


@pytest.fixture
def filled(cast, city):
    return _filled(cast, city, published=True)


# 3 of the session, the user and their permissions; 2 of the layout's counters — the menu's and the scope's ids
# (roles whose scope is assigned sites or a region: +1, a district user's region +1); the site; all its lists and
# its audit trail (core.together); the materials' counts (not for a viewer); the results panel's 4 (the latest
# entry with its round, the publication, the radar's sections, the stored row with its round's state); and the
# supervision panels' lists, all in one.
QUERIES = {"admin": 12, "staff": 12, "viewer": 11, "district": 14, "instructor": 13, "leader": 13}


def _page(client, site) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(site.get_absolute_url())
    assert response.status_code == 200
    return len(queries), response.text


@pytest.mark.parametrize("role", QUERIES)
def test_site_page_queries_stay_fixed_as_every_list_grows(client, cast, city, filled, role):
    client.force_login(getattr(cast, role))
    client.get(filled.get_absolute_url())  # the first read after the round closed stores its results
    count, text = _page(client, filled)
    assert 'id="site-radar"' in text and "成员0" in text and "站点0" in text and "观摩0" in text
    assert count == QUERIES[role]
    _fill(filled, cast, city, 30, start=1)
    count, text = _page(client, filled)
    assert "成员30" in text and "站点30" in text and "结对30" in text
    assert count == QUERIES[role]


def test_the_working_result_costs_staff_one_query_less(client, cast, city):
    site = _filled(cast, city, published=False)
    client.force_login(cast.staff)
    client.get(site.get_absolute_url())
    count, text = _page(client, site)
    assert "工作结果（尚未公示）" in text and 'id="site-radar"' in text
    assert count == QUERIES["staff"] - 1  # no publication to read


@pytest.mark.parametrize(("role", "status"), [("outsider", 404), ("scorer", 404), ("teamlead", 404), ("nobody", 403)])
def test_those_who_do_not_see_the_site_still_get_nothing(client, cast, filled, role, status):
    client.force_login(getattr(cast, role))
    assert client.get(filled.get_absolute_url()).status_code == status
