"""Review (DOMAIN.md §6, §8): who may review which site, the review inbox, and staff decisions that stand."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from archives import services
from archives.choices import ReviewState
from archives.models import Material
from archives.permissions import may_review, sites_reviewable_by
from core.models import AuditEntry
from sites.choices import GroupRole
from sites.models import CreationGroupMember, Site
from sites.selectors import sites_visible_to
from tests.archives import samples
from tests.archives.conftest import upload
from tests.factories import PartyOrganizationFactory, SiteFactory, UserFactory
from tests.utils import queries_for

INBOX = "/archives/review/"


def _upload(site, by, name="方案", category="creation_plan"):
    return services.material_upload(
        site=site, by=by, category=category, year=2026, files=[upload(f"{name}.pdf", samples.pdf_bytes())]
    ).materials[0]


@pytest.fixture
def material(site, cast):
    return _upload(site, cast.leader)


@pytest.fixture
def town_site(city):
    """A site in district A that nobody is assigned to: district A's staff review it as their region's."""
    return SiteFactory(name="甲镇示范点", organization=city.org_a_town)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("admin", True),
        ("staff", True),
        ("district", True),  # the site lies in their region subtree; they need not be its liaison
        ("instructor", False),  # not assigned to this one
        ("leader", False),
        ("scorer", False),
        ("teamlead", False),
        ("viewer", False),
        ("outsider", False),
        ("nobody", False),
    ],
)
def test_who_may_review_a_site_of_district_a(cast, town_site, role, allowed):
    assert may_review(getattr(cast, role), town_site) is allowed


def test_instructors_review_their_assigned_sites_and_liaisons_theirs(cast, site, town_site, other_site):
    assert may_review(cast.instructor, site)  # assigned by the fixture
    assert not may_review(cast.instructor, other_site)
    assert not may_review(cast.outsider, site)
    site.liaisons.add(cast.outsider)  # a liaison from elsewhere still reviews the site they are liaison of
    assert may_review(cast.outsider, site)
    assert not may_review(cast.outsider, town_site)


def test_district_staff_review_a_site_of_their_region_they_are_not_liaison_of(client, cast, town_site):
    material = _upload(town_site, cast.staff)
    client.force_login(cast.district)
    client.post(f"/archives/materials/{material.pk}/review/", {"decision": "accept"})
    material.refresh_from_db()
    assert material.state == ReviewState.ACCEPTED and material.reviewed_by == cast.district
    assert not material.reviewed_as_staff
    client.force_login(cast.outsider)
    assert client.post(f"/archives/materials/{material.pk}/review/", {"decision": "accept"}).status_code == 404


# -- a staff decision stands -----------------------------------------------------------------------------


@pytest.mark.parametrize("lower", ["district", "instructor"])
def test_a_lower_level_reviewer_may_not_overturn_a_staff_decision(client, cast, material, lower):
    services.material_review(material=material, by=cast.staff, accept=False, reason="缺少盖章页")
    material.refresh_from_db()
    assert material.reviewed_as_staff
    reviewer = getattr(cast, lower)
    with pytest.raises(ValidationError, match="组织部工作人员"):
        services.material_review(material=material, by=reviewer, accept=True)
    client.force_login(reviewer)
    response = client.post(f"/archives/materials/{material.pk}/review/", {"decision": "accept"}, follow=True)
    html = response.content.decode()
    assert "已由组织部工作人员审核" in html and "不能改变" in html
    material.refresh_from_db()
    assert material.state == ReviewState.RETURNED and material.reviewed_by == cast.staff
    # …and the page does not offer them the buttons.
    assert f'action="/archives/materials/{material.pk}/review/"' not in html
    assert "data-review-locked" in html


def test_staff_may_change_a_lower_level_decision_and_their_own(cast, material):
    services.material_review(material=material, by=cast.instructor, accept=True)
    material.refresh_from_db()
    assert not material.reviewed_as_staff
    services.material_review(material=material, by=cast.staff, accept=False, reason="照片模糊")
    material.refresh_from_db()
    assert material.state == ReviewState.RETURNED and material.reviewed_as_staff
    services.material_review(material=material, by=cast.admin, accept=True)
    assert Material.objects.get(pk=material.pk).state == ReviewState.ACCEPTED


def test_a_lower_level_decision_may_be_changed_at_the_same_level(cast, material):
    services.material_review(material=material, by=cast.instructor, accept=False, reason="缺页")
    services.material_review(material=material, by=cast.district, accept=True)
    assert Material.objects.get(pk=material.pk).state == ReviewState.ACCEPTED


def test_a_new_version_starts_a_fresh_review_open_to_the_lower_level(cast, material):
    services.material_review(material=material, by=cast.staff, accept=False, reason="缺少盖章页")
    services.material_replace(material=material, upload=upload("方案v2.pdf", samples.pdf_bytes()), by=cast.leader)
    material.refresh_from_db()
    assert material.state == ReviewState.SUBMITTED and not material.reviewed_as_staff
    services.material_review(material=material, by=cast.instructor, accept=True)
    material.refresh_from_db()
    assert material.state == ReviewState.ACCEPTED and material.reviewed_by == cast.instructor


def test_every_decision_and_its_level_is_in_the_audit_trail(cast, material):
    services.material_review(material=material, by=cast.instructor, accept=False, reason="缺页")
    services.material_review(material=material, by=cast.staff, accept=True)
    entries = list(AuditEntry.objects.filter(action="material_review", object_id=str(material.pk)).order_by("at", "id"))
    assert [entry.actor for entry in entries] == [cast.instructor, cast.staff]
    assert entries[0].changes == {"state": ["submitted", "returned"]} and entries[0].reason == "缺页"
    assert entries[1].changes == {"state": ["returned", "accepted"], "reviewed_as_staff": [False, True]}


def test_the_review_message_says_the_state_once(client, cast, material):
    client.force_login(cast.staff)
    html = client.post(f"/archives/materials/{material.pk}/review/", {"decision": "accept"}, follow=True)
    html = html.content.decode()
    assert "“方案”已通过。" in html and "已已" not in html
    html = client.post(
        f"/archives/materials/{material.pk}/review/", {"decision": "return", "reason": "缺页"}, follow=True
    ).content.decode()
    assert "“方案”已退回。" in html and "已已" not in html


# -- the review inbox ------------------------------------------------------------------------------------


@pytest.fixture
def pending(cast, site, town_site, other_site):
    """One pending material in each of three sites (two in district A, one in district B): the assigned site's
    is the oldest (three days), district B's the newest (one day)."""
    made = {
        "assigned": _upload(site, cast.leader, "甲村方案"),
        "town": _upload(town_site, cast.staff, "甲镇方案", category="structure"),
        "b": _upload(other_site, cast.staff, "乙镇方案"),
    }
    for age, material in enumerate(reversed(made.values())):
        Material.objects.filter(pk=material.pk).update(created_at=timezone.now() - timedelta(days=age + 1))
    return made


def titles(response):
    return [material.title for material in response.context["page_obj"].object_list]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("admin", ["甲村方案", "甲镇方案", "乙镇方案"]),
        ("staff", ["甲村方案", "甲镇方案", "乙镇方案"]),
        ("district", ["甲村方案", "甲镇方案"]),
        ("instructor", ["甲村方案"]),
        ("outsider", ["乙镇方案"]),
    ],
)
def test_the_inbox_holds_what_each_reviewer_may_decide_oldest_first(client, cast, pending, role, expected):
    client.force_login(getattr(cast, role))
    response = client.get(INBOX)
    assert response.status_code == 200
    assert sorted(titles(response)) == sorted(expected)
    dates = [material.created_at for material in response.context["page_obj"].object_list]
    assert dates == sorted(dates)


@pytest.mark.parametrize("role", ["leader", "scorer", "teamlead", "viewer", "nobody"])
def test_the_inbox_is_not_for_those_who_do_not_review(client, cast, pending, role):
    client.force_login(getattr(cast, role))
    assert client.get(INBOX).status_code == 403
    assert client.post(f"{INBOX}accept/", {"materials": [pending["assigned"].pk]}).status_code == 403
    assert Material.objects.get(pk=pending["assigned"].pk).state == ReviewState.SUBMITTED


def test_anonymous_goes_to_the_login_page(client, pending):
    assert client.get(INBOX)["Location"].startswith("/accounts/login/")


def test_reviewed_and_deleted_materials_leave_the_inbox(client, cast, pending):
    services.material_review(material=pending["town"], by=cast.staff, accept=True)
    services.material_delete(material=pending["b"], by=cast.staff)
    client.force_login(cast.staff)
    assert titles(client.get(INBOX)) == ["甲村方案"]


def test_each_row_names_the_site_and_links_to_the_material(client, cast, pending, site):
    client.force_login(cast.district)
    html = client.get(INBOX).content.decode()
    material = pending["assigned"]
    assert f'href="/archives/sites/{site.pk}/#material-{material.pk}"' in html
    assert "甲村示范点" in html and site.region.label in html and site.code in html
    assert "甲区 · 甲镇 · 甲村" in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "甲镇示范点"}, ["甲镇方案"]),
        ({"q": "乙镇方案"}, ["乙镇方案"]),
        ({"category": "structure"}, ["甲镇方案"]),
        ({"domain": "two_new"}, []),
        ({"domain": "rural"}, ["甲村方案", "甲镇方案", "乙镇方案"]),
    ],
)
def test_inbox_filters(client, cast, pending, params, expected):
    client.force_login(cast.staff)
    assert titles(client.get(INBOX, params)) == expected


def test_inbox_filters_by_region_site_code_and_upload_date(client, cast, pending, city, other_site):
    client.force_login(cast.staff)
    Site.objects.filter(pk=other_site.pk).update(domain="two_new")
    assert titles(client.get(INBOX, {"domain": "two_new"})) == ["乙镇方案"]
    assert sorted(titles(client.get(INBOX, {"region": city.district_a.pk}))) == ["甲村方案", "甲镇方案"]
    assert titles(client.get(INBOX, {"q": other_site.code})) == ["乙镇方案"]
    pending = {key: Material.objects.get(pk=material.pk) for key, material in pending.items()}
    newest = timezone.localdate(pending["b"].created_at).isoformat()
    assert titles(client.get(INBOX, {"uploaded_from": newest})) == ["乙镇方案"]
    oldest = timezone.localdate(pending["assigned"].created_at).isoformat()
    assert titles(client.get(INBOX, {"uploaded_to": oldest})) == ["甲村方案"]


def test_the_inbox_is_paginated(client, cast, site):
    for n in range(30):
        _upload(site, cast.leader, f"材料{n:02d}")
    client.force_login(cast.staff)
    first = client.get(INBOX)
    assert len(titles(first)) == 25 and "30 份待审核" in first.content.decode()
    assert len(titles(client.get(INBOX, {"page": 2}))) == 5


def test_accept_in_place_with_htmx_updates_the_row(client, cast, pending):
    material = pending["town"]
    client.force_login(cast.district)
    response = client.post(
        f"/archives/materials/{material.pk}/review/", {"decision": "accept", "next": INBOX}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith(f'<tr id="review-{material.pk}"')
    assert "“甲镇方案”已通过。" in html and "已已" not in html
    assert 'name="decision"' not in html and 'name="materials"' not in html
    assert Material.objects.get(pk=material.pk).state == ReviewState.ACCEPTED


def test_a_return_needs_a_reason_in_place_too(client, cast, pending):
    material = pending["town"]
    client.force_login(cast.district)
    url = f"/archives/materials/{material.pk}/review/"
    html = client.post(url, {"decision": "return", "reason": " "}, HTTP_HX_REQUEST="true").content.decode()
    assert "退回材料必须填写原因" in html and 'name="reason"' in html
    assert Material.objects.get(pk=material.pk).state == ReviewState.SUBMITTED
    html = client.post(url, {"decision": "return", "reason": "缺少盖章页"}, HTTP_HX_REQUEST="true").content.decode()
    assert "“甲镇方案”已退回。" in html and "缺少盖章页" in html
    assert Material.objects.get(pk=material.pk).state == ReviewState.RETURNED


def test_without_javascript_the_review_goes_back_to_the_inbox(client, cast, pending):
    material = pending["assigned"]
    client.force_login(cast.instructor)
    back = f"{INBOX}?category=creation_plan"
    response = client.post(f"/archives/materials/{material.pk}/review/", {"decision": "accept", "next": back})
    assert response["Location"] == back
    outside = client.post(
        f"/archives/materials/{material.pk}/review/", {"decision": "accept", "next": "https://evil.example/"}
    )
    assert outside["Location"] == material.get_absolute_url()


def test_bulk_accept_decides_each_ticked_material_in_scope(client, cast, pending):
    client.force_login(cast.district)
    ids = [pending["assigned"].pk, pending["town"].pk, pending["b"].pk]  # the last one is district B's
    response = client.post(f"{INBOX}accept/", {"materials": ids, "next": INBOX}, follow=True)
    html = response.content.decode()
    assert "已通过 2 份材料" in html
    states = dict(Material.objects.values_list("title", "state"))
    assert states == {"甲村方案": "accepted", "甲镇方案": "accepted", "乙镇方案": "submitted"}
    assert AuditEntry.objects.filter(action="material_review", actor=cast.district).count() == 2


def test_bulk_accept_with_nothing_ticked_says_so(client, cast, pending):
    client.force_login(cast.staff)
    assert "请先勾选要通过的材料" in client.post(f"{INBOX}accept/", follow=True).content.decode()


def test_the_bulk_button_asks_for_confirmation(client, cast, pending):
    client.force_login(cast.staff)
    html = client.get(INBOX).content.decode()
    form = re.search(r'<form id="bulk-accept"[^>]*>', html).group(0)
    assert "data-confirm=" in form
    assert html.count('form="bulk-accept"') == 3


@pytest.mark.parametrize("role", ["staff", "district"])
def test_inbox_query_count_is_constant_from_1_to_50_rows(client, cast, city, standard, role):
    def a_site():
        return SiteFactory(organization=PartyOrganizationFactory(region=city.village_a))

    items = list(standard.items.all()[:2])
    first = a_site()
    services.material_upload(
        site=first,
        by=cast.staff,
        category="other",
        year=2026,
        items=items,
        files=[upload("a.pdf", samples.pdf_bytes())],
    )
    client.force_login(getattr(cast, role))
    baseline = queries_for(client, INBOX)
    for n in range(49):
        services.material_upload(
            site=a_site(),
            by=cast.staff,
            category="other",
            year=2026,
            items=items,
            files=[upload(f"{n}.pdf", samples.pdf_bytes())],
        )
    assert Site.objects.count() == 50
    assert queries_for(client, INBOX) == baseline


def test_the_menu_shows_the_inbox_with_its_count_to_reviewers_only(client, cast, pending):
    client.force_login(cast.district)
    html = client.get("/").content.decode()
    assert re.search(
        r'href="/archives/review/"[^>]*>\s*<i[^>]*></i> 材料审核 <span class="badge badge-gold">2</span>', html
    )
    for role in ("leader", "viewer", "scorer"):
        client.force_login(getattr(cast, role))
        assert 'href="/archives/review/"' not in client.get("/").content.decode()
    liaison = UserFactory(username="liaison-only", roles=["leader"])
    pending["b"].site.liaisons.add(liaison)
    client.force_login(liaison)
    assert 'href="/archives/review/"' in client.get("/").content.decode()


def _reviewable(user):
    return set(sites_reviewable_by(user).values_list("pk", flat=True))


def test_a_district_user_who_looks_after_no_site_by_name_reviews_their_region_exactly(
    city, cast, site, town_site, other_site
):
    """The short way (the visible sites, when the scope assigns them none) gives the region subtree: neither a
    site of another district nor one of the city's own level."""
    city_level = SiteFactory(name="市直示范点", region=city.city, organization__region=city.city)
    assert _reviewable(cast.district) == {site.pk, town_site.pk}
    assert _reviewable(cast.outsider) == {other_site.pk}
    assert city_level.pk not in _reviewable(cast.district) | _reviewable(cast.outsider)


def test_a_district_user_reviews_a_site_elsewhere_they_are_liaison_or_instructor_of(cast, site, other_site):
    other_site.liaisons.add(cast.district)
    assert _reviewable(cast.district) == {site.pk, other_site.pk}
    other_site.liaisons.remove(cast.district)
    other_site.instructors.add(cast.district)
    assert _reviewable(cast.district) == {site.pk, other_site.pk}


def test_a_district_user_in_a_creation_group_elsewhere_sees_that_site_but_does_not_review_it(cast, site, other_site):
    CreationGroupMember.objects.create(site=other_site, role=GroupRole.MEMBER, name="组员", user=cast.district)
    assert other_site.pk in set(sites_visible_to(cast.district).values_list("pk", flat=True))
    assert _reviewable(cast.district) == {site.pk}
