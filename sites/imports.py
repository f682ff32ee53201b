"""Reading sites from the import template: each row checked, problems reported by row and column in Chinese.

Nothing is written here. The upload is kept under MEDIA_ROOT/imports so that the preview's "confirm" imports
exactly what was previewed (services.sites_import, all or nothing); it is deleted once imported, at once when
the preview found errors (there is nothing to confirm), and otherwise by the hourly job (tasks.py) once its
token has expired. A token names one user's upload and is refused to anyone else.

Reading never fails with a server error: a file that is not a workbook, declares XML entities, is too large
or breaks while its rows are read (openpyxl reads rows lazily in read-only mode) becomes a message.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from accounts.choices import Domain
from accounts.models import PartyOrganization
from accounts.region_paths import regions_matching
from accounts.selectors import organizations_visible_to
from accounts.validators import INVALID_PHONE, is_phone
from core.previews import PreviewStore
from core.xlsx import UnreadableWorkbook, cell_text, choice_values, open_workbook

from .choices import SiteLevel, SiteState
from .exports import IMPORT_COLUMNS, PHONE_COLUMNS
from .models import Site

MAX_ROWS = 5000


@dataclass
class ImportRow:
    number: int
    values: dict
    errors: list[str] = field(default_factory=list)

    @property
    def organization(self) -> PartyOrganization | None:
        """The organization the row was matched to (shown with its region path in the preview)."""
        return self.values.get("_organization")


@dataclass
class ImportPreview:
    rows: list[ImportRow]
    errors: list[str]
    token: str = ""

    @property
    def ok_count(self) -> int:
        return sum(1 for row in self.rows if not row.errors)


DOMAINS, LEVELS, STATES = choice_values(Domain), choice_values(SiteLevel), choice_values(SiteState)


# --- The stored upload ----------------------------------------------------------------------------------


STORE = PreviewStore("sites")


def preview_upload(upload, user) -> ImportPreview:
    """Store the upload, read it for `user`; only an upload without errors is kept (for its confirmation)."""
    path, token = STORE.store(upload, user)
    preview = read_sites(path, user)
    if preview.errors:
        path.unlink(missing_ok=True)
    else:
        preview.token = token
    return preview


def preview_from_token(token: str, user) -> ImportPreview | None:
    """The preview of `user`'s stored upload, read again (the database may have changed), or None."""
    path = STORE.path_of(token, user)
    if path is None:
        return None
    preview = read_sites(path, user)
    preview.token = token
    return preview


def discard(token: str, user) -> None:
    """Delete the stored upload of a preview that was imported (or cannot be any more)."""
    STORE.discard(token, user)


# --- Reading --------------------------------------------------------------------------------------------


def _read_rows(file) -> tuple[list[str], list[ImportRow], str]:
    """The header and the non-empty rows of the first sheet, or an error; UnreadableWorkbook for a file that
    cannot be read (core.xlsx: checked before opening, and any failure while the rows are iterated)."""
    with open_workbook(file) as workbook:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = [cell_text(v) for v in next(rows, ())]
        parsed = []
        for number, values in enumerate(rows, start=2):
            if number > MAX_ROWS + 1:
                return header, [], f"超过 {MAX_ROWS} 行，请分批导入"
            if not values or all(v in (None, "") for v in values):
                continue
            cells = {label: cell_text(values[i]) if i < len(values) else "" for i, label in enumerate(header) if label}
            parsed.append(ImportRow(number, cells))
        return header, parsed, ""


def read_sites(file, user) -> ImportPreview:
    """Read and check an import workbook for `user` (whose data scope bounds the organizations)."""
    try:
        header, parsed, error = _read_rows(file)
    except UnreadableWorkbook as error:
        return ImportPreview([], error.messages)
    if error:
        return ImportPreview([], [error])
    required = [label for label, _w in IMPORT_COLUMNS if label not in ("所在区划", "状态")]
    missing = [label for label in required if label not in header]
    if missing:
        return ImportPreview([], ["表头缺少列：" + "、".join(missing) + "（请使用下载的模板）"])
    _check(parsed, user)
    errors = [f"第 {row.number} 行：{message}" for row in parsed for message in row.errors]
    if not parsed:
        errors.append("表格中没有示范点")
    return ImportPreview(parsed, errors)


# --- Regions and organizations ----------------------------------------------------------------------------


def _labels_of(regions) -> str:
    return "；".join(sorted(str(region) for region in regions))


def _organization(row: ImportRow, by_name, visible: set[int], regions: dict) -> PartyOrganization | None:
    """The row's organization, told apart from same-named ones by the region path; a message when it cannot
    be found, is ambiguous, or lies outside the user's scope."""
    v = row.values
    name, where = v.get("党组织", ""), v.get("所在区划", "")
    if not name:
        row.errors.append("「党组织」不能为空")
        return None
    candidates = by_name.get(name, [])
    named_regions = regions.get(where, []) if where else []
    if where:
        if not named_regions:
            row.errors.append(f"「所在区划」系统中没有“{where}”（请填写区划路径，如“临江区 · 石门镇 · 杨柳村”）")
            return None
        candidates = [o for o in candidates if any(o.region.is_within(r) for r in named_regions)]
    if not candidates:
        row.errors.append(f"「党组织」系统中没有“{name}”" + (f"（在“{where}”）" if where else ""))
        return None
    in_scope = [o for o in candidates if o.pk in visible]
    if not in_scope:
        places = _labels_of(o.region for o in candidates)
        row.errors.append(f"「党组织」“{name}”（{places}）不在您的数据范围内，不能导入")
        return None
    if len(in_scope) > 1:
        places = _labels_of(o.region for o in in_scope)
        if where and len(named_regions) > 1:
            row.errors.append(f"「所在区划」“{where}”对应多个区划：{places}；请填写完整的区划路径")
        else:
            row.errors.append(f"「党组织」“{name}”有重名：{places}；请在“所在区划”填写其区划路径")
        return None
    return in_scope[0]


def _check(rows: list[ImportRow], user) -> None:
    names = {row.values.get("党组织", "") for row in rows} - {""}
    by_name: dict[str, list] = defaultdict(list)
    for organization in PartyOrganization.objects.filter(name__in=names):
        by_name[organization.name].append(organization)
    visible = set(organizations_visible_to(user).filter(name__in=names).values_list("pk", flat=True))
    regions = regions_matching({row.values.get("所在区划", "") for row in rows})
    existing = set(Site.objects.filter(organization__name__in=names).values_list("organization_id", "nomination_year"))
    seen = {}
    for row in rows:
        v = row.values
        if not v.get("示范点名称"):
            row.errors.append("「示范点名称」不能为空")
        organization = _organization(row, by_name, visible, regions)
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
        for column in PHONE_COLUMNS:  # the one phone rule of the product, with the forms' own message
            if v.get(column) and not is_phone(v[column]):
                row.errors.append(f"「{column}」{INVALID_PHONE % {'value': v[column]}}")
        if organization and year:
            key = (organization.pk, year)
            if key in seen:
                row.errors.append(f"与第 {seen[key]} 行重复（同一党组织同一年度）")
            elif key in existing:
                row.errors.append(f"系统中已有该党组织 {year} 年的示范点")
            seen.setdefault(key, row.number)
        row.values.update(
            {"_organization": organization, "_domain": domain, "_level": level, "_state": state, "_year": year}
        )
