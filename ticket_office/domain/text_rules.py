"""Rules for text people type: names, usernames, station codes, free text."""

from __future__ import annotations

import re
import unicodedata

from ticket_office.domain.errors import ValidationError

MAX_PASSENGER_NAME = 80
MAX_DISPLAY_NAME = 80
MAX_USERNAME = 32
_USERNAME = re.compile(r"^[a-z][a-z0-9._-]*$")
_STATION_CODE = re.compile(r"^[A-Z0-9]{2,8}$")


_CONTROL_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
# Hangul fillers are letters to Unicode but print as blank space: a name of them looks empty.
_BLANK_LETTERS_AS_SPACES = str.maketrans(dict.fromkeys("\u115f\u1160\u3164\uffa0", " "))


# Zero-width (non-)joiners shape letters in Arabic-script and Indic names (مهدی‌زاده): between
# two letters of a script that joins they are part of the name; anywhere else (between Latin
# letters, say) they only make two names that look the same differ.
_JOINERS = frozenset("\u200c\u200d")
_JOINING_SCRIPTS = (
    (0x0600, 0x08FF),  # Arabic, Syriac, Thaana, N'Ko and Arabic supplements
    (0x0900, 0x0DFF),  # Devanagari to Sinhala
    (0x0F00, 0x109F),  # Tibetan, Myanmar
    (0x1780, 0x18AF),  # Khmer, Mongolian
    (0xFB50, 0xFDFF),  # Arabic presentation forms
    (0xFE70, 0xFEFF),
)


def has_control_characters(text: str, *, joiners_in_words: bool = False) -> bool:
    if text.isprintable():  # fast path: printable text has no character of those categories
        return False
    return any(
        unicodedata.category(ch) in _CONTROL_CATEGORIES
        and not (joiners_in_words and ch in _JOINERS and _joins_letters(text, i))
        for i, ch in enumerate(text)
    )


def _joins_letters(text: str, i: int) -> bool:
    def letter(ch: str) -> bool:
        joining = any(low <= ord(ch) <= high for low, high in _JOINING_SCRIPTS)
        return joining and unicodedata.category(ch)[0] in "LM"

    return 0 < i < len(text) - 1 and letter(text[i - 1]) and letter(text[i + 1])


def quoted(text: str | None, limit: int = 20) -> str:
    """Someone's input, safe to repeat in a message: no control or direction-changing
    characters (they could reorder or hide the rest of the message), at most `limit` long."""
    shown = "".join(ch for ch in (text or "") if not has_control_characters(ch))
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def clean_text(
    text: str | None,
    *,
    label: str,
    max_length: int,
    field: str | None = None,
    joiners_in_words: bool = False,
) -> str:
    """Trim and check a single-line text; raise a ValidationError that names `label`."""
    if text is not None and not isinstance(text, str):
        raise ValidationError(f"{label} must be text.", field=field)
    value = (text or "").translate(_BLANK_LETTERS_AS_SPACES).strip()
    value = unicodedata.normalize("NFC", value)
    if not value:
        raise ValidationError(f"{label} is empty.", field=field)
    if has_control_characters(value, joiners_in_words=joiners_in_words):
        raise ValidationError(f"{label} contains control characters.", field=field)
    if len(value) > max_length:
        raise ValidationError(
            f"{label} is too long ({len(value)} characters, at most {max_length}).", field=field
        )
    return " ".join(value.split())


def passenger_name(text: str | None, position: int | None = None) -> str:
    label = "Passenger name" if position is None else f"Passenger {position}'s name"
    name = clean_text(
        text, label=label, max_length=MAX_PASSENGER_NAME, field="name", joiners_in_words=True
    )
    if not any(ch.isalpha() for ch in name):
        raise ValidationError(f"{label} must contain letters.", field="name")
    return name


def username(text: str | None) -> str:
    value = clean_text(text, label="Username", max_length=MAX_USERNAME, field="username").lower()
    if not _USERNAME.match(value):
        raise ValidationError(
            "A username starts with a letter and uses only a-z, 0-9, dot, dash or underscore.",
            field="username",
        )
    return value


def display_name(text: str | None) -> str:
    return clean_text(text, label="Display name", max_length=MAX_DISPLAY_NAME, field="display_name")


def station_code(text: str | None) -> str:
    value = clean_text(text, label="Station code", max_length=8, field="code").upper()
    if not _STATION_CODE.match(value):
        raise ValidationError("A station code is 2-8 letters or digits.", field="code")
    return value
