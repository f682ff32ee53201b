"""Upload validation by content, never by name: what a file really is, and whether it is safe to keep.

Pure functions over a file object: the type is recognised from its first bytes, images are opened with
Pillow (decompression bombs refused), Office files are inspected as ZIP archives (entry count, expanded
size and compression ratio capped, macros refused). Every refusal carries a reason in Chinese for the uploader.
"""

import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image

from core.images import size_problem

MB = 1024 * 1024


class UploadRejected(Exception):
    """A file that may not be kept; str() is the reason shown to the uploader."""


@dataclass(frozen=True)
class FileKind:
    code: str  # pdf, jpeg, png, webp, heic, docx, xlsx, pptx, mp4
    label: str  # lazily translated
    extension: str
    content_type: str
    is_image: bool = False
    inline: bool = False  # opened in the browser rather than downloaded


KINDS = {
    "pdf": FileKind("pdf", gettext_lazy("PDF 文档"), "pdf", "application/pdf", inline=True),
    "jpeg": FileKind("jpeg", gettext_lazy("JPEG 图片"), "jpg", "image/jpeg", is_image=True, inline=True),
    "png": FileKind("png", gettext_lazy("PNG 图片"), "png", "image/png", is_image=True, inline=True),
    "webp": FileKind("webp", gettext_lazy("WebP 图片"), "webp", "image/webp", is_image=True, inline=True),
    "heic": FileKind("heic", gettext_lazy("HEIC 照片"), "heic", "image/heic"),
    "docx": FileKind(
        "docx",
        gettext_lazy("Word 文档"),
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xlsx": FileKind(
        "xlsx", gettext_lazy("Excel 表格"), "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ),
    "pptx": FileKind(
        "pptx",
        gettext_lazy("PowerPoint 演示文稿"),
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    "mp4": FileKind("mp4", gettext_lazy("MP4 视频"), "mp4", "video/mp4"),
}
DEFAULT_MAX_MB = {
    "pdf": 50,
    "jpeg": 20,
    "png": 20,
    "webp": 20,
    "heic": 20,
    "docx": 30,
    "xlsx": 30,
    "pptx": 100,
    "mp4": 500,
}
HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
MP4_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"dash", b"MSNV"}
OFFICE_PARTS = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
ZIP_MAX_ENTRIES = 5000
ZIP_MAX_EXPANDED = 500 * MB
ZIP_MAX_RATIO = 200
CONTENT_TYPES_MAX = 1 * MB  # [Content_Types].xml of a real document is a few KB


EXTENSION_ALIASES = {"jpg": {"jpg", "jpeg", "jpe"}}
LOOKS_LIKE_EXTENSION = re.compile(r"[A-Za-z0-9]{0,4}[A-Za-z][A-Za-z0-9]{0,4}")


def download_name(original_name: str, kind: str, *, fallback: str = "文件") -> str:
    """The uploader's name with the extension of what the file really is (`kind`): "report.html" holding a PDF is
    "report.pdf", "整改报告.pdf.bat" is "整改报告.pdf". Its own extension is dropped when it looks like one ("05" of
    "2026.03.05" does not); path parts and invisible characters (e.g. right-to-left overrides) go."""
    name = "".join(char for char in original_name if unicodedata.category(char)[0] != "C")
    name = re.split(r"[\\/]", name)[-1].strip()
    if kind not in KINDS:
        return name or fallback
    extension = KINDS[kind].extension
    same = EXTENSION_ALIASES.get(extension, {extension})
    stem, dot, own = name.rpartition(".")
    if not dot or not LOOKS_LIKE_EXTENSION.fullmatch(own):
        stem, own = name, ""
    if own.lower() not in same:
        inner, dot, inner_own = stem.rpartition(".")
        if dot and inner_own.lower() in same:
            stem = inner
    stem = stem.strip().strip(".") or fallback
    return f"{stem}.{extension}"


def max_bytes(kind: str) -> int:
    limits = {**DEFAULT_MAX_MB, **getattr(settings, "ARCHIVE_MAX_MB", {})}
    return limits[kind] * MB


def sniff(head: bytes) -> str | None:
    """The kind a file's first bytes say it is, or None."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in HEIC_BRANDS:
            return "heic"
        if brand in MP4_BRANDS:
            return "mp4"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    return None


def validate(upload, *, size: int | None = None) -> FileKind:
    """Identify and check `upload` (a file object positioned anywhere). Returns its kind or raises UploadRejected."""
    upload.seek(0)
    head = upload.read(64)
    upload.seek(0)
    size = size if size is not None else getattr(upload, "size", None)
    if not head:
        raise UploadRejected("文件是空的")
    code = sniff(head)
    if code == "zip":
        code = _office_kind(upload)
    if code is None:
        raise UploadRejected(
            "不支持的文件类型：只接受 PDF、JPEG、PNG、WebP、HEIC、Word、Excel、PowerPoint 和 MP4 文件"
            "（按文件内容识别，改扩展名无效）"
        )
    kind = KINDS[code]
    if size is not None and size > max_bytes(code):
        raise UploadRejected(f"{kind.label}不能超过 {max_bytes(code) // MB} MB")
    if kind.is_image:
        _check_image(upload)
    upload.seek(0)
    return kind


def _office_kind(upload) -> str | None:
    """A ZIP is accepted only as a well-formed, reasonably sized Word, Excel or PowerPoint file."""
    try:
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
            if len(entries) > ZIP_MAX_ENTRIES:
                raise UploadRejected("压缩内容的条目过多，疑似压缩炸弹，已拒绝")
            expanded = sum(entry.file_size for entry in entries)
            compressed = sum(entry.compress_size for entry in entries) or 1
            if expanded > ZIP_MAX_EXPANDED or expanded / compressed > ZIP_MAX_RATIO:
                raise UploadRejected("文件解压后体积异常巨大，疑似压缩炸弹，已拒绝")
            names = {entry.filename for entry in entries}
    except zipfile.BadZipFile as error:
        raise UploadRejected("文件已损坏，无法作为 Office 文档打开") from error
    finally:
        upload.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    for code, folder in OFFICE_PARTS.items():
        if any(name.startswith(folder) for name in names):
            _refuse_macros(upload, names)
            return code
    return None


def _refuse_macros(upload, names) -> None:
    """A .docm, .xlsm or .pptm (or one renamed .docx) carries VBA code that runs when opened: never kept.

    Macros show as a "macroEnabled" content type, as a VBA project content type (the part may have any name) or as a
    vbaProject.bin part, wherever it sits."""
    reason = _("不接受启用宏的 Office 文件（.docm、.xlsm、.pptm），请另存为不含宏的 .docx、.xlsx 或 .pptx 后重新上传")
    if any(name.rsplit("/", 1)[-1].lower() == "vbaproject.bin" for name in names):
        raise UploadRejected(reason)
    try:
        with zipfile.ZipFile(upload) as archive:
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > CONTENT_TYPES_MAX:
                raise UploadRejected(_("文件结构异常，无法作为 Office 文档打开"))
            content_types = archive.read(info)
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise UploadRejected(_("文件已损坏，无法作为 Office 文档打开")) from error
    finally:
        upload.seek(0)
    text = content_types.decode("utf-16" if content_types[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8", "replace")
    if "macroenabled" in text.lower() or "vbaproject" in text.lower():
        raise UploadRejected(reason)


def _check_image(upload) -> None:
    # Pillow reads only the header on open, so the pixel count is known before anything is decoded; the limits
    # (core.images) are those the photo processing job can decode within its memory bound.
    try:
        with Image.open(upload) as image:
            problem = size_problem(image)
            if problem:
                raise UploadRejected(problem)
            image.verify()
    except Image.DecompressionBombError as error:
        raise UploadRejected("图片像素过大，疑似解压炸弹，已拒绝") from error
    except UploadRejected:
        raise
    except Exception as error:  # Pillow raises many kinds for a broken image
        raise UploadRejected("图片已损坏或格式不正确，无法打开") from error
    finally:
        upload.seek(0)
