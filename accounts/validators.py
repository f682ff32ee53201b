"""The one phone-number rule of the product, used by model fields (and so every form) and by every import.

Accepted: a mainland mobile number (11 digits starting 13–19, optionally with +86 or 86 in front, spaces or
hyphens between groups), or a landline with its area code (010, 0571…; the area code may be in brackets or
followed by a hyphen) and an optional extension after "-", "转", "ext" or "#". Full-width digits, which
Chinese input methods produce, count like ASCII ones.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _lazy

MOBILE = re.compile(r"(?:\+?86)?1[3-9]\d{9}")
LANDLINE = re.compile(r"(?:\(0\d{2,3}\)|0\d{2,3}-?)[2-9]\d{6,7}(?:(?:-|转|ext\.?|#)\d{1,6})?", re.IGNORECASE)


def _compact(value: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))


def is_phone(value: str) -> bool:
    compact = _compact(value)
    return bool(MOBILE.fullmatch(compact.replace("-", "")) or LANDLINE.fullmatch(compact))


INVALID_PHONE = _lazy(
    "“%(value)s”不是有效的电话号码：请填写 11 位手机号，或带区号的固定电话（如 0571-87654321，分机加“-8001”）"
)


def validate_phone(value: str) -> None:
    """Model-field validator: blank values are the field's business (blank=True), not this rule's."""
    if value and not is_phone(value):
        raise ValidationError(INVALID_PHONE % {"value": value}, code="invalid_phone")
