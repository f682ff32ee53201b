"""seed_demo: a realistic demo city, one user per role, idempotent, refused on production data."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.choices import Domain, RegionKind
from accounts.models import PartyOrganization, Region, User
from accounts.roles import Role

DEMO_USERNAMES = ["admin", "staff", "district", "instructor", "leader", "scorer", "teamlead", "viewer"]


def counts():
    return Region.objects.count(), PartyOrganization.objects.count(), User.objects.count()


@pytest.fixture
def seeded(db, settings, tmp_path):
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", password="Demo-pass-1", without_materials=True, without_rounds=True, stdout=StringIO())


def test_demo_city_has_districts_towns_and_villages(seeded):
    city = Region.objects.get(kind=RegionKind.CITY)
    districts = Region.objects.filter(parent=city)
    assert districts.count() >= 6
    assert districts.filter(kind=RegionKind.MUNICIPAL, name="市直").exists()
    assert Region.objects.filter(kind__in=[RegionKind.TOWN, RegionKind.SUBDISTRICT]).count() >= 12
    assert Region.objects.filter(kind__in=[RegionKind.VILLAGE, RegionKind.COMMUNITY]).count() >= 40


def test_demo_city_has_300_organizations_in_every_domain(seeded):
    assert PartyOrganization.objects.count() >= 300
    present = set(PartyOrganization.objects.values_list("domain", flat=True))
    assert present == set(Domain.values)


def test_one_demo_user_per_role_with_the_demo_password(seeded):
    for username in DEMO_USERNAMES:
        user = User.objects.get(username=username)
        assert user.check_password("Demo-pass-1")
        assert user.roles == {Role(username)}
        assert user.full_name
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="district").region.name == "临江区"
    leader = User.objects.get(username="leader")
    assert leader.organization.domain == Domain.RURAL


def test_secretaries_have_plausible_names(seeded):
    lengths = {len(name) for name in PartyOrganization.objects.values_list("secretary", flat=True)}
    assert lengths <= {2, 3, 4}


def test_seed_demo_is_idempotent(seeded, settings):
    before = counts()
    call_command("seed_demo", password="Demo-pass-1", without_materials=True, without_rounds=True, stdout=StringIO())
    assert counts() == before


def test_seed_demo_refuses_without_debug_unless_forced(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo")
    assert User.objects.count() == 0
    call_command("seed_demo", "--force", without_materials=True, without_rounds=True, stdout=StringIO())
    assert User.objects.filter(username__in=DEMO_USERNAMES).count() == 8


def test_if_empty_skips_a_database_that_has_users(db, settings):
    settings.DEBUG = True
    User.objects.create_user("someone", password="x")
    call_command("seed_demo", "--if-empty", stdout=StringIO())
    assert not PartyOrganization.objects.exists()


def test_default_password_comes_from_settings(db, settings):
    settings.DEBUG = True
    settings.DEMO_PASSWORD = "From-env-2026"
    call_command("seed_demo", without_materials=True, without_rounds=True, stdout=StringIO())
    assert User.objects.get(username="viewer").check_password("From-env-2026")


def test_load_defaults_is_idempotent(db):
    from django.contrib.auth.models import Group

    call_command("load_defaults", stdout=StringIO())
    call_command("load_defaults", stdout=StringIO())
    assert Group.objects.filter(name__in=Role.values).count() == len(Role.values)


def test_demo_programme_has_three_years_of_sites(seeded):
    from django.utils import timezone

    from sites.models import Batch, Site, Subsidy, Target, Zone

    year = timezone.localdate().year
    for y in (year - 2, year - 1, year):
        assert 45 <= Site.objects.filter(nomination_year=y).count() <= 50
    assert Site.objects.filter(state="eliminated").exists()
    assert Site.objects.filter(state__in=["formal", "improving"]).count() >= 40
    assert Batch.objects.count() == 2 and Subsidy.objects.exists()
    assert set(Zone.objects.values_list("kind", flat=True)) == {"zone", "belt"}
    assert Target.objects.get(year=year, domain="rural", region__isnull=True).creating_units == 20  # the city's
    leader_site = Site.objects.get(group_members__user__username="leader")
    assert leader_site.nomination_year == year
    assert Site.objects.filter(instructors__username="instructor").count() == 12


def test_seed_demo_sites_option_tops_up_the_registry(seeded):
    from sites.models import Site

    call_command(
        "seed_demo", password="Demo-pass-1", sites=400, without_materials=True, without_rounds=True, stdout=StringIO()
    )
    assert Site.objects.count() == 400
    call_command(
        "seed_demo", password="Demo-pass-1", sites=400, without_materials=True, without_rounds=True, stdout=StringIO()
    )
    assert Site.objects.count() == 400


def test_demo_materials_for_most_sites(seeded):
    from archives.models import Material
    from sites.models import Site

    call_command("seed_demo", password="Demo-pass-1", without_rounds=True, stdout=StringIO())  # now with the materials
    with_materials = Site.objects.filter(materials__isnull=False).distinct().count()
    assert with_materials >= Site.objects.exclude(state="not_passed").count() * 0.9
    kinds = set(Material.objects.values_list("versions__kind", flat=True))
    assert {"pdf", "docx", "jpeg"} <= kinds
    assert Material.objects.filter(state="accepted").exists() and Material.objects.filter(state="returned").exists()


def test_demo_admin_and_staff_can_open_the_django_admin(seeded, client):
    def log_in(username):
        response = client.post("/accounts/login/", {"username": username, "password": "Demo-pass-1"})
        assert response.status_code == 302, username

    for username in ("admin", "staff"):
        log_in(username)
        assert client.get("/admin/").status_code == 200, username
        client.post("/accounts/logout/")
    log_in("leader")
    assert client.get("/admin/").status_code == 302
