"""Reading a secret for the command line: typed at the terminal without echo, or one line of
piped standard input.

Whatever goes wrong while reading (Ctrl-D, bytes that are not UTF-8) becomes a
TicketOfficeError whose text says what to do, so the command ends with a message.
"""

from __future__ import annotations

import getpass
import sys

from ticket_office.domain.errors import ValidationError


def is_interactive() -> bool:
    stdin = sys.stdin
    return stdin is not None and not stdin.closed and stdin.isatty()


def ask_secret(prompt: str, *, repeat: bool = False) -> str:
    """Typed at the terminal without echo; with `repeat`, typed twice and compared."""
    first = _typed(prompt)
    if repeat and _typed("Repeat it: ") != first:
        raise ValidationError("The two passwords differ; nothing was changed.")
    return first


def piped_secret(what: str) -> str:
    """The first line of standard input, without its line ending."""
    stdin = sys.stdin
    if stdin is None or stdin.closed:
        raise ValidationError(f"No {what} was given: standard input is closed.")
    raw = stdin.buffer.readline() if hasattr(stdin, "buffer") else stdin.readline().encode()
    if not raw:
        raise ValidationError(f"No {what} was given: standard input was empty.")
    return checked_text(raw.rstrip(b"\r\n"), what, "standard input")


def checked_text(value: bytes | str, what: str, source: str) -> str:
    """`value` as text, or an error naming `source` when it is not valid UTF-8."""
    try:
        if isinstance(value, bytes):
            return value.decode("utf-8")
        value.encode("utf-8")  # lone surrogates: bytes the environment could not decode
        return value
    except UnicodeError:
        raise ValidationError(
            f"The {what} from {source} is not valid UTF-8 text; nothing was changed."
        ) from None


def _typed(prompt: str) -> str:
    try:
        return checked_text(getpass.getpass(prompt), "password", "the terminal")
    except EOFError:
        raise ValidationError(
            "No password was typed (end of input); nothing was changed."
        ) from None
