"""Real (tiny) files of every kind, and hostile ones, made in memory for upload tests."""

import struct
import zipfile
import zlib
from io import BytesIO

from openpyxl import Workbook
from PIL import Image

CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def image_bytes(fmt="JPEG", size=(40, 30), exif=None) -> bytes:
    buffer = BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    Image.new("RGB", size, (200, 22, 29)).save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° when shown
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}  # GPSInfo
    return image_bytes("JPEG", size=(40, 30), exif=exif)


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def office_bytes(folder="word/", main="document.xml") -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr(f"{folder}{main}", b"<xml/>")
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    buffer = BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def mp4_bytes() -> bytes:
    return struct.pack(">I", 24) + b"ftypisom" + b"\x00\x00\x02\x00isomiso2" + b"\x00" * 64


def heic_bytes() -> bytes:
    return struct.pack(">I", 24) + b"ftypheic" + b"\x00\x00\x00\x00mif1heic" + b"\x00" * 64


def executable_bytes() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120 + b"This program cannot be run in DOS mode."


def html_bytes() -> bytes:
    return b"<!doctype html><html><script>alert(document.cookie)</script></html>"


def png_bomb() -> bytes:
    """A valid PNG header claiming 50,000 × 50,000 pixels: tiny on disk, 7.5 GB once decoded."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 50_000, 50_000, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 100))
        + chunk(b"IEND", b"")
    )


def zip_bomb_docx() -> bytes:
    """A .docx whose one part expands 50 MB of zeros from about 50 KB."""
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("word/document.xml", b"\x00" * (50 * 1024 * 1024))
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A well-formed PNG (valid chunks and checksums) whose header claims width × height pixels."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 100))
        + chunk(b"IEND", b"")
    )


MACRO_CONTENT_TYPES = (
    b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Override PartName="/%s" ContentType="application/vnd.ms-%s.macroEnabled.main+xml"/></Types>'
)


def macro_office_bytes(folder="word/", main="document.xml", *, content_type=True, vba_part="vbaProject.bin") -> bytes:
    """A macro-enabled Office file (.docm, .xlsm, .pptm): a macroEnabled content type and/or a VBA project part."""
    app = {"word/": b"word.document", "xl/": b"excel.sheet", "ppt/": b"powerpoint.presentation"}[folder]
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        types = MACRO_CONTENT_TYPES % (f"{folder}{main}".encode(), app) if content_type else CONTENT_TYPES
        archive.writestr("[Content_Types].xml", types)
        archive.writestr(f"{folder}{main}", b"<xml/>")
        if vba_part:
            archive.writestr(vba_part, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)  # an OLE compound file
    return buffer.getvalue()
