"""Reading uploaded workbooks: one place that turns any file openpyxl cannot read into a Chinese message.

openpyxl (with defusedxml installed, see requirements.txt) refuses XML with a DTD or entities, and fails in many
ways on a file that is not a workbook. In read-only mode it parses each sheet only while its rows are iterated,
so failures surface long after load_workbook returned: reading therefore happens inside `open_workbook`.

    try:
        with open_workbook(upload) as workbook:
            rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    except UnreadableWorkbook as error:
        ...  # error.messages[0] is the message for the person who uploaded it
"""

import logging
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook

logger = logging.getLogger(__name__)

UNREADABLE = _("文件无法读取，请确认是未损坏的 .xlsx 格式 Excel 文件")


class UnreadableWorkbook(ValidationError):
    """The upload is not a workbook openpyxl can read safely (a ValidationError, so forms can show it)."""

    def __init__(self, message=UNREADABLE):
        super().__init__(message, code="unreadable_workbook")


@contextmanager
def open_workbook(file, *, read_only: bool = True, data_only: bool = True):
    """The workbook in `file`, closed afterwards. Any failure while opening it or reading inside the block raises
    UnreadableWorkbook: whatever a hostile or broken file makes openpyxl raise, the uploader gets one message.
    The original error is logged (without the file's content) for whoever looks into it."""
    try:
        workbook = load_workbook(file, read_only=read_only, data_only=data_only)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        logger.info("unreadable workbook: %s: %s", type(error).__name__, error)
        raise UnreadableWorkbook from error
    try:
        yield workbook
    except UnreadableWorkbook:
        raise
    except Exception as error:  # lazily parsed sheets fail here, while the caller iterates; so would a bug in the
        # caller's own reading code, hence the traceback in the log
        logger.warning("workbook failed while being read: %s: %s", type(error).__name__, error, exc_info=True)
        raise UnreadableWorkbook from error
    finally:
        workbook.close()
