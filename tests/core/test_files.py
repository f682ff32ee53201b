"""Private files: Chinese file names survive, and production hands the sending to nginx."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db.models import FileField
from django.db.models.fields.files import FieldFile

from core.files import ascii_name, content_disposition, private_file_response


def test_content_disposition_keeps_chinese_names():
    header = content_disposition("创建工作方案 v2.docx", as_attachment=True, fallback="material-7-v2")
    assert header.startswith("attachment;")
    assert "filename*=UTF-8''%E5%88%9B%E5%BB%BA%E5%B7%A5%E4%BD%9C%E6%96%B9%E6%A1%88%20v2.docx" in header
    assert 'filename="material-7-v2.docx"' in header  # a meaningful ASCII name for old clients


@pytest.mark.parametrize(
    ("name", "fallback", "expected"),
    [
        ("创建工作方案.pdf", "material-3-v1", "material-3-v1.pdf"),
        ("2026年度工作总结.docx", "material-4-v2", "material-4-v2.docx"),
        ("Annual report 2026.pdf", "material-5-v1", "Annual_report_2026.pdf"),
        ("示范点名单-20261123.xlsx", "sites-20261123", "sites-20261123.xlsx"),
        ('a"b"c.pdf', "x", "a_b_c.pdf"),
        ("说明", "readme", "readme"),
        ("照片.jpg", "", "download.jpg"),
    ],
)
def test_the_ascii_name_says_what_the_file_is(name, fallback, expected):
    assert ascii_name(name, fallback) == expected


def test_inline_disposition():
    assert content_disposition("照片.jpg", as_attachment=False).startswith("inline;")


def _stored_file(tmp_path):
    """A file as a model's FileField holds it: a name relative to the storage."""
    storage = FileSystemStorage(location=tmp_path)
    name = storage.save("materials/2026/plan.txt", ContentFile(b"hello"))
    return FieldFile(instance=None, field=FileField(storage=storage), name=name)


def test_django_streams_the_file_without_an_accel_prefix(tmp_path, settings):
    settings.PRIVATE_MEDIA_ACCEL_PREFIX = ""
    response = private_file_response(_stored_file(tmp_path), filename="方案.txt")
    assert b"".join(response.streaming_content) == b"hello"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_nginx_sends_the_file_with_an_accel_prefix(tmp_path, settings):
    settings.PRIVATE_MEDIA_ACCEL_PREFIX = "/protected-media/"
    response = private_file_response(_stored_file(tmp_path), filename="方案.txt", content_type="text/plain")
    assert response["X-Accel-Redirect"] == "/protected-media/materials/2026/plan.txt"
    assert response.content == b""
