"""Logging in: bcrypt, lockout after five failures, inactive accounts, forced password changes."""

from __future__ import annotations

import contextlib

import bcrypt
import pytest
from helpers import audit_kinds

from ticket_office.domain.errors import (
    AccountInactive,
    AccountLocked,
    AuthenticationFailed,
    PasswordChangeRequired,
    PermissionDenied,
    ValidationError,
)
from ticket_office.services import operators


def test_the_demo_clerk_logs_in_with_station_and_a_fresh_client_id(services, backend):
    first = services.log_in("clerk", "clerk-demo-2026")
    second = services.log_in("  CLERK ", "clerk-demo-2026")
    assert (first.role.value, first.station_code) == ("clerk", "PCA")
    assert first.station_timezone == "Europe/Lisbon"  # the desk's day is Porto's
    assert first.client_id and first.client_id != second.client_id
    assert audit_kinds(backend, "clerk") == ["login", "login"]


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(services, backend):
    with pytest.raises(AuthenticationFailed, match="Wrong username or password"):
        services.log_in("clerk", "not-the-password")
    with pytest.raises(AuthenticationFailed, match="Wrong username or password"):
        services.log_in("nobody", "not-the-password")
    assert audit_kinds(backend, "clerk") == ["login_failed"]
    assert audit_kinds(backend, "nobody") == ["login_failed"]


def test_unknown_and_known_users_cost_exactly_one_bcrypt_check(services, monkeypatch):
    calls = []
    real = bcrypt.hashpw
    monkeypatch.setattr(bcrypt, "hashpw", lambda p, salt: calls.append(1) or real(p, salt))
    for username, password in [
        ("nobody", "whatever-pass"),
        ("clerk", "wrong-password"),
        ("clerk", "x" * 100),
        ("clerk", "clerk-demo-2026"),
    ]:
        calls.clear()
        with contextlib.suppress(AuthenticationFailed):
            services.log_in(username, password)
        assert len(calls) == 1, username


def test_five_failures_lock_the_account_even_against_the_right_password(services, backend):
    for _ in range(3):
        with pytest.raises(AuthenticationFailed) as failed:
            services.log_in("clerk", "wrong-password")
        assert str(failed.value) == "Wrong username or password."
    with pytest.raises(AuthenticationFailed) as last_try:
        services.log_in("clerk", "wrong-password")
    assert str(last_try.value) == (
        "Wrong username or password. One more wrong password locks this account for 15 minutes."
    )
    with pytest.raises(AccountLocked, match="15 minutes") as locking:
        services.log_in("clerk", "wrong-password")
    assert str(locking.value).endswith("ticket-office unlock clerk")
    with pytest.raises(AccountLocked) as locked:
        services.log_in("  Clerk", "clerk-demo-2026")
    assert 1 <= locked.value.minutes_left <= 15
    assert "minute(s)" not in str(locked.value) and "ask a supervisor to unlock it" not in str(
        locked.value
    )
    assert str(locked.value).endswith("with the command: ticket-office unlock clerk")
    assert "lockout" in audit_kinds(backend, "clerk")


def test_a_supervisor_can_unlock_a_locked_account(supervisor_desk, services, supervisor):
    for _ in range(5):
        with pytest.raises((AuthenticationFailed, AccountLocked)):
            services.log_in("clerk", "wrong-password")
    operators.unlock(supervisor_desk.uow(), supervisor, "clerk")
    assert services.log_in("clerk", "clerk-demo-2026").username == "clerk"


def test_an_inactive_operator_is_refused(supervisor_desk, services, supervisor):
    operators.deactivate(supervisor_desk.uow(), supervisor, "conductor")
    with pytest.raises(AccountInactive):
        services.log_in("conductor", "conductor-demo-2026")


def test_a_reset_password_must_be_changed_at_the_next_login(supervisor_desk, services, supervisor):
    operators.reset_password(supervisor_desk.uow(), supervisor, "clerk", "temporary-pass-1")
    with pytest.raises(PasswordChangeRequired):
        services.log_in("clerk", "temporary-pass-1")
    operator = services.change_password("clerk", "temporary-pass-1", "my-own-password-9")
    assert operator.username == "clerk"
    assert services.log_in("clerk", "my-own-password-9").username == "clerk"


@pytest.mark.parametrize(
    ("new_password", "message"),
    [
        ("short", "at least 10"),
        ("€" * 25, "72 bytes"),
        ("x" * 73, "72 bytes"),
        ("clerk-demo-2026", "differ"),
    ],
)
def test_a_new_password_must_meet_the_policy(services, new_password, message):
    with pytest.raises(ValidationError, match=message):
        services.change_password("clerk", "clerk-demo-2026", new_password)
    assert services.log_in("clerk", "clerk-demo-2026")


def test_a_password_of_exactly_72_bytes_is_accepted(services):
    services.change_password("clerk", "clerk-demo-2026", "é" * 36)
    assert services.log_in("clerk", "é" * 36)


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("", "x", "Enter your username"),
        ("clerk", "", "Enter your password"),
        ("cl\x00erk", "x", "control characters"),
        ("c" * 33, "x", "too long"),
    ],
)
def test_login_input_is_checked_before_anything_runs(services, username, password, message):
    with pytest.raises(ValidationError, match=message):
        services.log_in(username, password)


@pytest.mark.parametrize(
    "password",
    ["clerk-demo-2026\ud800", 2026, b"clerk-demo-2026"],
    ids=["surrogate", "int", "bytes"],
)
def test_a_password_no_one_could_have_set_is_a_wrong_password_and_audited(
    services, backend, password
):
    before = audit_kinds(backend, "clerk")
    with pytest.raises(AuthenticationFailed):
        services.log_in("clerk", password)
    assert audit_kinds(backend, "clerk") == [*before, "login_failed"]


def test_clerks_cannot_manage_operators(services, clerk):
    with pytest.raises(PermissionDenied):
        operators.create_operator(
            services.uow(),
            clerk,
            username="newbie",
            display_name="New",
            role="clerk",
            password="long-enough-pass",
        )
    with pytest.raises(PermissionDenied):
        operators.unlock(services.uow(), clerk, "clerk")
    with pytest.raises(PermissionDenied):
        services.supervisor(clerk).list_operators()


def test_conductors_cannot_cancel_bookings(services, conductor):
    with pytest.raises(PermissionDenied):
        services.counter(conductor).cancel("ABCDEF")


def test_a_supervisor_creates_an_operator_who_must_choose_a_password(
    services, supervisor_desk, supervisor
):
    operators.create_operator(
        supervisor_desk.uow(),
        supervisor,
        username="Maria.Lopez",
        display_name="María López",
        role="clerk",
        password="first-day-pass",
        station_code="mad",
    )
    with pytest.raises(PasswordChangeRequired):
        services.log_in("maria.lopez", "first-day-pass")
    with pytest.raises(ValidationError, match="taken"):
        operators.create_operator(
            supervisor_desk.uow(),
            supervisor,
            username="maria.lopez",
            display_name="Another",
            role="clerk",
            password="x" * 12,
        )
