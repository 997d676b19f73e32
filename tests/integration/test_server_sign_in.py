"""A desk's database credential is no master key (issue 14 §2, §3, §5): the server signs
operators in, keeps what proves a password out of every desk's reach, and answers a wrong
password the same way whether the account is active, deactivated or does not exist."""

from __future__ import annotations

import re
import secrets
from dataclasses import replace

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from ticket_office.cli import NEW_PASSWORD_ENV, SIGN_IN_PASSWORD_ENV, main
from ticket_office.db import desk_access
from ticket_office.db.engine import libpq_url
from ticket_office.domain.errors import (
    AccountLocked,
    AuthenticationFailed,
    PasswordChangeRequired,
    PermissionDenied,
    SessionEnded,
)
from ticket_office.domain.roles import Role
from ticket_office.services import operators
from ticket_office.services.results import OperatorContext

BCRYPT_SALT = re.compile(r"^\$2b\$12\$[./A-Za-z0-9]{21}[.Oeu]$")


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT password_verifier FROM operators",
        "SELECT password_salt FROM operators",
        "SELECT * FROM operators",
        "UPDATE operators SET role = 'supervisor' WHERE username = 'clerk'",
        "UPDATE operators SET failed_logins = 0, locked_until = NULL, active = true",
        "INSERT INTO operators (username, display_name, role, password_salt, password_verifier) "
        "SELECT 'mallory', 'M', 'supervisor', password_salt, password_verifier FROM operators "
        "LIMIT 1",
        "SELECT * FROM operator_sessions",
        "SELECT * FROM api_requests",
        "SELECT * FROM api_secret",
        "SELECT * FROM sign_in_strangers",
        "SELECT * FROM audit_events",
        "SELECT api_open_session(1, 'me')",
        "SELECT api_made_up_salt('clerk')",
        "SELECT create_operator(NULL, 'mallory', 'M', 'supervisor', NULL, "
        "'$2b$12$' || repeat('a', 53), false)",
        "SELECT reset_password(NULL, 'supervisor', '$2b$12$' || repeat('a', 53))",
    ],
)
def test_a_counters_credential_cannot_read_proofs_or_change_accounts(desk, statement):
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        desk.execute(statement)


def test_a_made_up_proof_signs_no_one_in(desk):
    salt = desk.execute("SELECT sign_in_salt('supervisor')").fetchone()[0]
    outcome, token = desk.execute(
        "SELECT outcome, token FROM sign_in('supervisor', %s, 'mallory')", (salt + "x" * 31,)
    ).fetchone()
    assert (outcome, token) == ("wrong", None)


def test_unknown_usernames_get_a_salt_like_a_real_one_and_the_same_each_time(desk):
    def salt(name):
        return desk.execute("SELECT sign_in_salt(%s)", (name,)).fetchone()[0]

    for name in ("clerk", "nobody", "no.such.person"):
        assert BCRYPT_SALT.match(salt(name)), name
    assert salt("nobody") == salt("nobody") != salt("nobody2")


def _answers(services, username, tries=5):
    answers = []
    for n in range(tries):
        try:
            services.log_in(username, f"wrong-password-{n}")
        except (AuthenticationFailed, AccountLocked) as refused:
            answers.append((type(refused).__name__, str(refused).replace(username, "NAME")))
    return answers


def test_a_wrong_password_reads_the_same_for_active_deactivated_and_unknown_accounts(
    services, owner_backend
):
    operators.deactivate(owner_backend.uow(), OperatorContext.system(), "conductor")
    active, deactivated, unknown = (
        _answers(services, name) for name in ("clerk", "conductor", "nobody")
    )
    assert active == deactivated == unknown
    assert "One more wrong password locks" in active[3][1]
    assert active[4][0] == "AccountLocked"
    assert _answers(services, "nobody", 1) == _answers(services, "clerk", 1)  # both locked


def test_the_command_line_cannot_manage_accounts_with_a_desks_url(
    desk_url, desk_role, services, monkeypatch, capsys
):
    if desk_role is None:
        pytest.skip("the test server's role may not create roles")
    monkeypatch.setenv(NEW_PASSWORD_ENV, "taken-over-2026")
    for command in (
        ["create-operator", "mallory", "--name", "M", "--role", "supervisor"],
        ["reset-password", "supervisor"],
        ["unlock", "clerk"],
    ):
        assert main(["--database-url", desk_url, *command]) == 1
        refused = capsys.readouterr().err
        assert "database owner's URL" in refused and "supervisor's sign-in" in refused
    with pytest.raises(AuthenticationFailed):
        services.log_in("supervisor", "taken-over-2026")


def test_a_clerk_claiming_to_be_a_supervisor_is_refused_by_the_server(supervisor_desk, clerk):
    """The desk's own role check is the client's word; the session's role is the server's."""
    pretending = replace(clerk, role=Role.SUPERVISOR)
    with pytest.raises(PermissionDenied, match="A clerk may not manage operator accounts"):
        operators.unlock(supervisor_desk.uow(), pretending, "clerk")


def test_a_signed_out_session_can_do_nothing(services, desk, clerk):
    services.sign_out(clerk)
    with pytest.raises(psycopg.Error) as refused:
        desk.execute("SELECT request_outcome(%s, gen_random_uuid())", (clerk.session_token,))
    assert refused.value.sqlstate == "TO001"
    with pytest.raises(SessionEnded):
        services.sign_out(clerk)


def test_deactivating_an_operator_ends_their_sessions(services, desk, clerk, owner_backend):
    def refusal() -> str:
        with pytest.raises(psycopg.Error) as refused:
            desk.execute("SELECT request_outcome(%s, gen_random_uuid())", (clerk.session_token,))
        return refused.value.sqlstate

    operators.deactivate(owner_backend.uow(), OperatorContext.system(), "clerk")
    assert refusal() == "TO002"  # "This account has been deactivated"
    operators.reactivate(owner_backend.uow(), OperatorContext.system(), "clerk")
    assert refusal() == "TO001"  # the old session stays ended: sign in again


def test_no_desk_can_end_another_desks_session(pg_server, database_url, desk_role, owner_engine):
    """Two counters, each with its own login role in the counter group (db/desk_access.py)."""
    if desk_role is None:
        pytest.skip("the test server's role may not create roles")
    other_name, other_password = f"{desk_role.name}_other", secrets.token_urlsafe(12)
    with pg_server.admin() as admin:
        admin.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(other_name), sql.Literal(other_password)
            )
        )
    try:
        with owner_engine.begin() as conn:
            desk_access.grant_desk_access(conn, other_name, "counter")
        as_role = make_url(database_url).set
        other_url = as_role(username=other_name, password=other_password)
        mine = as_role(username=desk_role.name, password=desk_role.password)
        with (
            psycopg.connect(libpq_url(_text(other_url)), autocommit=True) as victim,
            psycopg.connect(libpq_url(_text(mine)), autocommit=True) as attacker,
        ):
            pid = victim.execute("SELECT pg_backend_pid()").fetchone()[0]
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                attacker.execute("SELECT pg_terminate_backend(%s)", (pid,))
            assert victim.execute("SELECT 1").fetchone() == (1,)
    finally:
        with owner_engine.begin() as conn:
            desk_access.revoke_desk_access(conn, other_name)
        with pg_server.admin() as admin:
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(other_name)))


def _text(url) -> str:
    return url.render_as_string(hide_password=False)


def test_the_command_line_manages_accounts_as_a_signed_in_supervisor(
    database_url, supervisor_role, desk_url, services, monkeypatch, capsys
):
    if supervisor_role is None:
        pytest.skip("the test server's role may not create roles")
    supervisors_desk = _text(
        make_url(database_url).set(username=supervisor_role.name, password=supervisor_role.password)
    )
    monkeypatch.setenv(SIGN_IN_PASSWORD_ENV, "supervisor-demo-2026")
    monkeypatch.setenv(NEW_PASSWORD_ENV, "first-day-pass")
    create = ["create-operator", "newbie", "--name", "New", "--role", "clerk", "--as"]
    assert main(["--database-url", supervisors_desk, *create, "supervisor"]) == 0
    monkeypatch.setenv(SIGN_IN_PASSWORD_ENV, "clerk-demo-2026")
    assert main(["--database-url", supervisors_desk, "unlock", "newbie", "--as", "clerk"]) == 1
    assert "A clerk may not manage operator accounts" in capsys.readouterr().err
    monkeypatch.setenv(SIGN_IN_PASSWORD_ENV, "supervisor-demo-2026")
    # A counter's machine cannot, even with the supervisor's password.
    assert main(["--database-url", desk_url, "unlock", "newbie", "--as", "supervisor"]) == 1
    assert "may not call that function" in capsys.readouterr().err
    with pytest.raises(PasswordChangeRequired):
        services.log_in("newbie", "first-day-pass")
