"""Archives in the admin: nothing is lost by a click."""

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from archives import services
from archives.models import Ledger, Material, MaterialVersion
from tests.archives import samples
from tests.archives.conftest import upload


def material_of(site, by, title="创建方案"):
    return services.material_upload(
        site=site, by=by, category="creation_plan", year=2026, files=[upload(f"{title}.pdf", samples.pdf_bytes())]
    ).materials[0]


@pytest.fixture
def material(site, cast):
    return material_of(site, cast.leader)


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


def test_the_admin_of_evidence_offers_no_delete_anywhere(rf, cast):
    request = rf.get("/admin/")
    request.user = cast.admin
    for model in (Material, MaterialVersion, Ledger):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_delete_permission(request)
        assert "delete_selected" not in model_admin.get_actions(request)
