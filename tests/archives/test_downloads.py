"""Downloads are named by what the file is (recognised by its first bytes), never by the uploader's extension."""

import pytest
from django.core.files.base import ContentFile

from archives import services
from archives.validation import download_name
from tests.archives import samples
from tests.archives.conftest import upload


@pytest.mark.parametrize(
    ("original", "kind", "expected"),
    [
        ("report.html", "pdf", "report.pdf"),
        ("整改报告.pdf.bat", "pdf", "整改报告.pdf"),  # the stem already ends with the real extension: not doubled
        ("照片.JPEG", "jpeg", "照片.jpg"),
        ("照片.jpeg.exe", "jpeg", "照片.jpg"),
        ("制度汇编", "docx", "制度汇编.docx"),
        ("会议纪要 2026.03.05", "pdf", "会议纪要 2026.03.05.pdf"),  # "05" is not an extension
        ("..\\..\\方案.html", "pdf", "方案.pdf"),
        ("report\u202efdp.exe", "pdf", "reportfdp.pdf"),  # a right-to-left override cannot disguise the name
        (".pdf", "pdf", "文件.pdf"),
    ],
)
def test_download_name_takes_the_extension_of_the_detected_type(original, kind, expected):
    assert download_name(original, kind) == expected


def _download(client, cast, site, name, content, **params):
    material = services.material_upload(
        site=site, by=cast.leader, category="other", year=2026, files=[upload(name, content)]
    ).materials[0]
    version = material.versions.get()
    client.force_login(cast.leader)
    return version, client.get(f"/archives/files/{version.pk}/", params)


def test_a_pdf_uploaded_as_html_downloads_as_pdf(client, cast, site):
    _version, response = _download(client, cast, site, "report.html", samples.pdf_bytes(), download="1")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition == "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"


def test_a_double_extension_is_not_kept_and_the_ascii_fallback_stays(client, cast, site):
    version, response = _download(client, cast, site, "整改报告.pdf.bat", samples.pdf_bytes())
    disposition = response["Content-Disposition"]
    fallback = f"material-{version.material_id}-v{version.number}.pdf"
    # 整改报告.pdf, percent-encoded
    assert disposition == f"inline; filename=\"{fallback}\"; filename*=UTF-8''%E6%95%B4%E6%94%B9%E6%8A%A5%E5%91%8A.pdf"


def test_a_thumbnail_downloads_as_jpeg(client, cast, site):
    version, _response = _download(client, cast, site, "logo.png", samples.image_bytes("PNG"))
    version.thumbnail.save("thumb.jpg", ContentFile(samples.image_bytes("JPEG")), save=True)
    response = client.get(f"/archives/files/{version.pk}/thumbnail/")
    assert response["Content-Type"] == "image/jpeg" and "filename*=UTF-8''logo.jpg" in response["Content-Disposition"]
