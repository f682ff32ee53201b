"""Archives in the admin: nothing is lost by a click, and nothing outside the user's scope is seen or offered."""

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from accounts.choices import DataScope
from accounts.roles import Role
from archives import services
from archives.models import Ledger, Material, MaterialVersion
from tests.archives import samples
from tests.archives.conftest import upload
from tests.factories import UserFactory


def material_of(site, by, title="创建方案"):
    return services.material_upload(
        site=site, by=by, category="creation_plan", year=2026, files=[upload(f"{title}.pdf", samples.pdf_bytes())]
    ).materials[0]


@pytest.fixture
def material(site, cast):
    return material_of(site, cast.leader)


@pytest.fixture
def regional(city):
    """Organization-department staff whose data scope is district A: in the admin, but not city-wide."""
    return UserFactory(username="t-regional", scope=DataScope.REGION, region=city.district_a, roles=[Role.STAFF])


def url(model, view, *args):
    from django.urls import reverse

    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("trashed", [False, True], ids=["current", "in the trash"])
def test_a_material_cannot_be_deleted_in_the_admin(client, cast, material, trashed):
    if trashed:
        services.material_delete(material=material, by=cast.staff)
    file = material.versions.get().file
    client.force_login(cast.admin)
    assert client.get(url(Material, "delete", material.pk)).status_code == 403
    assert client.post(url(Material, "delete", material.pk), {"post": "yes"}).status_code == 403
    assert Material.objects.filter(pk=material.pk).exists() and file.storage.exists(file.name)


def test_delete_selected_is_not_offered_and_refused_for_materials(client, cast, material):
    client.force_login(cast.admin)
    changelist = client.get(url(Material, "changelist"))
    assert "delete_selected" not in changelist.content.decode()
    client.post(
        url(Material, "changelist"), {"action": "delete_selected", ACTION_CHECKBOX_NAME: [material.pk], "post": "yes"}
    )
    assert Material.objects.filter(pk=material.pk).exists() and material.versions.exists()


def test_a_version_cannot_be_deleted_in_the_admin_nor_through_its_material(client, cast, material):
    version = material.versions.get()
    client.force_login(cast.admin)
    assert client.post(url(MaterialVersion, "delete", version.pk), {"post": "yes"}).status_code == 403
    client.post(
        url(MaterialVersion, "changelist"),
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: [version.pk], "post": "yes"},
    )
    page = client.get(url(Material, "change", material.pk)).content.decode()
    assert "versions-0-DELETE" not in page  # no delete box in the inline
    assert MaterialVersion.objects.filter(pk=version.pk).exists()


def test_a_ledger_cannot_be_deleted_in_the_admin(client, cast, site):
    ledger = Ledger.objects.create(site=site, requested_by=cast.staff)
    client.force_login(cast.admin)
    assert client.post(url(Ledger, "delete", ledger.pk), {"post": "yes"}).status_code == 403
    client.post(
        url(Ledger, "changelist"), {"action": "delete_selected", ACTION_CHECKBOX_NAME: [ledger.pk], "post": "yes"}
    )
    assert Ledger.objects.filter(pk=ledger.pk).exists()


def test_region_staff_see_only_materials_of_their_region(client, cast, regional, site, other_site):
    own = material_of(site, cast.leader, "甲村方案")
    other = material_of(other_site, cast.staff, "乙镇方案")
    trashed = material_of(other_site, cast.staff, "乙镇旧方案")
    services.material_delete(material=trashed, by=cast.staff)
    client.force_login(regional)
    html = client.get(url(Material, "changelist")).content.decode()
    assert "甲村方案" in html and "乙镇方案" not in html and "乙镇旧方案" not in html
    assert client.get(url(Material, "change", own.pk)).status_code == 200
    assert client.get(url(Material, "change", other.pk)).status_code == 302  # “does not exist”, back to the index
    versions = client.get(url(MaterialVersion, "changelist")).content.decode()
    assert "甲村方案.pdf" in versions and "乙镇方案.pdf" not in versions
    assert client.get(url(MaterialVersion, "change", other.versions.get().pk)).status_code == 302


def test_region_staff_cannot_move_a_material_to_a_site_outside_their_region(client, regional, material, other_site):
    client.force_login(regional)
    response = client.post(
        url(Material, "change", material.pk),
        {
            "site": other_site.pk,
            "category": material.category,
            "title": material.title,
            "year": material.year,
            "state": material.state,
            "versions-TOTAL_FORMS": 1,
            "versions-INITIAL_FORMS": 1,
            "versions-MIN_NUM_FORMS": 0,
            "versions-MAX_NUM_FORMS": 1000,
            "versions-0-id": material.versions.get().pk,
            "versions-0-material": material.pk,
        },
    )
    assert response.status_code == 200 and response.context["adminform"].form.errors.get("site")
    material.refresh_from_db()
    assert material.site_id != other_site.pk


def test_region_staff_see_only_ledgers_in_their_scope(client, cast, regional, site, other_site, city):
    Ledger.objects.create(site=site, requested_by=cast.staff)
    Ledger.objects.create(site=other_site, requested_by=cast.staff)
    Ledger.objects.create(region=city.district_b, requested_by=cast.staff)
    client.force_login(regional)
    changelist = client.get(url(Ledger, "changelist"))
    assert [ledger.site_id for ledger in changelist.context["cl"].result_list] == [site.pk]


def test_the_admin_of_evidence_offers_no_delete_anywhere(rf, cast):
    request = rf.get("/admin/")
    request.user = cast.admin
    for model in (Material, MaterialVersion, Ledger):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_delete_permission(request)
        assert "delete_selected" not in model_admin.get_actions(request)
