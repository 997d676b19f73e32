"""Logins and password changes racing each other, made deterministic.

`passwords.proof` (the slow bcrypt computation on the desk) is patched to run other counters'
logins, a supervisor's action or a barrier while it computes, so what happens "meanwhile"
always happens at the same point: after the desk read the salt and before the server decides.
"""

from __future__ import annotations

import contextlib
import threading

import bcrypt
import psycopg
import pytest
from helpers import audit_kinds
from sqlalchemy import text

from ticket_office.db.engine import libpq_url
from ticket_office.domain.errors import (
    AccountInactive,
    AccountLocked,
    AuthenticationFailed,
)
from ticket_office.services import operators, passwords

COUNTERS = 8
RIGHT = "clerk-demo-2026"


def lock_state(backend, username="clerk"):
    """(failed_logins, locked now?) for the operator."""
    with backend.uow() as uow:
        return tuple(
            uow.session.execute(
                text(
                    "SELECT failed_logins, coalesce(locked_until > now(), false) "
                    "FROM operators WHERE username = :u"
                ),
                {"u": username},
            ).one()
        )


def wrong_guesses(services, count, first=0):
    for n in range(first, first + count):
        with contextlib.suppress(AuthenticationFailed, AccountLocked):
            services.log_in("clerk", f"guess-number-{n}")


@pytest.fixture
def meanwhile(monkeypatch):
    """meanwhile(action): the next bcrypt check runs `action` first, once, then checks."""
    real = passwords.proof
    pending = []

    def verify(password, salt):
        if pending:
            pending.pop()()  # may log in itself: the nested check is a real one
        return real(password, salt)

    monkeypatch.setattr(passwords, "proof", verify)
    return pending.append


# --- a right password and the lockout --------------------------------------------------------


def test_a_right_password_checked_while_guesses_lock_the_account_is_refused(
    services, backend, meanwhile
):
    meanwhile(lambda: wrong_guesses(services, 5))
    with pytest.raises(AccountLocked, match="Try again in") as refused:
        services.log_in("clerk", RIGHT)
    assert 1 <= refused.value.minutes_left <= 15
    assert lock_state(backend) == (0, True)  # the refused success did not unlock it
    assert audit_kinds(backend, "clerk") == ["login_failed"] * 5 + [
        "lockout",
        "login_refused_locked",
    ]
    with pytest.raises(AccountLocked):
        services.log_in("clerk", RIGHT)


def test_a_supervisor_unlocking_during_the_check_lets_the_right_password_in(
    supervisor_desk, services, backend, supervisor, meanwhile
):
    wrong_guesses(services, 5)
    meanwhile(lambda: operators.unlock(supervisor_desk.uow(), supervisor, "clerk"))
    assert services.log_in("clerk", RIGHT).username == "clerk"
    assert lock_state(backend) == (0, False)


def test_a_right_password_checked_while_the_account_is_deactivated_is_refused(
    supervisor_desk, services, backend, supervisor, meanwhile
):
    meanwhile(lambda: operators.deactivate(supervisor_desk.uow(), supervisor, "clerk"))
    with pytest.raises(AccountInactive):
        services.log_in("clerk", RIGHT)
    assert audit_kinds(backend, "clerk")[-1] == "login_refused_inactive"


def test_an_old_password_checked_while_a_supervisor_resets_it_is_refused(
    supervisor_desk, services, backend, supervisor, meanwhile
):
    meanwhile(
        lambda: operators.reset_password(
            supervisor_desk.uow(), supervisor, "clerk", "temporary-pass-1"
        )
    )
    with pytest.raises(AuthenticationFailed, match="Wrong username or password"):
        services.log_in("clerk", RIGHT)
    assert audit_kinds(backend, "clerk") == ["password_reset", "login_failed"]


# --- wrong guesses and the lockout ------------------------------------------------------------


def test_a_guess_decided_after_another_one_locked_the_account_is_refused_not_counted(
    services, backend, meanwhile
):
    wrong_guesses(services, 4)
    meanwhile(lambda: wrong_guesses(services, 1, first=4))  # the fifth failure locks it
    with pytest.raises(AccountLocked, match="Try again in"):
        services.log_in("clerk", "guess-number-5")
    assert lock_state(backend) == (0, True)
    assert audit_kinds(backend, "clerk") == ["login_failed"] * 5 + [
        "lockout",
        "login_refused_locked",
    ]


def test_parallel_wrong_guesses_lock_once_and_the_rest_are_told_it_is_locked(
    services, backend, monkeypatch
):
    real, gate = passwords.proof, threading.Barrier(COUNTERS)

    def verify_then_wait_for_every_counter(password, salt):
        matched = real(password, salt)
        gate.wait(timeout=60)  # every guess has read the account before any is decided
        return matched

    monkeypatch.setattr(passwords, "proof", verify_then_wait_for_every_counter)
    outcomes: list[BaseException | None] = [None] * COUNTERS

    def counter(n):
        try:
            services.log_in("clerk", f"guess-number-{n}")
        except (AuthenticationFailed, AccountLocked) as error:
            outcomes[n] = error

    threads = [threading.Thread(target=counter, args=(n,)) for n in range(COUNTERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a counter hung"

    wrong = [e for e in outcomes if type(e) is AuthenticationFailed]
    locking = [e for e in outcomes if type(e) is AccountLocked and "locked for 15" in str(e)]
    refused = [e for e in outcomes if type(e) is AccountLocked and "Try again in" in str(e)]
    assert (len(wrong), len(locking), len(refused)) == (4, 1, 3), outcomes
    kinds = audit_kinds(backend, "clerk")
    assert (kinds.count("login_failed"), kinds.count("lockout")) == (5, 1)
    assert kinds.count("login_refused_locked") == 3
    assert lock_state(backend) == (0, True)


# --- changing one's own password --------------------------------------------------------------


def test_a_password_change_checked_while_guesses_lock_the_account_changes_nothing(
    supervisor_desk, services, backend, supervisor, meanwhile
):
    meanwhile(lambda: wrong_guesses(services, 5))
    with pytest.raises(AccountLocked, match="Try again in"):
        services.change_password("clerk", RIGHT, "brand-new-password-1")
    assert lock_state(backend) == (0, True)
    operators.unlock(supervisor_desk.uow(), supervisor, "clerk")
    with pytest.raises(AuthenticationFailed):
        services.log_in("clerk", "brand-new-password-1")
    assert services.log_in("clerk", RIGHT).username == "clerk"


def test_two_changes_from_the_same_current_password_do_not_both_win(services, backend, meanwhile):
    meanwhile(lambda: services.change_password("clerk", RIGHT, "first-new-password"))
    with pytest.raises(AuthenticationFailed, match="Wrong username or password"):
        services.change_password("clerk", RIGHT, "second-new-password")
    assert services.log_in("clerk", "first-new-password").username == "clerk"
    with pytest.raises(AuthenticationFailed):
        services.log_in("clerk", "second-new-password")
    assert audit_kinds(backend, "clerk").count("password_changed") == 1


def test_a_password_changed_during_the_check_is_checked_again_against_the_new_one(
    services, meanwhile
):
    meanwhile(lambda: services.change_password("clerk", RIGHT, "first-new-password"))
    assert services.log_in("clerk", "first-new-password").username == "clerk"


# --- bcrypt stays outside locking transactions ------------------------------------------------


@pytest.mark.parametrize("use_case", ["log_in", "change_password"])
def test_no_lock_is_held_on_the_operator_while_bcrypt_runs(
    services, database_url, monkeypatch, use_case
):
    real, row_free = passwords.proof, []

    def verify_and_try_the_row(password, salt):
        with psycopg.connect(libpq_url(database_url)) as conn:
            conn.execute("SET lock_timeout = '1s'")
            conn.execute("SELECT 1 FROM operators WHERE username = 'clerk' FOR UPDATE NOWAIT")
            row_free.append(True)
            conn.rollback()
        return real(password, salt)

    monkeypatch.setattr(passwords, "proof", verify_and_try_the_row)
    if use_case == "log_in":
        services.log_in("clerk", RIGHT)
    else:
        services.change_password("clerk", RIGHT, "brand-new-password-1")
    assert row_free == [True]


def test_a_locked_account_still_costs_exactly_one_bcrypt_check(services, monkeypatch):
    wrong_guesses(services, 5)
    calls = []
    real = bcrypt.hashpw
    monkeypatch.setattr(bcrypt, "hashpw", lambda p, s: calls.append(1) or real(p, s))
    with pytest.raises(AccountLocked):
        services.log_in("clerk", RIGHT)
    assert len(calls) == 1
