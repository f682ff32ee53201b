"""The upload page tells the browser the server's own limits; nothing chosen is answered in words."""

import json
import re

import pytest

from archives import services
from archives.validation import MB
from tests.archives import samples
from tests.archives.conftest import upload


def rules(html: str) -> dict:
    block = re.search(r'<script id="upload-rules" type="application/json">(.*?)</script>', html, re.DOTALL)
    return json.loads(block.group(1))


def test_the_page_carries_the_accepted_types_and_size_limits_as_data(client, cast, site, settings):
    settings.ARCHIVE_MAX_MB = {"pdf": 50, "mp4": 300}
    client.force_login(cast.leader)
    html = client.get(f"/archives/sites/{site.pk}/").content.decode()
    data = rules(html)
    pdf = next(kind for kind in data["kinds"] if kind["extensions"][0] == "pdf")
    assert pdf["max_bytes"] == 50 * MB and pdf["types"] == ["application/pdf"] and pdf["label"] == "PDF 文档"
    mp4 = next(kind for kind in data["kinds"] if "mp4" in kind["extensions"])
    assert mp4["max_mb"] == 300  # the deployment's own limit, not a copy in the script
    jpeg = next(kind for kind in data["kinds"] if "jpg" in kind["extensions"])
    assert "jpeg" in jpeg["extensions"]
    assert data["messages"]["missing"] == "请选择文件或填写视频链接"
    assert "%(limit)s" in data["messages"]["size"]
    # Under the CSP every executable script comes from a file; the rules are a data block.
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag


def test_reviewers_pages_carry_no_upload_rules(client, cast, site):
    client.force_login(cast.instructor)
    assert 'id="upload-rules"' not in client.get(f"/archives/sites/{site.pk}/").content.decode()


def test_upload_with_nothing_chosen_says_what_is_missing(client, cast, site):
    client.force_login(cast.leader)
    url = f"/archives/sites/{site.pk}/upload/"
    page = client.post(url, {"category": "other", "year": 2026}, follow=True).content.decode()
    assert "请选择文件或填写视频链接" in page
    answer = client.post(url, {"category": "other", "year": 2026}, HTTP_ACCEPT="application/json")
    assert answer.status_code == 400 and answer.json()["error"] == "请选择文件或填写视频链接"


@pytest.fixture
def material(site, cast):
    return services.material_upload(
        site=site, by=cast.leader, category="other", year=2026, files=[upload("方案.pdf", samples.pdf_bytes())]
    ).materials[0]


def test_replace_with_nothing_chosen_says_what_is_missing(client, cast, material):
    client.force_login(cast.leader)
    response = client.post(f"/archives/materials/{material.pk}/replace/", {}, follow=True)
    assert "请选择要上传的新版本文件" in response.content.decode()
    assert material.versions.count() == 1


def test_replace_forms_are_checked_by_the_script(client, cast, material):
    client.force_login(cast.leader)
    html = client.get(f"/archives/sites/{material.site_id}/").content.decode()
    form = re.search(rf'<form[^>]*action="/archives/materials/{material.pk}/replace/"[^>]*>', html).group(0)
    assert "data-replace" in form
