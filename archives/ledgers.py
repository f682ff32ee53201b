"""Building a ledger (台账): every current material of a site (or region) as a ZIP with an index workbook.

The ZIP is produced by zipstream-ng from files on disk and written to storage chunk by chunk, so a site
with hundreds of megabytes of files never sits in memory. Folders are categories; file names are
`<item code>_<title>_v<version>.<ext>`; the index workbook lists every file.
"""

import re
import tempfile
from datetime import timedelta
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook
from zipstream import ZIP_DEFLATED, ZipStream

from core import excel

from .models import Ledger, Material

EXPIRY = timedelta(days=7)
INDEX_NAME = "台账索引.xlsx"
INDEX_COLUMNS = [
    "序号",
    "类别",
    "文件",
    "标题",
    "佐证的评分项",
    "版本",
    "上传人",
    "上传时间",
    "审核状态",
    "审核人",
    "审核时间",
    "原文件名",
    "SHA-256",
]
UNSAFE = re.compile(r'[\\/:*?"<>|\r\n\t]+')


def ledger_materials(ledger: Ledger):
    materials = (
        Material.objects.filter(deleted_at__isnull=True)
        .select_related("uploaded_by", "reviewed_by")
        .prefetch_related("items", "versions")
    )
    if ledger.site_id:
        return materials.filter(site_id=ledger.site_id)
    if ledger.region_id:
        return materials.filter(site__region__path__startswith=ledger.region.path)
    return materials


def entry_name(material, version, *, with_site: bool = False) -> str:
    """`<category>/<item code>_<title>_v<n>.<ext>`, under the site's folder in a region's ledger."""
    codes = sorted(item.code for item in material.items.all())
    code = codes[0] if codes else material.category.upper()
    title = UNSAFE.sub("_", material.title).strip()[:60] or "材料"
    extension = version.file.name.rsplit(".", 1)[-1]
    folder = UNSAFE.sub("_", material.get_category_display())
    prefix = f"{UNSAFE.sub('_', material.site.name)}/" if with_site else ""
    return f"{prefix}{folder}/{code}_{title}_v{version.number}.{extension}"


def build(ledger_id: int) -> Ledger:
    ledger = Ledger.objects.select_related("site", "region").get(pk=ledger_id)
    Ledger.objects.filter(pk=ledger.pk).update(status=Ledger.Status.RUNNING, error="")
    try:
        _build(ledger)
    except Exception as error:
        Ledger.objects.filter(pk=ledger.pk).update(status=Ledger.Status.FAILED, error=str(error)[:500])
        raise
    return Ledger.objects.get(pk=ledger.pk)


def _build(ledger: Ledger) -> None:
    materials = list(ledger_materials(ledger).select_related("site").order_by("category", "id"))
    Ledger.objects.filter(pk=ledger.pk).update(total_files=len(materials), done_files=0)
    stream = ZipStream(compress_type=ZIP_DEFLATED, compress_level=6)
    index = Workbook(write_only=True)
    sheet = index.create_sheet("台账索引")
    excel.append(sheet, INDEX_COLUMNS)
    used = set()
    for number, material in enumerate(materials, start=1):
        version = material.versions.all()[0] if material.versions.all() else None  # newest first
        if version is None:
            continue
        name = entry_name(material, version, with_site=not ledger.site_id)
        while name in used:  # two materials with the same code and title: keep both
            name = name.replace(f"_v{version.number}.", f"_v{version.number}-{material.pk}.")
        used.add(name)
        stream.add(_chunks(version.file), name)
        excel.append(
            sheet,
            [
                number,
                material.get_category_display(),
                name,
                material.title,
                "、".join(sorted(item.code for item in material.items.all())),
                version.number,
                material.uploaded_by.get_full_name() if material.uploaded_by else "",
                timezone.localtime(version.uploaded_at).strftime("%Y-%m-%d %H:%M"),
                material.get_state_display(),
                material.reviewed_by.get_full_name() if material.reviewed_by else "",
                timezone.localtime(material.reviewed_at).strftime("%Y-%m-%d %H:%M") if material.reviewed_at else "",
                version.original_name,
                version.sha256,
            ],
        )
    with tempfile.TemporaryDirectory() as folder:
        index_path = Path(folder) / "index.xlsx"
        index.save(index_path)
        stream.add_path(str(index_path), INDEX_NAME)
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
    scope = ledger.site.name if ledger.site_id else (ledger.region.name if ledger.region_id else "全市")
    return f"{UNSAFE.sub('_', scope)}_台账_{timezone.localdate():%Y%m%d}"


def expire(now=None) -> int:
    """Remove ledgers past their expiry (files and rows)."""
    now = now or timezone.now()
    expired = list(Ledger.objects.filter(expires_at__lt=now))
    for ledger in expired:
        if ledger.file:
            ledger.file.storage.delete(ledger.file.name)
        ledger.delete()
    return len(expired)
