"""The one phone-number rule: mainland mobiles and landlines with an area code (and an optional extension)."""

import pytest
from django.core.exceptions import ValidationError

from accounts.validators import is_phone, validate_phone

VALID = [
    "13800138000",
    "19912345678",
    "+86 138 0013 8000",
    "8613800138000",
    "138-0013-8000",
    "１３８００１３８０００",  # full-width digits from a Chinese input method
    "0571-87654321",
    "057187654321",
    "(0571)87654321",
    "010-62345678",
    "0571-87654321-8001",
    "0571-87654321转8001",
    "0571 8765 4321",
]
INVALID = [
    "12345678901",  # no mobile prefix starts with 12
    "1380013800",  # ten digits
    "138001380001",  # twelve digits
    "87654321",  # a landline without its area code
    "0571-1234567",  # local numbers never start with 1
    "110",
    "abc",
    "13800138000; DROP TABLE",
    "=1+1",
]


@pytest.mark.parametrize("value", VALID)
def test_valid_numbers_are_accepted(value):
    assert is_phone(value)
    validate_phone(value)


@pytest.mark.parametrize("value", INVALID)
def test_invalid_numbers_are_refused_with_a_chinese_reason(value):
    assert not is_phone(value)
    with pytest.raises(ValidationError, match="不是有效的电话号码"):
        validate_phone(value)


def test_blank_is_left_to_the_field():
    validate_phone("")
