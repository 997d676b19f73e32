"""bcrypt at cost 12, computed on the desk: the server keeps only sha256 of the result.

`proof` is what a desk sends to sign in: bcrypt(password, the salt the server gave). Whatever
the input, it spends one bcrypt computation, so a refused password takes as long as a right one.
"""

from __future__ import annotations

import bcrypt

from ticket_office.domain.passwords import MAX_UTF8_BYTES, check_new_password

BCRYPT_COST = 12


def hash_new_password(password: str) -> str:
    """A new password's bcrypt hash (its salt and its proof at once), if it meets the policy."""
    return bcrypt.hashpw(check_new_password(password), bcrypt.gensalt(BCRYPT_COST)).decode()


def proof(password: object, salt: str) -> str:
    """bcrypt(password, salt); for what no stored password can be (not text, a lone surrogate,
    empty or longer than bcrypt reads), the proof of a character no password holds, which the
    server refuses like any wrong password."""
    encoded = _utf8(password)
    usable = encoded is not None and 0 < len(encoded) <= MAX_UTF8_BYTES
    return bcrypt.hashpw(encoded if usable else b"\0", salt.encode("ascii")).decode()


def _utf8(password: object) -> bytes | None:
    if not isinstance(password, str):
        return None
    try:
        return password.encode("utf-8")
    except UnicodeEncodeError:
        return None
