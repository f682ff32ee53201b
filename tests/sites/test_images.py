"""A site's brand emblem and tour-stop photos are re-encoded on upload: no EXIF, no GPS position kept."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from sites.choices import GroupRole
from sites.models import CreationGroupMember, TourStop
from tests.archives import samples
from tests.factories import SiteFactory

GPS, MAKE = 0x8825, 0x010F


@pytest.fixture
def site(city, cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    site = SiteFactory(name="甲村示范点", organization=city.org_a)
    CreationGroupMember.objects.create(site=site, role=GroupRole.LEADER, name="组长", user=cast.leader)
    return site


def assert_no_metadata(field_file):
    with field_file.open("rb") as handle:
        data = handle.read()
    assert b"PhoneMaker" not in data
    with Image.open(BytesIO(data)) as image:
        exif = image.getexif()
        assert not exif and not exif.get_ifd(GPS)
        assert image.size == (30, 40)  # turned upright as the EXIF asked, before it was dropped


def test_the_brand_emblem_is_saved_without_exif(client, cast, site):
    assert Image.open(BytesIO(samples.jpeg_with_gps())).getexif().get_ifd(GPS)  # the upload has a position
    client.force_login(cast.leader)
    emblem = SimpleUploadedFile("标识.jpg", samples.jpeg_with_gps(), content_type="image/jpeg")
    response = client.post(f"/sites/{site.pk}/edit/", {"brand_name": "红色甲村", "brand_emblem": emblem})
    assert response.status_code == 302
    site.refresh_from_db()
    assert site.brand_emblem.name.endswith(".jpg")
    assert_no_metadata(site.brand_emblem)


def test_tour_stop_photos_are_saved_without_exif(client, cast, site):
    client.force_login(cast.leader)
    photo = SimpleUploadedFile("入口.jpg", samples.jpeg_with_gps(), content_type="image/jpeg")
    data = {
        "route-TOTAL_FORMS": "1",
        "route-INITIAL_FORMS": "0",
        "route-MIN_NUM_FORMS": "0",
        "route-MAX_NUM_FORMS": "1000",
        "route-0-order": "1",
        "route-0-title": "党群服务中心",
        "route-0-description": "",
        "route-0-photo": photo,
    }
    response = client.post(f"/sites/{site.pk}/people/route/", data)
    assert response.status_code == 302
    assert_no_metadata(TourStop.objects.get(site=site).photo)


def test_a_gif_emblem_is_kept_as_png(client, cast, site):
    buffer = BytesIO()
    Image.new("P", (16, 16), 3).save(buffer, format="GIF")
    client.force_login(cast.leader)
    emblem = SimpleUploadedFile("标识.gif", buffer.getvalue(), content_type="image/gif")
    assert client.post(f"/sites/{site.pk}/edit/", {"brand_emblem": emblem}).status_code == 302
    site.refresh_from_db()
    assert site.brand_emblem.name.endswith(".png")
    with site.brand_emblem.open("rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"


def test_an_emblem_too_large_to_decode_is_refused(client, cast, site):
    client.force_login(cast.leader)
    bomb = SimpleUploadedFile("标识.png", samples.png_claiming(10_000, 8_000), content_type="image/png")
    html = client.post(f"/sites/{site.pk}/edit/", {"brand_emblem": bomb}).content.decode()
    assert "图片像素过大" in html
    site.refresh_from_db()
    assert not site.brand_emblem


def test_a_truncated_photo_is_refused_with_a_reason(client, cast, site):
    buffer = BytesIO()
    Image.effect_noise((400, 300), 60).convert("RGB").save(buffer, format="JPEG")
    truncated = buffer.getvalue()[: len(buffer.getvalue()) // 2]  # its header passes Django's check
    client.force_login(cast.leader)
    emblem = SimpleUploadedFile("标识.jpg", truncated, content_type="image/jpeg")
    html = client.post(f"/sites/{site.pk}/edit/", {"brand_emblem": emblem}).content.decode()
    assert "图片已损坏或格式不正确" in html
