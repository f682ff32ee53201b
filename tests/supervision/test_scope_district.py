"""A district user's standings and rectification items are read within their district (selectors.
scope_district_id): the copied district narrows the query so that PostgreSQL reads one district's rows, and the
scope still decides. These tests hold the narrowed reads to the scope's own answer for every kind of user, after a
site moves, and for a district user who also looks after a site elsewhere; on PostgreSQL, the board's counts for
a district user read the district's index."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.choices import DataScope
from accounts.roles import Role
from sites.selectors import sites_visible_to
from sites.services import site_update
from supervision.models import AssignmentSite, Rectification
from supervision.selectors import rectifications_visible_to, scope_district_id, targets_visible_to
from tests.factories import PartyOrganizationFactory, RegionFactory, SiteFactory, UserFactory
from tests.supervision.assignment_setup import published_task, task_and_items

pytestmark = pytest.mark.django_db


@pytest.fixture
def spread(city, cast):
    """A published task and an open item at a village site, a town site and the district's own site in district A,
    a site in district B and one at the city level."""
    sites = [
        SiteFactory(organization=city.org_a),
        SiteFactory(organization=city.org_a_town, region=city.town_a),
        SiteFactory(region=city.district_a, organization__region=city.district_a),
        SiteFactory(organization=city.org_b),
        SiteFactory(region=city.city, organization__region=city.city),
    ]
    return task_and_items(cast.staff, sites)


def _unnarrowed(user):
    """The scope's own answer: the rows of the sites the user may see, without the district."""
    sites = sites_visible_to(user)
    targets = AssignmentSite.objects.filter(site__in=sites).exclude(assignment__status="draft")
    return set(targets.values_list("pk", flat=True)), set(
        Rectification.objects.filter(site__in=sites).values_list("pk", flat=True)
    )


def _narrowed(user):
    return (
        set(targets_visible_to(user).values_list("pk", flat=True)),
        set(rectifications_visible_to(user).values_list("pk", flat=True)),
    )


def _town_user(city):
    return UserFactory(scope=DataScope.REGION, region=city.town_a, roles=[Role.DISTRICT])


def test_the_district_is_known_only_where_every_visible_site_lies_in_it(city, cast):
    assert scope_district_id(cast.district) == city.district_a.pk
    assert scope_district_id(cast.outsider) == city.district_b.pk
    assert scope_district_id(_town_user(city)) == city.district_a.pk
    on_the_city = UserFactory(scope=DataScope.REGION, region=city.city, roles=[Role.DISTRICT])
    superuser = UserFactory(scope=DataScope.REGION, region=city.district_a, is_superuser=True)
    users = (cast.staff, cast.admin, cast.viewer, cast.instructor, cast.leader, cast.nobody, on_the_city, superuser)
    for user in users:
        assert scope_district_id(user) is None, user


def test_a_district_user_who_looks_after_a_site_elsewhere_is_not_narrowed(city, cast, spread):
    elsewhere = spread[3]  # district B's
    elsewhere.instructors.add(cast.district)
    assert scope_district_id(cast.district) is None
    targets, items = _narrowed(cast.district)
    assert set(AssignmentSite.objects.filter(site=elsewhere).values_list("pk", flat=True)) <= targets
    assert set(Rectification.objects.filter(site=elsewhere).values_list("pk", flat=True)) <= items


def test_every_user_reads_what_the_scope_alone_gives(city, cast, spread):
    spread[3].liaisons.add(cast.instructor)
    superuser = UserFactory(scope=DataScope.REGION, region=city.district_a, is_superuser=True)
    users = [*vars(cast).values(), _town_user(city), superuser]
    for user in users:
        assert _narrowed(user) == _unnarrowed(user), user.username
    targets, items = _narrowed(cast.district)
    assert {AssignmentSite.objects.get(pk=pk).site_id for pk in targets} == {s.pk for s in spread[:3]}
    assert {Rectification.objects.get(pk=pk).site_id for pk in items} == {s.pk for s in spread[:3]}


def test_a_site_moved_to_another_district_moves_with_its_rows(city, cast, spread):
    site = spread[0]
    elsewhere = PartyOrganizationFactory(name="乙镇第二党支部", domain=site.domain, region=city.town_b)
    site_update(site=site, by=cast.staff, allowed=["organization"], organization=elsewhere)
    for user in (cast.district, cast.outsider):
        assert _narrowed(user) == _unnarrowed(user), user.username
    targets, _items = _narrowed(cast.outsider)
    assert site.pk in {AssignmentSite.objects.get(pk=pk).site_id for pk in targets}


def test_a_region_moved_under_another_district_moves_the_rows_below_it(city, cast, spread):
    city.town_a.parent = city.district_b
    city.town_a.save()
    for user in (cast.district, cast.outsider):
        user.refresh_from_db()
        assert _narrowed(user) == _unnarrowed(user), user.username
    targets, _items = _narrowed(cast.district)
    assert {AssignmentSite.objects.get(pk=pk).site_id for pk in targets} == {spread[2].pk}


def test_a_new_district_user_sees_a_new_districts_rows(city, cast, spread):
    district_c = RegionFactory(name="丙区", parent=city.city)
    site = SiteFactory(region=district_c, organization__region=district_c)
    now = timezone.now()
    published_task(cast.staff, sites=[site], due_at=now + datetime.timedelta(days=5), published_at=now)
    user = UserFactory(scope=DataScope.REGION, region=district_c, roles=[Role.DISTRICT])
    assert scope_district_id(user) == district_c.pk
    targets, _items = _narrowed(user)
    assert targets == _unnarrowed(user)[0] and len(targets) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN of PostgreSQL's plans")
def test_a_district_users_board_counts_read_the_districts_index(client, city, cast, spread):
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE supervision_assignmentsite")
    client.force_login(cast.district)
    with CaptureQueriesContext(connection) as context:
        assert client.get("/supervision/").status_code == 200
    counts = [
        q["sql"]
        for q in context.captured_queries
        if 'FROM "supervision_assignmentsite"' in q["sql"] and "COUNT(" in q["sql"]
    ]
    assert counts
    with connection.cursor() as cursor:
        # A few rows here: ask whether the index can answer (a sequential scan is cheapest on a test database).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + counts[0])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # The district is an index condition: of supervision_target_in_district, or of supervision_target_district
    # after the task (which of the two depends on the test database's statistics, so on the tests run before).
    assert re.search(r"Index Cond: \(.*district_id = \d+", plan), plan
    assert re.search(r"(using|Scan on) supervision_target_(in_)?district\b", plan), plan
    assert "Seq Scan on supervision_assignmentsite" not in plan, plan
