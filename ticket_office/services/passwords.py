"""bcrypt at cost 12, with a dummy hash so unknown users take as long as known ones."""

from __future__ import annotations

import functools

import bcrypt

from ticket_office.domain.passwords import MAX_UTF8_BYTES, check_new_password

BCRYPT_COST = 12


@functools.cache
def _dummy_hash() -> bytes:
    # Made on first use, not at import: hashing costs ~0.25 s the app need not pay at start-up.
    return bcrypt.hashpw(b"no such operator, same cost", bcrypt.gensalt(BCRYPT_COST))


def hash_new_password(password: str) -> bytes:
    return bcrypt.hashpw(check_new_password(password), bcrypt.gensalt(BCRYPT_COST))


def verify(password: object, stored_hash: bytes | None) -> bool:
    """True if `password` matches; always spends one bcrypt check, whatever the input."""
    encoded = _utf8(password)
    usable = encoded is not None and 0 < len(encoded) <= MAX_UTF8_BYTES
    candidate = encoded if usable else b"\0"
    matched = bcrypt.checkpw(candidate, stored_hash or _dummy_hash())
    return matched and usable and stored_hash is not None


def _utf8(password: object) -> bytes | None:
    """The password's UTF-8, or None for what no stored password can be (not text, or text
    with a lone surrogate): such a try is a wrong password like any other."""
    if not isinstance(password, str):
        return None
    try:
        return password.encode("utf-8")
    except UnicodeEncodeError:
        return None
