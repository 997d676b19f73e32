"""Password policy. bcrypt reads at most 72 bytes, so longer passwords are refused, not cut."""

from __future__ import annotations

from ticket_office.domain.errors import ValidationError
from ticket_office.domain.text_rules import has_control_characters

MIN_CHARACTERS = 10
MAX_UTF8_BYTES = 72


def check_new_password(password: object) -> bytes:
    """Return the password's UTF-8 bytes if it meets the policy."""
    if not isinstance(password, str):
        raise ValidationError("Type the new password.", field="password")
    if len(password) < MIN_CHARACTERS:
        raise ValidationError(
            f"A password needs at least {MIN_CHARACTERS} characters.", field="password"
        )
    # Control, invisible and direction-changing characters (and lone surrogates, which have no
    # UTF-8) cannot be typed again reliably at a login box.
    if has_control_characters(password):
        raise ValidationError("A password cannot contain control characters.", field="password")
    if not password.strip():
        raise ValidationError("A password cannot be only spaces.", field="password")
    encoded = password.encode("utf-8")
    if len(encoded) > MAX_UTF8_BYTES:
        raise ValidationError(
            f"A password can be at most {MAX_UTF8_BYTES} bytes of UTF-8 "
            f"(this one is {len(encoded)}); use fewer or simpler characters.",
            field="password",
        )
    return encoded
