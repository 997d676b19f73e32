"""Signing in, out, and changing one's own password: the server decides (revision 0014).

The desk asks the server for the operator's bcrypt salt (`sign_in_salt`; an unknown username
gets a made-up one of the same shape), computes bcrypt(password, salt) itself (about 0.25 s,
outside any transaction) and sends that proof to `sign_in`, which compares its sha256 with
the verifier no desk may read, counts failures, locks out, audits, and answers with a session
token. Every later write names that token, so the server knows who acts. A wrong password on
an active, a deactivated or an unknown account answers the same, warns at the same try and
locks at the same try: no answer confirms that an account exists.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from ticket_office.domain import text_rules
from ticket_office.domain.errors import (
    AccountInactive,
    AccountLocked,
    AuthenticationFailed,
    PasswordChangeRequired,
    ValidationError,
)
from ticket_office.domain.roles import Role
from ticket_office.services import passwords
from ticket_office.services.results import OperatorContext
from ticket_office.services.unit_of_work import UnitOfWork

MAX_FAILURES = 5  # as api_check_password in migrations/sql/0014_sessions.sql
LOCK_MINUTES = 15
WRONG_CREDENTIALS = "Wrong username or password."
LAST_TRY_WARNING = f"One more wrong password locks this account for {LOCK_MINUTES} minutes."
# A password changed again and again during the fraction of a second of one sign-in is the
# only reason to ask for the salt more than once.
_SALT_TRIES = 3

_SALT = "SELECT sign_in_salt($1)"
_SIGNED_IN = (
    "outcome, minutes_left, token, operator_id, username, display_name, role, station_id, "
    "station_code, station_name, station_timezone"
)
_SIGN_IN = f"SELECT {_SIGNED_IN} FROM sign_in($1, $2, $3)"
_CHANGE = f"SELECT {_SIGNED_IN} FROM change_password($1, $2, $3, $4)"
_SIGN_OUT = "SELECT sign_out($1)"


@dataclass(frozen=True, slots=True)
class _Answer:
    outcome: str
    minutes_left: int | None
    token: str | None
    operator_id: int | None
    username: str | None
    display_name: str | None
    role: str | None
    station_id: int | None
    station_code: str | None
    station_name: str | None
    station_timezone: str | None


def _minutes(count: int) -> str:
    return f"{count} minute" if count == 1 else f"{count} minutes"


def _unlock_hint(username: str) -> str:
    # No desk can unlock an account yet: name the command that does, with this account in it.
    return f"a supervisor can unlock it now with the command: ticket-office unlock {username}"


def _login_name(username: str | None) -> str:
    if username is None or (isinstance(username, str) and not username.strip()):
        raise ValidationError("Enter your username.", field="username")
    return text_rules.username(username)


def _signed_in(uow: UnitOfWork, username: str, password: str, statement: str, *extra: str):
    """The server's answer to a proof of `password`; asks for the salt again if the password
    changed meanwhile."""
    for _ in range(_SALT_TRIES):
        (salt,) = uow.call(_SALT, (username,))
        proof = passwords.proof(password, salt)  # outside any transaction
        answer = _Answer(*uow.call(statement, (username, proof, *extra)))
        if answer.outcome != "retry":
            return answer
    return _Answer("wrong", *([None] * 10))


def _context(answer: _Answer, client_id: str) -> OperatorContext:
    return OperatorContext(
        id=answer.operator_id,
        username=answer.username or "",
        display_name=answer.display_name or "",
        role=Role(answer.role),
        station_id=answer.station_id,
        station_code=answer.station_code,
        station_name=answer.station_name,
        station_timezone=answer.station_timezone,
        client_id=client_id,
        session_token=answer.token or "",
    )


def _refuse(answer: _Answer, username: str) -> None:
    """Raise what the clerk should read for any answer but a session."""
    outcome = answer.outcome
    if outcome == "locked":
        minutes = answer.minutes_left or 1
        raise AccountLocked(
            "This account is locked after too many failed logins. Try again in "
            f"{_minutes(minutes)}, or {_unlock_hint(username)}",
            minutes_left=minutes,
        )
    if outcome == "locked_now":
        raise AccountLocked(
            f"Too many failed logins: this account is locked for {_minutes(LOCK_MINUTES)}; "
            f"{_unlock_hint(username)}",
            minutes_left=LOCK_MINUTES,
        )
    if outcome == "last_try":
        raise AuthenticationFailed(f"{WRONG_CREDENTIALS} {LAST_TRY_WARNING}")
    if outcome == "inactive":
        raise AccountInactive("This account has been deactivated. Please see a supervisor.")
    if outcome == "must_change":
        raise PasswordChangeRequired("Please choose a new password before you start.")
    if outcome != "signed_in":
        raise AuthenticationFailed(WRONG_CREDENTIALS)


def log_in(uow: UnitOfWork, username: str | None, password: str | None) -> OperatorContext:
    name = _login_name(username)
    if not password:
        raise ValidationError("Enter your password.", field="password")
    client_id = str(uuid.uuid4())
    answer = _signed_in(uow, name, password, _SIGN_IN, client_id)
    _refuse(answer, name)
    return _context(answer, client_id)


def change_password(
    uow: UnitOfWork, username: str | None, current_password: str, new_password: str
) -> OperatorContext:
    name = _login_name(username)
    new_hash = passwords.hash_new_password(new_password)  # policy errors before anything else
    if new_password == current_password:
        raise ValidationError(
            "The new password must differ from the current one.", field="password"
        )
    client_id = str(uuid.uuid4())
    answer = _signed_in(uow, name, current_password, _CHANGE, new_hash, client_id)
    _refuse(answer, name)
    return _context(answer, client_id)


def sign_out(uow: UnitOfWork, operator: OperatorContext) -> None:
    """End the operator's session on the server; its token no longer works."""
    if operator.session_token:
        uow.call(_SIGN_OUT, (operator.session_token,))
