"""Formula injection: every workbook the product writes keeps user-typed text as text.

A brand name, an address, a material title or a file name that starts with "=", "+", "-", "@", a tab or a
carriage return must arrive in Excel as the same text, never as a live formula.
"""

import zipfile
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook

from archives import ledgers, services
from core import excel
from standards import defaults, exports
from tests.archives import samples
from tests.archives.conftest import upload
from tests.factories import SiteFactory

PAYLOADS = ['=HYPERLINK("http://evil.example","点我")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)", "\t=1", "\r=1"]


def _cells(workbook_bytes: bytes):
    workbook = load_workbook(BytesIO(workbook_bytes))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def assert_text_only(workbook_bytes: bytes, payloads):
    cells = _cells(workbook_bytes)
    # XML reads a carriage return back as a line feed; the point is only that the cell is text.
    payloads = {payload.replace("\r", "\n") for payload in payloads}
    found = {cell.value: cell for cell in cells if cell.value in payloads}
    assert set(found) == set(payloads), f"missing: {set(payloads) - set(found)}"
    for cell in found.values():
        assert cell.data_type == "s", f"{cell.coordinate} {cell.value!r} is a {cell.data_type}"
    assert not [cell for cell in cells if cell.data_type == "f"]


@pytest.mark.parametrize("write_only", [True, False])
def test_the_helper_keeps_formula_like_text_as_text(write_only):
    workbook = Workbook(write_only=write_only)
    sheet = workbook.create_sheet("表") if write_only else workbook.active
    excel.header(sheet, [("名称", 10)])
    for payload in PAYLOADS:
        excel.append(sheet, [payload, 5, "普通文字"])
    buffer = BytesIO()
    workbook.save(buffer)
    assert_text_only(buffer.getvalue(), PAYLOADS)
    numbers = [cell for cell in _cells(buffer.getvalue()) if cell.value == 5]
    assert numbers and all(cell.data_type == "n" for cell in numbers)  # numbers stay numbers


def test_site_export_writes_typed_text_as_text(client, cast, city):
    SiteFactory(
        organization=city.org_a,
        name=PAYLOADS[0],
        brand_name=PAYLOADS[1],
        secretary_name=PAYLOADS[3],
        state="formal",
    )
    client.force_login(cast.staff)
    response = client.get("/sites/export.xlsx")
    assert_text_only(b"".join(response.streaming_content), [*PAYLOADS[:2], PAYLOADS[3]])


def test_standards_export_writes_typed_text_as_text(db):
    standard = defaults.build_evaluation_standard(2026)
    item = standard.items.order_by("id").first()
    item.title, item.guide = PAYLOADS[0], PAYLOADS[2]
    item.save()
    assert_text_only(exports.standard_workbook(standard), [PAYLOADS[0], PAYLOADS[2]])


def test_ledger_index_writes_typed_text_as_text(city, cast, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    site = SiteFactory(organization=city.org_a)
    services.material_upload(
        site=site,
        by=cast.staff,
        category="other",
        year=2026,
        title=PAYLOADS[0],
        files=[upload("@evil.pdf", samples.pdf_bytes())],
    )
    with django_capture_on_commit_callbacks(execute=True):
        ledger = services.ledger_request(site=site, by=cast.staff)
    ledger.refresh_from_db()
    with ledger.file.open("rb") as handle, zipfile.ZipFile(BytesIO(handle.read())) as archive:
        index = archive.read(ledgers.INDEX_NAME)
    assert_text_only(index, [PAYLOADS[0], "@evil.pdf"])


def test_user_workbooks_write_typed_text_as_text(client, cast, city):
    """The user import template (its example comes from the database) and the one-time password list."""
    from accounts import exports as account_exports

    city.org_a.name = PAYLOADS[0]
    city.org_a.save()
    client.force_login(cast.admin)
    template = client.get("/accounts/users/import/template.xlsx").content
    assert_text_only(template, [PAYLOADS[0]])
    passwords = account_exports.passwords_response([["-leader", PAYLOADS[3], "示范点负责人", "+Ab3kPq7mZ"]])
    assert_text_only(passwords.content, ["-leader", PAYLOADS[3], "+Ab3kPq7mZ"])
