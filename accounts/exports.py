"""Workbooks of accounts: the user import template and the list of one-time passwords of an import.

Every cell goes through core.excel, so text typed by users (a unit, a username starting with "-" or "@")
never becomes a formula.
"""

from io import BytesIO

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from core import excel
from core.files import content_disposition

from .choices import DataScope, RegionKind
from .imports import COLUMNS, MAX_ROWS
from .models import User
from .permissions import assignable_roles, grantable_scopes
from .roles import Role
from .selectors import organizations_manageable_by, regions_grantable_by

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _unused_username(base: str, taken: set[str]) -> str:
    candidate, number = base, 1
    while candidate in taken or User.objects.filter(username=candidate).exists():
        number += 1
        candidate = f"{base}{number}"
    taken.add(candidate)
    return candidate


def example_rows(manager) -> list[list]:
    """Rows that import as they stand for this manager: a site leader of an organization in their scope and a
    district liaison of a region in it, under usernames nobody has yet."""
    taken: set[str] = set()
    rows = []
    organization = (
        organizations_manageable_by(manager).filter(region__depth__gte=3).order_by("region__path", "name").first()
        or organizations_manageable_by(manager).order_by("region__path", "name").first()
    )
    grantable = regions_grantable_by(manager)
    region = (
        grantable.filter(kind=RegionKind.DISTRICT).order_by("path").first()
        or grantable.filter(depth__gte=1).order_by("depth", "path").first()
        or grantable.order_by("depth", "path").first()
    )
    if organization is not None:
        rows.append(
            [
                _unused_username("zhangsan", taken),
                "张三",
                "13900001111",
                "",
                organization.name,
                str(Role.LEADER.label),
                str(DataScope.ASSIGNED.label),
                "",
                organization.name,
                organization.region.label,
            ]
        )
    if region is not None:
        rows.append(
            [
                _unused_username("lisi", taken),
                "李四",
                "13900002222",
                "",
                f"{region.name}委组织部" if region.kind == RegionKind.DISTRICT else region.name,
                str(Role.DISTRICT.label),
                str(DataScope.REGION.label),
                region.label,
                "",
                "",
            ]
        )
    return rows


def import_template_response(manager) -> HttpResponse:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "用户"
    excel.header(sheet, COLUMNS)
    for row in example_rows(manager):
        excel.append(sheet, row)
    roles = [str(Role(code).label) for code in assignable_roles(manager)]
    scopes = [str(DataScope(code).label) for code in grantable_scopes(manager)]
    labels = [label for label, _width in COLUMNS]
    last = MAX_ROWS + 1
    excel.choice_list(workbook, sheet, column=labels.index("角色") + 1, options=roles, title="角色", last_row=last)
    excel.choice_list(
        workbook, sheet, column=labels.index("数据范围") + 1, options=scopes, title="数据范围", last_row=last
    )
    notes = workbook.create_sheet("填写说明", 1)
    notes.column_dimensions["A"].width = 110
    for line in [
        _("每行一个用户；前几行是按您的数据范围生成的示例，可以照此填写，导入前请删除或改写。"),
        _("必填：用户名（登录用，字母、数字或 @ . + - _，不能与系统中已有的重复）、姓名、角色。"),
        _("手机号：11 位手机号，或带区号的固定电话（如 0571-87654321）。"),
        _("角色：从下拉列表中选择（%(roles)s）；一人多个角色的，导入后在用户页添加。") % {"roles": "、".join(roles)},
        _("数据范围：%(scopes)s；留空为“指定对象”。") % {"scopes": "、".join(scopes)},
        _("  · 全市：可见全市数据；所辖区域：可见“所辖区域”及其下级的数据（须填写所辖区域）；"),
        _("  · 指定对象：只见指派给本人的示范点（示范点负责人通过创建小组关联，督查指导员、联络员在用户页指派）。"),
        _("所辖区域、党组织所在区划：填写区划的完整路径，如“临江区 · 石门镇 · 杨柳村”，"),
        _("  也可用“/”“-”“·”分隔（临江区/石门镇/杨柳村）；村社区名称全市唯一时，可只填最后一级。"),
        _("所属党组织：须与系统中的党组织名称完全一致；有重名时用“党组织所在区划”区分。"),
        _("导入前系统会逐行检查并列出问题；任何一行有问题都不会导入。"),
        _("导入后每个新用户得到一个一次性密码（导入结果页可下载名单），首次登录时必须修改密码。"),
    ]:
        excel.append(notes, [line])
    buffer = BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition(
        "用户导入模板.xlsx", as_attachment=True, fallback="user-import-template"
    )
    return response


PASSWORD_COLUMNS = [("用户名", 18), ("姓名", 12), ("角色", 20), ("一次性密码", 16)]


def passwords_response(accounts: list[list[str]]) -> HttpResponse:
    """The new accounts of an import with their one-time passwords, to hand over (never stored)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("初始密码")
    excel.header(sheet, PASSWORD_COLUMNS)
    for row in accounts:
        excel.append(sheet, row)
    buffer = BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    today = timezone.localdate()
    response["Content-Disposition"] = content_disposition(
        f"新用户初始密码-{today:%Y%m%d}.xlsx", as_attachment=True, fallback=f"new-accounts-{today:%Y%m%d}"
    )
    response["Cache-Control"] = "no-store"
    return response
