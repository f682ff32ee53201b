"""Nobody is offered a control the server would refuse: viewers upload nothing, district staff and instructors
review but never upload, replace or delete (DOMAIN.md §8)."""

import pytest

from archives import services
from tests.archives import samples
from tests.archives.conftest import upload

UPLOAD_CONTROLS = ['name="files"', "data-upload", "/upload/", "/replace/", "/delete/", "/versions/", "查看与上传"]


@pytest.fixture
def material(site, cast):
    material = services.material_upload(
        site=site, by=cast.leader, category="other", year=2026, files=[upload("方案.pdf", samples.pdf_bytes())]
    ).materials[0]
    services.material_replace(material=material, upload=upload("方案v2.pdf", samples.pdf_bytes()), by=cast.leader)
    return material  # two versions: the page could offer "restore this version"


def pages(site):
    return [
        f"/sites/{site.pk}/",
        f"/archives/sites/{site.pk}/",
        f"/archives/sites/{site.pk}/photos/",
        "/archives/review/",
    ]


@pytest.mark.parametrize("role", ["district", "instructor"])
def test_reviewers_get_no_upload_replace_or_delete_controls(client, cast, site, material, role):
    client.force_login(getattr(cast, role))
    for url in pages(site):
        html = client.get(url).content.decode()
        for control in UPLOAD_CONTROLS:
            assert control not in html, (url, control)
    assert f"/archives/materials/{material.pk}/review/" in client.get(f"/archives/sites/{site.pk}/").content.decode()


def test_the_sites_leader_gets_them(client, cast, site, material):
    client.force_login(cast.leader)
    html = client.get(f"/archives/sites/{site.pk}/").content.decode()
    for control in ['name="files"', "/replace/", "/delete/", "/versions/"]:
        assert control in html
    assert "查看与上传" in client.get(f"/sites/{site.pk}/").content.decode()


def test_a_viewer_is_offered_no_upload(client, cast, site, material):
    client.force_login(cast.viewer)
    html = client.get(f"/sites/{site.pk}/").content.decode()
    assert "/archives/" not in html and "上传" not in html
    assert client.get(f"/archives/sites/{site.pk}/").status_code == 403
    assert client.get("/archives/review/").status_code == 403


@pytest.mark.parametrize("role", ["district", "instructor"])
def test_empty_pages_do_not_ask_reviewers_to_upload(client, cast, site, role):
    client.force_login(getattr(cast, role))
    for url in pages(site):
        html = client.get(url).content.decode()
        assert "上传创建方案" not in html and "要求上传" not in html and "页面上传" not in html, url
