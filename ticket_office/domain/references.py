"""Booking references: six characters a clerk can read out over a noisy counter.

The alphabet leaves out 0/O, 1/I/L and U/V, which are misheard or misread.
"""

from __future__ import annotations

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
LENGTH = 6


def new_reference() -> str:
    # One draw from the OS for all six characters (one syscall, not six), read in base 29.
    number = secrets.randbelow(len(ALPHABET) ** LENGTH)
    characters = []
    for _ in range(LENGTH):
        number, digit = divmod(number, len(ALPHABET))
        characters.append(ALPHABET[digit])
    return "".join(characters)


def normalise_reference(text: str) -> str:
    """Accept what a clerk types: lower case and spaces are fine."""
    return "".join(text.split()).upper()


def looks_like_reference(text: str) -> bool:
    value = normalise_reference(text)
    return len(value) == LENGTH and all(ch in ALPHABET for ch in value)
