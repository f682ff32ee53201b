"""One-time passwords: what an administrator reads out or hands over when opening or resetting an account.

Ten characters, without the look-alikes (0/O/o, 1/l/I, 2/Z, 5/S, 8/B…) that make a password read over the
phone or copied from paper fail, always mixing upper case, lower case and digits, and always accepted by
AUTH_PASSWORD_VALIDATORS. The holder must change it at the next login (User.must_change_password).
"""

import secrets

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

UPPER = "ACDEFGHJKLMNPQRTUVWXY"
LOWER = "abcdefghjkmnpqrtuvwxy"
DIGITS = "34679"
ALPHABET = UPPER + LOWER + DIGITS
LENGTH = 10


def one_time_password(user=None) -> str:
    while True:
        chars = [secrets.choice(UPPER), secrets.choice(LOWER), secrets.choice(DIGITS)]
        chars += [secrets.choice(ALPHABET) for _ in range(LENGTH - len(chars))]
        secrets.SystemRandom().shuffle(chars)
        password = "".join(chars)
        try:
            password_validation.validate_password(password, user)
        except ValidationError:  # e.g. too similar to the username: draw again
            continue
        return password
