"""The benchmark's generator builds a consistent programme, and every page case answers on it (bench/README.md).

A tiny programme (30 sites; a tree of 2 districts, 4 towns and 12 villages) on whatever database the suite runs
on: `make bench` measures the same code with 100,000 sites in PostgreSQL.
"""

import sys
from pathlib import Path

import pytest
from django.db.models import F

from accounts.models import LABEL_SEPARATOR, PartyOrganization, Region, User
from archives.models import Material, MaterialVersion
from evaluations.models import ItemScore, Round, RoundSite, ScoreSheet
from sites.models import Site
from supervision.models import Assignment, AssignmentSite

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import country
import pages

PARAMS = country.Params(seed=3, tree="tiny", sites=30, materials_per_site=2, round_sites=10, scoring_sites=10, tasks=1)


@pytest.fixture
def built(db):
    return country.build(PARAMS)


def test_the_region_tree_is_what_region_save_would_write(built):
    districts, towns, villages = country.TREES["tiny"]
    assert Region.objects.count() == 1 + districts + towns + villages
    assert [Region.objects.filter(depth=depth).count() for depth in range(4)] == [1, districts, towns, villages]
    by_id = {region.pk: region for region in Region.objects.all()}
    for region in by_id.values():
        parent = by_id.get(region.parent_id)
        assert region.path == (parent.path if parent else "/") + f"{region.pk}/"
        assert region.depth == region.path.count("/") - 2
        assert region.label == Region.label_under(parent, region.name)
        assert region.label.count(LABEL_SEPARATOR) == max(0, region.depth - 1)
    # A new region under a bulk-written one gets the next id and a consistent path (the sequences were moved on).
    village = Region.objects.filter(depth=3).first()
    town = by_id[village.parent_id]
    added = Region.objects.create(name="新建村", kind="village", parent=town)
    assert added.pk > max(by_id) and added.path == f"{town.path}{added.pk}/"


def test_sites_organizations_materials_and_rounds_are_counted_as_asked(built):
    assert Site.objects.count() == 30
    assert PartyOrganization.objects.count() == 33
    assert not Site.objects.exclude(region=F("organization__region")).exists()
    assert not Site.objects.exclude(domain=F("organization__domain")).exists()
    assert PartyOrganization.objects.filter(region__depth=3).count() == 33
    assert Material.objects.count() == 30 * 2 + 20  # and the measured scorer's evidence
    assert MaterialVersion.objects.count() >= Material.objects.count()
    assert not Material.objects.filter(versions__isnull=True).exists()
    scored = Round.objects.get(pk=built["round_scored"])
    assert RoundSite.objects.filter(round=scored).count() == 10
    assert ScoreSheet.objects.filter(entry__round=scored, status="submitted").count() == 10 * 5
    assert ItemScore.objects.filter(sheet__entry__round=scored).count() == 10 * 5 * 60
    assert RoundSite.objects.filter(round_id=built["round_scoring"]).exists()
    assert Assignment.objects.filter(status="published").count() == 1
    assert AssignmentSite.objects.count() == 2 * 30  # the published task and the draft
    district = User.objects.get(pk=built["district"])
    assert Site.objects.filter(region__path__startswith=district.region.path).exists()
    # A name repeats as in a real country: the same words make every village's name.
    names = list(Region.objects.filter(depth=3).values_list("name", flat=True))
    assert all(name[:2] in country.WORDS for name in names)


def test_the_task_standings_and_items_carry_their_sites_districts(built):
    from supervision.districts import district_id_of
    from supervision.models import Rectification

    rows = [
        *AssignmentSite.objects.select_related("site__region"),
        *Rectification.objects.select_related("site__region"),
    ]
    assert rows
    assert all(row.district_id == district_id_of(row.site.region) for row in rows)
    assert all(row.district_id is not None for row in rows)  # every bench site is in a village


def test_the_same_seed_builds_the_same_programme(built):
    first = list(Site.objects.order_by("pk").values_list("name", "region__label", "state", "nomination_year"))
    assert first and len({name for name, *_rest in first}) > 1
    assert country.Params(seed=3, tree="tiny", sites=30).as_dict()["round_sites"] == 30  # all sites, capped
    assert country.Params(sites=100_000).as_dict()["round_sites"] == country.Params.ROUND_SITES_CAP


def test_every_page_case_answers_for_its_user(built):
    clients = pages.clients(built)
    failed = {}
    for case in pages.CASES:
        problem = pages.runner(case, clients[case.user], built)()
        if problem:
            failed[case.label] = problem
    assert failed == {}
    for baseline in pages.BASELINES:
        assert pages.runner(pages.Case("", "admin", baseline), clients["admin"], built)() is None


def test_the_build_is_remembered_for_reuse(built):
    country.save_build(PARAMS, built, 1.5)
    params, handles, seconds = country.load_build()
    assert params == PARAMS.as_dict() and handles == built and seconds == 1.5
