"""The demo's people look real: Chinese names and positions, and each their own valid mobile number."""

import re
from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.validators import is_phone
from sites.choices import ENTERPRISE_DOMAINS, GroupRole
from sites.demo import YEARLY_TARGETS
from sites.models import CreationGroupMember, Narrator, Site, Target

NAME = re.compile(r"[\u4e00-\u9fff]{2,4}")


@pytest.fixture
def seeded(db, settings, tmp_path):
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", password="Demo-pass-1", without_materials=True, without_rounds=True, stdout=StringIO())


def _people():
    """(site, name, phone, position) of everyone the demo names on a site."""
    people = []
    for member in CreationGroupMember.objects.all():
        people.append((member.site_id, member.name, member.phone, member.position))
    for narrator in Narrator.objects.all():
        people.append((narrator.site_id, narrator.name, narrator.phone, "解说员"))
    for site in Site.objects.all():
        people.append((site.pk, site.secretary_name, site.secretary_phone, "书记"))
        people.append((site.pk, site.contact_name, site.contact_phone, "联系人"))
    return people


def test_demo_people_have_chinese_names_and_their_own_valid_numbers(seeded):
    people = _people()
    assert len(people) > 500
    assert [name for _site, name, _phone, _position in people if not NAME.fullmatch(name)] == []
    assert [position for *_rest, position in people if not position or re.search(r"\d", position)] == []
    assert [phone for _site, _name, phone, _position in people if not is_phone(phone)] == []
    names_by_phone = defaultdict(set)
    for _site, name, phone, _position in people:
        names_by_phone[phone].add(name)
    assert {phone: names for phone, names in names_by_phone.items() if len(names) > 1} == {}
    for site in Site.objects.prefetch_related("group_members"):
        phones = [member.phone for member in site.group_members.all()]
        assert len(phones) == len(set(phones)) == 4, site


def test_the_demo_leader_leads_their_own_site_as_its_secretary(seeded):
    member = CreationGroupMember.objects.select_related("site", "user").get(user__username="leader")
    assert member.role == GroupRole.LEADER and member.site.nomination_year == timezone.localdate().year
    assert member.site.secretary_name == member.name == member.user.full_name
    assert member.phone == member.site.secretary_phone == member.user.phone


def test_demo_targets_split_the_seeds_enterprises_and_districts_have_their_own(seeded):
    year = timezone.localdate().year
    assert sum(YEARLY_TARGETS[domain][0] for domain in ENTERPRISE_DOMAINS) == 15  # seed 003: 企业15家
    assert sum(creating for creating, _named in YEARLY_TARGETS.values()) == 50
    for domain in ENTERPRISE_DOMAINS:
        target = Target.objects.get(year=year, domain=domain, region__isnull=True)
        assert Site.objects.filter(nomination_year=year, domain=domain).count() == target.creating_units
    assert Target.objects.filter(year=year, region__name="临江区").exists()
