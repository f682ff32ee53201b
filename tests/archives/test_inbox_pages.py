"""The review inbox's pages at scale (issue 12): ids first, the second half counted from the end, the same rows
as a plain paginator in the same order, and the same queries on the first and the last page."""

from dataclasses import replace

import pytest
from django.core.paginator import Paginator

from archives.apps import BADGE_CAP, ArchivesConfig
from archives.models import Material
from archives.selectors import review_queue
from core.pagination import DeferredPaginator
from tests.factories import PartyOrganizationFactory, SiteFactory
from tests.utils import queries_for

# A district user's inbox: session and user, permissions, the scope's ids, the count, the page's ids, its rows with
# their versions and items, the filter's region picker, and the menu's badges.
DISTRICT_INBOX_QUERIES = 11


@pytest.fixture
def pending(city):
    def make(count):
        site = SiteFactory(organization=PartyOrganizationFactory(region=city.village_a), region=city.village_a)
        Material.objects.bulk_create(
            [Material(site=site, category="creation_plan", title=f"材料{n}", year=2026) for n in range(count)]
        )
        return site

    return make


@pytest.mark.parametrize("per_page", [3, 7])
def test_every_page_holds_what_a_plain_paginator_would(cast, pending, per_page):
    pending(23)
    queryset = review_queue(cast.staff)
    plain, deferred = Paginator(queryset, per_page), DeferredPaginator(queryset, per_page)
    assert deferred.num_pages == plain.num_pages
    for number in plain.page_range:
        assert [m.pk for m in deferred.page(number)] == [m.pk for m in plain.page(number)], number


def test_first_and_last_pages_make_the_same_queries_at_1_and_many(client, cast, pending):
    pending(1)
    client.force_login(cast.staff)
    few = queries_for(client, "/archives/review/"), queries_for(client, "/archives/review/", page="last")
    pending(80)
    many = queries_for(client, "/archives/review/"), queries_for(client, "/archives/review/", page="last")
    assert few == many and few[0] == few[1]


def test_the_menu_badge_stops_counting_at_its_cap(cast, pending, monkeypatch):
    from django.apps import apps

    from core.navigation import menu_for

    config = apps.get_app_config("archives")
    capped = [replace(item, badge_cap=5) if item.badge is not None else item for item in config.navigation]
    monkeypatch.setattr(config, "navigation", capped)
    pending(4)
    assert menu_for(cast.staff).badges["archives:review_inbox"] == 4
    pending(3)
    assert menu_for(cast.staff).badges["archives:review_inbox"] == "5+"
    assert BADGE_CAP == 999 and ArchivesConfig.navigation[0].badge_cap == BADGE_CAP


def test_a_district_users_inbox_makes_the_same_few_queries_at_1_and_many(client, cast, pending):
    pending(1)
    client.force_login(cast.district)
    few = queries_for(client, "/archives/review/"), queries_for(client, "/archives/review/", page="last")
    pending(80)
    many = queries_for(client, "/archives/review/"), queries_for(client, "/archives/review/", page="last")
    assert few == many == (DISTRICT_INBOX_QUERIES, DISTRICT_INBOX_QUERIES)
