"""Reading uploaded workbooks: the one place every import opens an .xlsx, so none of them can answer a 500.

Before openpyxl sees the file, `upload_problem` refuses what is not a ZIP package, what unpacks to a "zip bomb",
and XML parts that declare a DOCTYPE or entities (no spreadsheet program writes them; XML entity attacks start
there; openpyxl with defusedxml would refuse them too, but late and in English). In read-only mode openpyxl
parses each sheet only while its rows are iterated, so failures surface long after load_workbook returned:
reading therefore happens inside `open_workbook`, which turns any failure into one Chinese message.

    try:
        with open_workbook(upload) as workbook:
            rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    except UnreadableWorkbook as error:
        ...  # error.messages[0] is the message for the person who uploaded it
"""

import logging
import zipfile
from contextlib import contextmanager
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook

logger = logging.getLogger(__name__)

MAX_UNPACKED_BYTES = 50 * 1024 * 1024
_FORBIDDEN_XML = (b"<!doctype", b"<!entity")
UNREADABLE = _("文件无法读取，请确认是未损坏的 .xlsx 格式 Excel 文件（不是 .xls、CSV，也不是改了扩展名的文件）")
TOO_LARGE = _("文件解压后过大，请确认是正常的 Excel 文件，或分批导入")
FORBIDDEN_XML = _("文件中含有不允许的 XML 声明（DOCTYPE 或实体），请用 Excel 另存为新的 .xlsx 文件后再上传")


class UnreadableWorkbook(ValidationError):
    """The upload is not a workbook openpyxl can read safely (a ValidationError, so forms can show it)."""

    def __init__(self, message=UNREADABLE):
        super().__init__(message, code="unreadable_workbook")


def upload_problem(file) -> str | None:
    """Why an uploaded .xlsx must not be opened, in Chinese, or None (see the module docstring)."""
    try:
        if hasattr(file, "seek"):
            file.seek(0)
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
            if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
                return str(TOO_LARGE)
            for member in members:
                if not member.filename.endswith((".xml", ".rels", ".vml")):
                    continue
                with archive.open(member) as part:
                    tail = b""
                    while chunk := part.read(64 * 1024):
                        window = (tail + chunk).lower().replace(b"\x00", b"")  # UTF-16 parts too
                        if any(marker in window for marker in _FORBIDDEN_XML):
                            return str(FORBIDDEN_XML)
                        tail = chunk[-32:]
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError, EOFError):
        return str(UNREADABLE)
    finally:
        if hasattr(file, "seek"):
            file.seek(0)
    return None


@contextmanager
def open_workbook(file, *, read_only: bool = True, data_only: bool = True):
    """The workbook in `file`, closed afterwards. A refused package, or any failure while opening it or reading
    inside the block, raises UnreadableWorkbook: whatever a hostile or broken file makes openpyxl raise, the
    uploader gets one message. The original error is logged (without the file's content)."""
    problem = upload_problem(file)
    if problem:
        raise UnreadableWorkbook(problem)
    try:
        workbook = load_workbook(file, read_only=read_only, data_only=data_only)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        logger.info("unreadable workbook: %s: %s", type(error).__name__, error)
        raise UnreadableWorkbook from error
    try:
        yield workbook
    except ValidationError:
        raise  # the reader's own message (a missing column, too many rows…)
    except Exception as error:  # lazily parsed sheets fail here, while the caller iterates; so would a bug in the
        # caller's own reading code, hence the traceback in the log
        logger.warning("workbook failed while being read: %s: %s", type(error).__name__, error, exc_info=True)
        raise UnreadableWorkbook from error
    finally:
        workbook.close()


def choice_values(choices) -> dict[str, str]:
    """What an import accepts for a TextChoices column: each code, and each label in every language the product
    speaks, so a file filled in from a template made under either language reads back the same."""
    values = {code: code for code in choices.values}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            values.update({str(label): code for code, label in choices.choices})
    return values


def cell_text(value) -> str:
    """A cell as the text the user typed: Excel stores 13800000000 typed into a cell as a number, 2026 as a
    float, a date as a datetime."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()
