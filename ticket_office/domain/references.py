"""Booking references: six characters a clerk can read out over a noisy counter.

The alphabet leaves out 0/O, 1/I/L and U/V, which are misheard or misread.
"""

from __future__ import annotations

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
LENGTH = 6


_WEIGHTS = tuple(len(ALPHABET) ** place for place in range(LENGTH))
_COMBINATIONS = len(ALPHABET) ** LENGTH


def new_reference() -> str:
    # One draw from the OS for all six characters, read in base 29. 64 random bits modulo
    # 29**6 favour no reference by more than 29**6 / 2**64 (about 3e-11).
    number = secrets.randbits(64) % _COMBINATIONS
    return "".join([ALPHABET[number // weight % len(ALPHABET)] for weight in _WEIGHTS])


def normalise_reference(text: str) -> str:
    """Accept what a clerk types: lower case and spaces are fine."""
    return "".join(text.split()).upper()


def looks_like_reference(text: str) -> bool:
    value = normalise_reference(text)
    return len(value) == LENGTH and all(ch in ALPHABET for ch in value)
