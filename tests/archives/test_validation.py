"""Uploads are judged by content: every allowed kind accepted, every hostile file refused with a reason."""

from io import BytesIO

import pytest

from archives.validation import UploadRejected, validate
from tests.archives import samples

ALLOWED = {
    "pdf": samples.pdf_bytes,
    "jpeg": lambda: samples.image_bytes("JPEG"),
    "png": lambda: samples.image_bytes("PNG"),
    "webp": lambda: samples.image_bytes("WEBP"),
    "heic": samples.heic_bytes,
    "docx": samples.office_bytes,
    "xlsx": samples.xlsx_bytes,
    "pptx": lambda: samples.office_bytes("ppt/", "presentation.xml"),
    "mp4": samples.mp4_bytes,
}


@pytest.mark.parametrize("kind", list(ALLOWED))
def test_each_allowed_type_is_accepted(kind):
    assert validate(BytesIO(ALLOWED[kind]())).code == kind


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (samples.executable_bytes(), "不支持的文件类型"),  # a renamed .exe, whatever its name says
        (samples.html_bytes(), "不支持的文件类型"),  # HTML named .jpg
        (b"", "文件是空的"),
        (b"\xff\xd8\xff\xe0 not really a jpeg", "图片已损坏"),
        (b"PK\x03\x04 broken zip", "文件已损坏"),
    ],
)
def test_hostile_or_broken_files_are_refused_with_a_reason(content, reason):
    with pytest.raises(UploadRejected, match=reason):
        validate(BytesIO(content))


def test_decompression_bomb_is_refused():
    with pytest.raises(UploadRejected, match="解压炸弹"):
        validate(BytesIO(samples.png_bomb()))


def test_zip_bomb_named_docx_is_refused():
    with pytest.raises(UploadRejected, match="压缩炸弹"):
        validate(BytesIO(samples.zip_bomb_docx()))


def test_a_zip_that_is_not_an_office_file_is_refused():
    from zipfile import ZipFile

    buffer = BytesIO()
    with ZipFile(buffer, "w") as archive:
        archive.writestr("payload.exe", b"MZ")
    with pytest.raises(UploadRejected, match="不支持的文件类型"):
        validate(BytesIO(buffer.getvalue()))


def test_oversized_file_is_refused_with_the_limit(settings):
    settings.ARCHIVE_MAX_MB = {"pdf": 1}
    big = samples.pdf_bytes() + b"0" * (2 * 1024 * 1024)
    with pytest.raises(UploadRejected, match="PDF 文档不能超过 1 MB"):
        validate(BytesIO(big), size=len(big))
    assert validate(BytesIO(samples.pdf_bytes()), size=100).code == "pdf"


def test_an_80_megapixel_png_of_a_few_hundred_kb_is_refused_as_a_bomb():
    with pytest.raises(UploadRejected, match="图片像素过大"):
        validate(BytesIO(samples.png_claiming(10_000, 8_000)))


def test_a_png_too_large_to_decode_within_the_memory_bound_is_refused_but_a_jpeg_of_that_size_is_not():
    with pytest.raises(UploadRejected, match="PNG、WebP 等图片不能超过 2500 万像素"):
        validate(BytesIO(samples.png_claiming(6_000, 5_000)))  # 30 MP: fine as a JPEG, decoded at half scale
    assert validate(BytesIO(samples.png_claiming(5_000, 4_000))).code == "png"


@pytest.mark.parametrize(
    ("folder", "main", "options"),
    [
        ("word/", "document.xml", {}),  # a .docm
        ("xl/", "workbook.xml", {}),  # an .xlsm
        ("ppt/", "presentation.xml", {}),  # a .pptm
        ("word/", "document.xml", {"content_type": False}),  # only the VBA part, content types cleaned
        ("xl/", "workbook.xml", {"content_type": False, "vba_part": "XL/media/VBAPROJECT.BIN"}),  # anywhere, any case
        ("ppt/", "presentation.xml", {"vba_part": None}),  # only the macroEnabled content type
    ],
)
def test_macro_enabled_office_files_are_refused_even_when_named_docx(folder, main, options):
    with pytest.raises(UploadRejected, match="不接受启用宏的 Office 文件"):
        validate(BytesIO(samples.macro_office_bytes(folder, main, **options)))


def test_a_vba_project_content_type_under_another_part_name_is_refused():
    from zipfile import ZipFile

    buffer = BytesIO()
    with ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            samples.CONTENT_TYPES.replace(
                b"/>",
                b'><Override PartName="/word/x.bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>',
            ),
        )
        archive.writestr("word/document.xml", b"<xml/>")
        archive.writestr("word/x.bin", b"\x00" * 64)
    with pytest.raises(UploadRejected, match="启用宏"):
        validate(BytesIO(buffer.getvalue()))
