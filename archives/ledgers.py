"""Building a ledger (台账): every current material of a site (or region) as a ZIP with an index workbook and PDF.

The ZIP is produced by zipstream-ng from files on disk and written to storage chunk by chunk, so a site
with hundreds of megabytes of files never sits in memory. A site's ledger has a folder per category; a region's
(or the city's) has a folder per site, named by the site's name and code (a real city has three 杨柳村党支部),
under its region's path, then the category folders. File names are `<item code>_<title>_v<version>.<ext>`.
The index workbook and PDF list every file. Every folder and file name is built from cleaned segments, so no entry
can climb out of the folder it is extracted to, whatever a site, region or material is called.
"""

import re
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook
from zipstream import ZIP_DEFLATED, ZipStream

from accounts.models import LABEL_SEPARATOR
from core import excel, pdf

from .models import Ledger, Material
from .validation import KINDS

EXPIRY = timedelta(days=7)
INDEX_NAME = "台账索引.xlsx"
INDEX_PDF_NAME = "台账索引.pdf"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: float  # in the workbook, in characters
    pdf_width: float = 0  # in the PDF, in mm of the 273 of an A4 landscape page (a share of it); 0: workbook only
    per_site: bool = False  # the same on every row of a site's own ledger: in its PDF's title instead
    pdf_label: str = ""  # a shorter header for the PDF's narrower column
    pdf_key: str = ""  # what the PDF shows, when not `key`


COLUMNS = [
    Column("number", "序号", 6, 8),
    Column("site", "示范点", 24, 26, per_site=True),
    Column("site_code", "示范点编号", 11, 14, per_site=True, pdf_label="编号"),
    Column("region", "所在区划", 28, 24, per_site=True),
    Column("organization", "党组织", 24, per_site=True),
    Column("category", "类别", 14, 18),
    # The site's folder is named by the site, code and region columns: the PDF shows the path inside it.
    Column("entry", "文件", 50, 48, pdf_key="entry_in_site"),
    Column("title", "标题", 30, 36),
    Column("items", "佐证的评分项", 14, 18, pdf_label="评分项"),
    Column("version", "版本", 6, 8),
    Column("uploaded_by", "上传人", 10, 12),
    Column("uploaded_at", "上传时间", 17, 17),
    Column("state", "审核状态", 10, 12, pdf_label="状态"),
    Column("reviewed_by", "审核人", 10, 12),
    Column("reviewed_at", "审核时间", 17, 17),
    Column("original_name", "原文件名", 30),
    Column("sha256", "SHA-256", 66),
]
INDEX_COLUMNS = [column.label for column in COLUMNS]

# Names are shown by ZIP tools on Windows, macOS and Linux alike: none of the characters one of them refuses or
# takes for a folder separator, no control or invisible characters (a right-to-left override could disguise an
# extension), no name that is only dots or spaces ("..", "."), none of Windows' device names, and a length cap.
UNSAFE = re.compile(r'[\\/:*?"<>|]+')
SEGMENT_MAX = 60
WINDOWS_DEVICES = re.compile(r"(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(\..*)?", re.IGNORECASE)


def safe_segment(text, *, fallback: str = "未命名", limit: int = SEGMENT_MAX) -> str:
    """One folder or file name made of `text`: never empty, ".", ".." or a path of its own."""
    text = unicodedata.normalize("NFC", str(text))
    text = "".join(" " if unicodedata.category(char)[0] in "CZ" and char != " " else char for char in text)
    text = UNSAFE.sub("_", text)
    text = re.sub(r"\s+", " ", text).strip(" .")[:limit].rstrip(" .")
    if not text.strip(" ._"):
        return fallback
    if WINDOWS_DEVICES.fullmatch(text):
        text = f"_{text}"
    return text


def site_folder(site) -> str:
    """`<district>/<town>/<village>/<site name>_<code>`: the site's region path, then the site itself."""
    region = site.region
    levels = (region.label or region.name).split(LABEL_SEPARATOR)
    parts = [safe_segment(level, fallback="未知区划") for level in levels]
    parts.append(f"{safe_segment(site.name, fallback='示范点', limit=SEGMENT_MAX - 7)}_{site.code}")
    return "/".join(parts)


def entry_name(material, version, *, with_site: bool = False, suffix: str = "") -> str:
    """`<category>/<item code>_<title>_v<n>.<ext>`, under the site's folder (site_folder) in a region's ledger."""
    codes = sorted(item.code for item in material.items.all())
    code = safe_segment(codes[0] if codes else material.category.upper(), fallback="材料", limit=20)
    title = safe_segment(material.title, fallback="材料")
    kind = KINDS.get(version.kind)
    extension = kind.extension if kind else re.sub(r"[^A-Za-z0-9]", "", version.file.name.rsplit(".", 1)[-1])[:8]
    category = safe_segment(material.get_category_display(), fallback="其他")
    prefix = f"{site_folder(material.site)}/" if with_site else ""
    return f"{prefix}{category}/{code}_{title}_v{version.number}{suffix}.{extension or 'bin'}"


def ledger_materials(ledger: Ledger):
    materials = (
        Material.objects.filter(deleted_at__isnull=True)
        .select_related("uploaded_by", "reviewed_by", "site__region", "site__organization")
        .prefetch_related("items", "versions")
    )
    if ledger.site_id:
        return materials.filter(site_id=ledger.site_id)
    if ledger.region_id:
        return materials.filter(site__region__path__startswith=ledger.region.path)
    return materials


def build(ledger_id: int) -> Ledger:
    ledger = Ledger.objects.select_related("site__region", "site__organization", "region").get(pk=ledger_id)
    Ledger.objects.filter(pk=ledger.pk).update(status=Ledger.Status.RUNNING, error="")
    try:
        _build(ledger)
    except Exception as error:
        Ledger.objects.filter(pk=ledger.pk).update(status=Ledger.Status.FAILED, error=str(error)[:500])
        raise
    return Ledger.objects.get(pk=ledger.pk)


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def index_row(number: int, material, version, name: str, *, with_site: bool = False) -> dict:
    """One line of the index; a video link (a material with no file) is listed with its address as the entry."""
    site = material.site
    return {
        "entry_in_site": name.removeprefix(f"{site_folder(site)}/") if with_site else name,
        "number": number,
        "site": site.name,
        "site_code": site.code,
        "region": str(site.region),
        "organization": site.organization.name,
        "category": material.get_category_display(),
        "entry": name,
        "title": material.title,
        "items": "、".join(sorted(item.code for item in material.items.all())),
        "version": version.number if version else "",
        "uploaded_by": material.uploaded_by.get_full_name() if material.uploaded_by else "",
        "uploaded_at": _when(version.uploaded_at if version else material.created_at),
        "state": material.get_state_display(),
        "reviewed_by": material.reviewed_by.get_full_name() if material.reviewed_by else "",
        "reviewed_at": _when(material.reviewed_at),
        "original_name": version.original_name if version else "",
        "sha256": version.sha256 if version else "",
    }


def _build(ledger: Ledger) -> None:
    by_site = not ledger.site_id
    order = ("site__region__label", "site__name", "site_id", "category", "id") if by_site else ("category", "id")
    materials = list(ledger_materials(ledger).order_by(*order))
    Ledger.objects.filter(pk=ledger.pk).update(total_files=len(materials), done_files=0)
    stream = ZipStream(compress_type=ZIP_DEFLATED, compress_level=6)
    rows, used = [], set()
    for material in materials:
        version = material.versions.all()[0] if material.versions.all() else None  # newest first
        if version is None:
            if material.link:  # a report video on a video site: in the index, with its address
                rows.append(index_row(len(rows) + 1, material, None, f"视频链接：{material.link}", with_site=by_site))
            continue
        name, tries = entry_name(material, version, with_site=by_site), 0
        while name in used:  # two materials with the same code and title: keep both
            tries += 1
            suffix = f"-{material.pk}" if tries == 1 else f"-{material.pk}-{tries}"
            name = entry_name(material, version, with_site=by_site, suffix=suffix)
        used.add(name)
        stream.add(_chunks(version.file), name)
        rows.append(index_row(len(rows) + 1, material, version, name, with_site=by_site))
    with tempfile.TemporaryDirectory() as folder:
        index_path = Path(folder) / "index.xlsx"
        index_workbook(rows).save(index_path)
        stream.add_path(str(index_path), INDEX_NAME)
        pdf_path = Path(folder) / "index.pdf"
        pdf_path.write_bytes(index_pdf(ledger, rows))
        stream.add_path(str(pdf_path), INDEX_PDF_NAME)
        zip_path = Path(folder) / "ledger.zip"
        _write_zip(stream, zip_path, ledger, total=len(materials))
        with transaction.atomic():
            fresh = Ledger.objects.select_for_update().get(pk=ledger.pk)
            with open(zip_path, "rb") as handle:
                fresh.file.save(f"{_ledger_name(ledger)}.zip", File(handle), save=False)
            fresh.size = zip_path.stat().st_size
            fresh.status, fresh.done_files = Ledger.Status.DONE, len(materials)
            fresh.finished_at = timezone.now()
            fresh.expires_at = fresh.finished_at + EXPIRY
            fresh.save()


def index_workbook(rows) -> Workbook:
    """Every column of every row; user-typed text (titles, names) never becomes a formula (core.excel)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("台账索引")
    excel.header(sheet, [(column.label, column.width) for column in COLUMNS])
    for row in rows:
        excel.append(sheet, [row[column.key] for column in COLUMNS])
    return workbook


def pdf_columns(ledger: Ledger) -> list[Column]:
    """The columns that fit an A4 landscape page; a site's own ledger names the site in its title instead."""
    return [column for column in COLUMNS if column.pdf_width and not (ledger.site_id and column.per_site)]


def index_pdf(ledger: Ledger, rows) -> bytes:
    """The same rows as the workbook, on A4 landscape, under a title naming the scope and the date."""
    today = f"{timezone.localdate():%Y-%m-%d}"
    if ledger.site_id:
        site = ledger.site
        title = f"{site.name}（{site.code}）台账索引"
        subtitle = f"{site.region} · {site.organization.name} · {today} 生成 · 共 {len(rows)} 个文件"
    else:
        scope = str(ledger.region) if ledger.region_id else "全市"
        sites = len({row["site_code"] for row in rows})
        title = f"{scope}台账索引"
        subtitle = f"{today} 生成 · {sites} 个示范点，共 {len(rows)} 个文件"
    columns = pdf_columns(ledger)
    document = pdf.document(landscape=True, title=title)
    pdf.heading(document, title, subtitle=subtitle)
    pdf.table(
        document,
        [(column.pdf_label or column.label, column.pdf_width) for column in columns],
        ([_pdf_cell(column, row) for column in columns] for row in rows),
    )
    return pdf.as_bytes(document)


def _pdf_cell(column: Column, row: dict):
    value = row[column.pdf_key or column.key]
    if column.key.endswith("_at"):  # the time under the date, rather than wrapped in the middle
        return value.replace(" ", "\n")
    return value


def _chunks(field_file, size: int = 1024 * 1024):
    """A file's bytes, read lazily when the ZIP reaches it: works for local disk and object storage alike."""
    with field_file.open("rb") as handle:
        while chunk := handle.read(size):
            yield chunk


def _write_zip(stream, path: Path, ledger: Ledger, *, total: int) -> None:
    """Write the stream to disk; progress is the share of files streamed so far."""
    last = -1
    with open(path, "wb") as handle:
        for chunk in stream:
            handle.write(chunk)
            done = min(stream.num_streamed(), total)
            if done != last and (done - last >= max(1, total // 50) or done == total):
                Ledger.objects.filter(pk=ledger.pk).update(done_files=done)
                last = done


def _ledger_name(ledger: Ledger) -> str:
    if ledger.site_id:
        scope = f"{safe_segment(ledger.site.name, fallback='示范点')}_{ledger.site.code}"
    else:
        scope = safe_segment(ledger.region.name if ledger.region_id else "全市", fallback="区域")
    return f"{scope}_台账_{timezone.localdate():%Y%m%d}"


def expire(now=None) -> int:
    """Remove ledgers past their expiry (files and rows)."""
    now = now or timezone.now()
    expired = list(Ledger.objects.filter(expires_at__lt=now))
    for ledger in expired:
        if ledger.file:
            ledger.file.storage.delete(ledger.file.name)
        ledger.delete()
    return len(expired)
