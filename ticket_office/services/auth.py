"""Logging in and changing one's own password.

The bcrypt check (about 0.25 s) runs between two short transactions, never inside one that
holds locks: a plain read fetches the password hash, bcrypt checks the password against it, and
then one short transaction locks the operator's row and decides. The decision looks at the row
as it is *then*, not as it was before bcrypt: a right password counts only if the account is
not locked at that moment (and the success, resetting the failures, commits under the same
lock); a wrong one counts as a failure, the one before the last warns that one more locks, and
only the failure that crosses the threshold locks the account and audits the lockout, while
guesses that arrive once it is locked are refused as locked. If the password changed while
bcrypt ran, the check is repeated against the new hash.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import text

from ticket_office.domain import text_rules
from ticket_office.domain.errors import (
    AccountInactive,
    AccountLocked,
    AuthenticationFailed,
    PasswordChangeRequired,
    ValidationError,
)
from ticket_office.domain.roles import Role
from ticket_office.services import audit, passwords
from ticket_office.services.results import OperatorContext
from ticket_office.services.unit_of_work import UnitOfWork

MAX_FAILURES = 5
LOCK_MINUTES = 15
WRONG_CREDENTIALS = "Wrong username or password."
LAST_TRY_WARNING = f"One more wrong password locks this account for {LOCK_MINUTES} minutes."
# Checks against a hash that changed meanwhile before giving up: only a password changed again
# and again during the few tenths of a second of one login uses more than one.
_HASH_CHECKS = 3


@dataclass(frozen=True)
class _Account:
    context: OperatorContext
    password_hash: bytes
    active: bool
    locked_until: datetime | None
    must_change_password: bool
    now: datetime


_STORED_HASH = text("SELECT password_hash FROM operators WHERE username = :username")

# NO KEY UPDATE, not UPDATE: it still serializes logins (and password changes) of one operator,
# but does not wait for the key-share locks that the operator's sales and audit events hold.
_LOCK_AND_READ = text(
    """
    SELECT o.id, o.username, o.display_name, o.role, o.password_hash, o.active,
           CASE WHEN o.locked_until > now() THEN o.locked_until END AS locked_until,
           o.must_change_password, s.id AS station_id, s.code, s.name, s.timezone,
           now() AS now
    FROM operators o LEFT JOIN stations s ON s.id = o.home_station_id
    WHERE o.username = :username
    FOR NO KEY UPDATE OF o
    """
)

_COUNT_FAILURE = text(
    """
    UPDATE operators SET
        failed_logins = CASE WHEN failed_logins + 1 >= :max THEN 0 ELSE failed_logins + 1 END,
        locked_until = CASE WHEN failed_logins + 1 >= :max
                            THEN now() + make_interval(mins => :minutes)
                            ELSE locked_until END
    WHERE id = :id
    RETURNING failed_logins = 0 AS locked_now, failed_logins AS failures
    """
)


def _minutes(count: int) -> str:
    return f"{count} minute" if count == 1 else f"{count} minutes"


def _unlock_hint(username: str) -> str:
    # No desk can unlock an account yet: name the command that does, with this account in it.
    return f"a supervisor can unlock it now with the command: ticket-office unlock {username}"


def _stored_hash(uow: UnitOfWork, username: str) -> bytes | None:
    stored = uow.session.execute(_STORED_HASH, {"username": username}).scalar_one_or_none()
    uow.session.rollback()  # end the read before the slow bcrypt check
    return None if stored is None else bytes(stored)


def _lock_and_read(uow: UnitOfWork, username: str) -> _Account | None:
    """The operator's row, locked until the transaction ends."""
    row = uow.session.execute(_LOCK_AND_READ, {"username": username}).one_or_none()
    if row is None:
        return None
    context = OperatorContext(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=Role(row.role),
        station_id=row.station_id,
        station_code=row.code,
        station_name=row.name,
        station_timezone=row.timezone,
    )
    return _Account(
        context,
        bytes(row.password_hash),
        row.active,
        row.locked_until,
        row.must_change_password,
        row.now,
    )


def _login_name(username: str | None) -> str:
    if username is None or (isinstance(username, str) and not username.strip()):
        raise ValidationError("Enter your username.", field="username")
    return text_rules.username(username)


def _verified_account(uow: UnitOfWork, username: str, password: str) -> _Account:
    """Check credentials, count failures and lock out; raise on any refusal.

    On success the transaction is left open with the operator's row locked, so what the caller
    changes (resetting the failures, a new password) commits under the same lock as the
    decision; the caller commits.
    """
    stored = _stored_hash(uow, username)
    account = None
    for _ in range(_HASH_CHECKS):
        matched = passwords.verify(password, stored)  # outside any transaction
        account = _lock_and_read(uow, username)
        current = account.password_hash if account else None
        if current == stored:
            return _decide(uow, username, account, matched)
        uow.rollback()  # the password changed while bcrypt ran: check against the new one
        stored = current
    with_audit(
        uow,
        "login_failed",
        account.context.id if account else None,
        username,
        reason="password changed during login",
    )
    raise AuthenticationFailed(WRONG_CREDENTIALS)


def _decide(uow: UnitOfWork, username: str, account: _Account | None, matched: bool) -> _Account:
    """The outcome, from the row as it is now (locked by this transaction)."""
    if account is None:
        with_audit(uow, "login_failed", None, username, reason="unknown user")
        raise AuthenticationFailed(WRONG_CREDENTIALS)
    operator_id = account.context.id
    if account.locked_until is not None:
        minutes = max(1, int((account.locked_until - account.now).total_seconds() // 60) + 1)
        with_audit(uow, "login_refused_locked", operator_id, username)
        raise AccountLocked(
            "This account is locked after too many failed logins. Try again in "
            f"{_minutes(minutes)}, or {_unlock_hint(account.context.username)}",
            minutes_left=minutes,
        )
    if not matched:
        counted = uow.session.execute(
            _COUNT_FAILURE, {"id": operator_id, "max": MAX_FAILURES, "minutes": LOCK_MINUTES}
        ).one()
        locked_now = counted.locked_now
        audit.record(uow.session, "login_failed", operator_id=operator_id, subject=username)
        if locked_now:  # this failure crossed the threshold; the row lock makes it the only one
            audit.record(
                uow.session,
                "lockout",
                operator_id=operator_id,
                subject=username,
                minutes=LOCK_MINUTES,
            )
        uow.commit()
        if locked_now:
            raise AccountLocked(
                f"Too many failed logins: this account is locked for {_minutes(LOCK_MINUTES)}; "
                f"{_unlock_hint(account.context.username)}",
                minutes_left=LOCK_MINUTES,
            )
        if counted.failures == MAX_FAILURES - 1:
            raise AuthenticationFailed(f"{WRONG_CREDENTIALS} {LAST_TRY_WARNING}")
        raise AuthenticationFailed(WRONG_CREDENTIALS)
    if not account.active:
        with_audit(uow, "login_refused_inactive", operator_id, username)
        raise AccountInactive("This account has been deactivated. Please see a supervisor.")
    return account


def with_audit(
    uow: UnitOfWork, kind: str, operator_id: int | None, subject: str, **details
) -> None:
    audit.record(uow.session, kind, operator_id=operator_id, subject=subject, **details)
    uow.commit()


def log_in(uow: UnitOfWork, username: str | None, password: str | None) -> OperatorContext:
    name = _login_name(username)
    if not password:
        raise ValidationError("Enter your password.", field="password")
    with uow:
        account = _verified_account(uow, name, password)
        # Still under the row lock that saw the account unlocked: an old locked_until is over.
        uow.session.execute(
            text("UPDATE operators SET failed_logins = 0, locked_until = NULL WHERE id = :id"),
            {"id": account.context.id},
        )
        audit.record(uow.session, "login", operator_id=account.context.id, subject=name)
        uow.commit()
    if account.must_change_password:
        raise PasswordChangeRequired("Please choose a new password before you start.")
    return replace(account.context, client_id=str(uuid.uuid4()))


def change_password(
    uow: UnitOfWork, username: str | None, current_password: str, new_password: str
) -> OperatorContext:
    name = _login_name(username)
    new_hash = passwords.hash_new_password(new_password)  # policy errors before anything else
    if new_password == current_password:
        raise ValidationError(
            "The new password must differ from the current one.", field="password"
        )
    with uow:
        account = _verified_account(uow, name, current_password)
        uow.session.execute(
            text(
                "UPDATE operators SET password_hash = :hash, must_change_password = false, "
                "failed_logins = 0, locked_until = NULL WHERE id = :id"
            ),
            {"hash": new_hash, "id": account.context.id},
        )
        audit.record(uow.session, "password_changed", operator_id=account.context.id, subject=name)
        uow.commit()
    return replace(account.context, client_id=str(uuid.uuid4()))
