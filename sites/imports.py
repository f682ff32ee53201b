"""Reading sites from the import template: each row checked, problems reported by row and column in Chinese.

Nothing is written here. The upload is kept under MEDIA_ROOT/imports for an hour so that the preview's
"confirm" can import exactly what was previewed (services.sites_import, all or nothing).
"""

import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core import signing
from openpyxl import load_workbook

from accounts.choices import Domain
from accounts.models import PartyOrganization
from accounts.validators import is_phone

from .choices import SiteLevel, SiteState
from .exports import IMPORT_COLUMNS
from .models import Site

MAX_ROWS = 5000
TOKEN_MAX_AGE = 3600
SALT = "sites.import"


@dataclass
class ImportRow:
    number: int
    values: dict
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportPreview:
    rows: list[ImportRow]
    errors: list[str]
    token: str = ""

    @property
    def ok_count(self) -> int:
        return sum(1 for row in self.rows if not row.errors)


def _labels(choices) -> dict[str, str]:
    mapping = {str(label): value for value, label in choices.choices}
    mapping.update({value: value for value in choices.values})
    return mapping


DOMAINS, LEVELS, STATES = _labels(Domain), _labels(SiteLevel), _labels(SiteState)


def _import_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def preview_upload(upload) -> ImportPreview:
    name = f"{uuid.uuid4().hex}.xlsx"
    with open(_import_dir() / name, "wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    preview = read_sites(_import_dir() / name)
    preview.token = signing.dumps(name, salt=SALT)
    return preview


def preview_from_token(token: str) -> ImportPreview | None:
    try:
        name = signing.loads(token, salt=SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    path = _import_dir() / Path(name).name
    if not path.exists():
        return None
    preview = read_sites(path)
    preview.token = token
    return preview


def read_sites(file) -> ImportPreview:
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        return ImportPreview([], ["无法读取文件，请确认是 .xlsx 格式的 Excel 文件"])
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [str(v).strip() if v is not None else "" for v in next(rows, ())]
        required = [label for label, _w in IMPORT_COLUMNS if label not in ("所在区划", "状态")]
        missing = [label for label in required if label not in header]
        if missing:
            return ImportPreview([], ["表头缺少列：" + "、".join(missing) + "（请使用下载的模板）"])
        parsed = []
        for number, values in enumerate(rows, start=2):
            if number > MAX_ROWS:
                return ImportPreview(parsed, [f"超过 {MAX_ROWS} 行，请分批导入"])
            if not values or all(v in (None, "") for v in values):
                continue
            cells = {
                label: ("" if i >= len(values) or values[i] is None else str(values[i]).strip())
                for i, label in enumerate(header)
                if label
            }
            parsed.append(ImportRow(number, cells))
    finally:
        workbook.close()
    _check(parsed)
    errors = [f"第 {row.number} 行：{message}" for row in parsed for message in row.errors]
    if not parsed:
        errors.append("表格中没有示范点")
    return ImportPreview(parsed, errors)


def _check(rows: list[ImportRow]) -> None:
    names = {row.values.get("党组织", "") for row in rows}
    organizations: dict[str, list] = {}
    for organization in PartyOrganization.objects.filter(name__in=names).select_related("region"):
        organizations.setdefault(organization.name, []).append(organization)
    seen = {}
    for row in rows:
        v = row.values
        if not v.get("示范点名称"):
            row.errors.append("「示范点名称」不能为空")
        candidates = organizations.get(v.get("党组织", ""), [])
        if v.get("所在区划"):
            candidates = [o for o in candidates if o.region.name == v["所在区划"]]
        organization = None
        if not v.get("党组织"):
            row.errors.append("「党组织」不能为空")
        elif not candidates:
            where = f"（在{v['所在区划']}）" if v.get("所在区划") else ""
            row.errors.append(f"「党组织」系统中没有“{v['党组织']}”{where}")
        elif len(candidates) > 1:
            row.errors.append(f"「党组织」“{v['党组织']}”有重名，请填写“所在区划”区分")
        else:
            organization = candidates[0]
        domain = DOMAINS.get(v.get("领域", ""))
        if domain is None:
            row.errors.append(f"「领域」“{v.get('领域', '')}”不是有效的领域")
        elif organization and organization.domain != domain:
            row.errors.append(f"「领域」与党组织的领域（{Domain(organization.domain).label}）不一致")
        level = LEVELS.get(v.get("级别") or "市级")
        if level is None:
            row.errors.append(f"「级别」“{v['级别']}”应为市级或区县级")
        state = STATES.get(v.get("状态") or "已推荐")
        if state is None:
            row.errors.append(f"「状态」“{v['状态']}”不是有效的状态")
        try:
            year = int(float(v.get("推荐年度", "")))
            if not 2000 <= year <= 2100:
                raise ValueError
        except ValueError:
            row.errors.append("「推荐年度」应为四位年份")
            year = None
        for column in ("书记电话", "联系电话"):
            if v.get(column) and not is_phone(v[column]):
                row.errors.append(f"「{column}」“{v[column]}”不是有效的电话号码")
        if organization and year:
            key = (organization.pk, year)
            if key in seen:
                row.errors.append(f"与第 {seen[key]} 行重复（同一党组织同一年度）")
            elif Site.objects.filter(organization=organization, nomination_year=year).exists():
                row.errors.append(f"系统中已有该党组织 {year} 年的示范点")
            seen.setdefault(key, row.number)
        row.values.update(
            {"_organization": organization, "_domain": domain, "_level": level, "_state": state, "_year": year}
        )
