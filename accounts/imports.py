"""Reading user accounts from the import template: every row checked, problems by row and column in Chinese.

Nothing is written here. The upload is kept under MEDIA_ROOT/imports/users for an hour so that the preview's
"confirm" imports exactly what was previewed (services.users_import, all or nothing), then deleted. Reading
never fails with an error page: a file that is not a workbook, that carries a DOCTYPE or entity declaration
(XML bombs), that unpacks to something huge or that has too many rows becomes a message; openpyxl reads
rows lazily in read-only mode, so the whole iteration is inside the guard, not only the opening.
"""

import re
from dataclasses import dataclass, field

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from core.previews import PreviewStore
from core.xlsx import cell_text, choice_values, open_workbook

from .choices import DataScope
from .models import PartyOrganization, Region, User
from .permissions import assignable_roles, grantable_scopes, is_administrator
from .region_paths import one_region, regions_matching
from .roles import Role
from .selectors import organizations_visible_to
from .validators import INVALID_PHONE, is_phone

COLUMNS = [
    ("用户名", 16),
    ("姓名", 10),
    ("手机号", 14),
    ("邮箱", 24),
    ("工作单位", 24),
    ("角色", 14),
    ("数据范围", 10),
    ("所辖区域", 30),
    ("所属党组织", 28),
    ("党组织所在区划", 30),
]
REQUIRED = ["用户名", "姓名", "角色"]
MAX_ROWS = 2000


class UnreadableFile(ValidationError):
    """The upload cannot be used as it is (a missing column, too many rows); the message says why, in Chinese."""


@dataclass
class ImportRow:
    number: int
    values: dict
    errors: list[str] = field(default_factory=list)
    account: dict = field(default_factory=dict)  # what services.user_create takes, once the row is checked


@dataclass
class ImportPreview:
    rows: list[ImportRow]
    errors: list[str]
    token: str = ""

    @property
    def ok_count(self) -> int:
        return sum(1 for row in self.rows if not row.errors)


STORE = PreviewStore("users")


def preview_upload(upload, manager) -> ImportPreview:
    path, token = STORE.store(upload, manager)
    preview = read_users(path, manager)
    preview.token = token
    return preview


def preview_from_token(token: str, manager) -> ImportPreview | None:
    """The preview of an upload this manager made within the hour, read again; None when gone or forged."""
    path = STORE.path_of(token, manager)
    if path is None:
        return None
    preview = read_users(path, manager)
    preview.token = token
    return preview


def discard(token: str, manager) -> None:
    STORE.discard(token, manager)


def _read_rows(path) -> list[ImportRow]:
    with open_workbook(path) as workbook:  # core.xlsx: refused packages and failures while reading are one message
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = [cell_text(value) for value in next(rows, ())]
        missing = [label for label in REQUIRED if label not in header]
        if missing:
            raise UnreadableFile(_("表头缺少列：%(columns)s（请使用下载的模板）") % {"columns": "、".join(missing)})
        parsed = []
        too_many = _("超过 %(count)s 行，请分批导入") % {"count": MAX_ROWS}
        for number, values in enumerate(rows, start=2):
            if number > MAX_ROWS * 5:  # even blank (formatted) rows cost time to read
                raise UnreadableFile(too_many)
            if not values or all(cell_text(value) == "" for value in values):
                continue
            if number > MAX_ROWS + 1:
                raise UnreadableFile(too_many)
            cells = {label: cell_text(values[i]) if i < len(values) else "" for i, label in enumerate(header) if label}
            parsed.append(ImportRow(number, cells))
        return parsed


def read_users(path, manager) -> ImportPreview:
    try:
        rows = _read_rows(path)
    except ValidationError as error:  # UnreadableFile, or core.xlsx's UnreadableWorkbook
        return ImportPreview([], error.messages)
    if not rows:
        return ImportPreview([], [_("表格中没有用户（第一行是表头，从第二行起每行一个用户）")])
    _check(rows, manager)
    errors = [
        _("第 %(row)s 行：%(error)s") % {"row": row.number, "error": message} for row in rows for message in row.errors
    ]
    return ImportPreview(rows, errors)


ROLES, SCOPES = choice_values(Role), choice_values(DataScope)


def _within(manager, region) -> bool:
    """Whether `region` lies in what `manager` oversees (the same rule as selectors.regions_grantable_by)."""
    if manager.is_superuser or manager.scope == DataScope.CITY:
        return True
    return bool(manager.scope == DataScope.REGION and manager.region_id and region.is_within(manager.region))


def _column(column: str, message: str) -> str:
    return _("「%(column)s」%(message)s") % {"column": column, "message": message}


def _check(rows: list[ImportRow], manager) -> None:
    places = {row.values.get(column, "") for row in rows for column in ("所辖区域", "党组织所在区划")}
    regions = regions_matching(places)
    names = {row.values.get("所属党组织", "") for row in rows} - {""}
    organizations: dict[str, list] = {}
    for organization in PartyOrganization.objects.filter(name__in=names).select_related("region"):
        organizations.setdefault(organization.name, []).append(organization)
    visible = set(
        organizations_visible_to(manager)
        .filter(pk__in=[o.pk for found in organizations.values() for o in found])
        .values_list("pk", flat=True)
    )
    usernames = {row.values.get("用户名", "") for row in rows}
    taken = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    may_grant, scopes = set(assignable_roles(manager)), set(grantable_scopes(manager))
    seen: dict[str, int] = {}
    for row in rows:
        v, errors = row.values, row.errors
        username = _check_username(v.get("用户名", ""), row, seen, taken)
        if not v.get("姓名"):
            errors.append(_column("姓名", _("不能为空")))
        elif len(v["姓名"]) > 50:
            errors.append(_column("姓名", _("不能超过 50 个字")))
        if v.get("手机号") and not is_phone(v["手机号"]):
            errors.append(_column("手机号", INVALID_PHONE % {"value": v["手机号"]}))
        if v.get("邮箱"):
            try:
                validate_email(v["邮箱"])
            except ValidationError:
                errors.append(_column("邮箱", _("“%(value)s”不是有效的邮箱地址") % {"value": v["邮箱"]}))
        if len(v.get("工作单位", "")) > 200:
            errors.append(_column("工作单位", _("不能超过 200 个字")))
        roles = _check_roles(v.get("角色", ""), errors, may_grant)
        scope = SCOPES.get(v.get("数据范围") or str(DataScope.ASSIGNED.label))
        if scope is None:
            choices = "、".join(str(label) for label in DataScope.labels)
            errors.append(
                _column("数据范围", _("“%(value)s”应为 %(choices)s") % {"value": v["数据范围"], "choices": choices})
            )
        elif scope not in scopes:
            errors.append(
                _column("数据范围", _("只有全市范围的管理人员才能授予“%(scope)s”") % {"scope": DataScope(scope).label})
            )
        region = _check_region(v.get("所辖区域", ""), scope, errors, regions, manager)
        organization = _check_organization(v, errors, regions, organizations, visible)
        if not errors and not is_administrator(manager) and manager.scope != DataScope.CITY:
            # A region-scoped manager must still see the account afterwards (selectors.users_visible_to).
            in_reach = (region is not None and _within(manager, region)) or (
                organization is not None and _within(manager, organization.region)
            )
            if not in_reach:
                errors.append(
                    _column("所属党组织", _("请填写您辖区内的党组织（或所辖区域），否则导入后您将无法管理该用户"))
                )
        row.account = {
            "username": username,
            "full_name": v.get("姓名", ""),
            "phone": v.get("手机号", ""),
            "email": v.get("邮箱", ""),
            "unit": v.get("工作单位", ""),
            "roles": roles,
            "scope": scope or DataScope.ASSIGNED,
            "region": region,
            "organization": organization,
        }


def _check_username(username: str, row: ImportRow, seen: dict, taken: set) -> str:
    if not username:
        row.errors.append(_column("用户名", _("不能为空")))
        return username
    try:
        UnicodeUsernameValidator()(username)
        if len(username) > 150:
            raise ValidationError("too long")
    except ValidationError:
        row.errors.append(
            _column("用户名", _("“%(value)s”只能包含字母、数字和 @ . + - _，不超过 150 个字符") % {"value": username})
        )
    if username in seen:
        row.errors.append(
            _column("用户名", _("“%(value)s”与第 %(row)s 行重复") % {"value": username, "row": seen[username]})
        )
    elif username in taken:
        row.errors.append(_column("用户名", _("“%(value)s”已被系统中的其他用户使用") % {"value": username}))
    seen.setdefault(username, row.number)
    return username


def _check_roles(text: str, errors: list, may_grant: set) -> list[str]:
    roles = []
    for word in re.split(r"[、,，;；/\s]+", text):
        if not word:
            continue
        code = ROLES.get(word)
        if code is None:
            choices = "、".join(str(label) for label in Role.labels)
            errors.append(
                _column(
                    "角色", _("“%(value)s”不是有效的角色（可填：%(choices)s）") % {"value": word, "choices": choices}
                )
            )
        elif code not in may_grant:
            errors.append(_column("角色", _("您无权授予“%(role)s”") % {"role": Role(code).label}))
        else:
            roles.append(code)
    if not text:
        errors.append(_column("角色", _("不能为空")))
    return roles


def _check_region(text: str, scope, errors: list, regions: dict, manager) -> Region | None:
    if not text:
        if scope == DataScope.REGION:
            errors.append(_column("所辖区域", _("数据范围为“所辖区域”时必须填写")))
        return None
    if scope != DataScope.REGION:
        errors.append(_column("所辖区域", _("只在数据范围为“所辖区域”时填写")))
        return None
    region, problem = one_region(text, regions)
    if problem:
        errors.append(_column("所辖区域", problem))
        return None
    if not _within(manager, region):
        errors.append(_column("所辖区域", _("“%(region)s”不在您的数据范围内") % {"region": region}))
        return None
    return region


def _check_organization(v: dict, errors: list, regions: dict, organizations: dict, visible: set):
    name, place = v.get("所属党组织", ""), v.get("党组织所在区划", "")
    if not name:
        if place:
            errors.append(_column("党组织所在区划", _("填写了区划，但没有填写所属党组织")))
        return None
    candidates = organizations.get(name, [])
    if place:
        where, problem = one_region(place, regions)
        if problem:
            errors.append(_column("党组织所在区划", problem))
            return None
        candidates = [o for o in candidates if o.region_id == where.pk]
        if not candidates:
            errors.append(
                _column("所属党组织", _("“%(region)s”没有名为“%(name)s”的党组织") % {"region": where, "name": name})
            )
            return None
    if not candidates:
        errors.append(_column("所属党组织", _("系统中没有“%(name)s”") % {"name": name}))
        return None
    if len(candidates) > 1:
        places = "、".join(f"“{o.region}”" for o in candidates[:3])
        errors.append(
            _column(
                "所属党组织",
                _("“%(name)s”有重名（%(places)s），请填写“党组织所在区划”区分") % {"name": name, "places": places},
            )
        )
        return None
    organization = candidates[0]
    if organization.pk not in visible:
        errors.append(_column("所属党组织", _("“%(organization)s”不在您的数据范围内") % {"organization": organization}))
        return None
    return organization
