"""Every desk session is bounded (issue 14 §3): how long it waits for a lock, runs a statement
or sits idle inside a transaction, and how many connections one app opens and waits for."""

from __future__ import annotations

import secrets
import threading
import time

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.conftest import url_as
from ticket_office.backend import open_backend
from ticket_office.cli import main
from ticket_office.config import DatabaseChoice
from ticket_office.db import desk_access, engine
from ticket_office.db.engine import (
    SESSION_LIMITS,
    SESSION_SETTINGS,
    libpq_url,
    make_engine,
    make_session_factory,
)
from ticket_office.db.statement_pool import StatementPool
from ticket_office.domain.errors import DatabaseUnavailable
from ticket_office.services.unit_of_work import UnitOfWork, make_uow_factory

LIMITS = {name: SESSION_SETTINGS[name] for name in SESSION_LIMITS}
_SHOW = "SELECT " + ", ".join(f"current_setting('{name}')" for name in SESSION_LIMITS)


def shown(values) -> dict[str, str]:
    return dict(zip(SESSION_LIMITS, values, strict=True))


def test_the_apps_desk_connections_have_the_limits_from_their_first_statement(backend):
    assert LIMITS == {"lock_timeout": "5s", "statement_timeout": "30s"} | {
        "idle_in_transaction_session_timeout": "15s"
    }
    with backend.uow() as uow:
        assert shown(uow.session.execute(text(_SHOW)).one()) == LIMITS
        isolation = uow.session.execute(text("SHOW default_transaction_isolation")).scalar()
        assert isolation == "read committed"
    assert shown(backend.statements.run(_SHOW, ())) == LIMITS


@pytest.fixture
def own_desk_role(pg_server, database_url, desk_role):
    """A login role of this test's own: desk roles' group memberships are the server's."""
    if desk_role is None:
        pytest.skip("the test server's role may not create roles")
    name, password = "limits_desk", secrets.token_urlsafe(12)
    with pg_server.admin() as admin:
        admin.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(name), sql.Literal(password)
            )
        )
    yield name, url_as(database_url, name, password)
    # Whatever the test left it holding goes with the database.
    pg_server.drop_database(make_url(database_url).database)
    with pg_server.admin() as admin:
        admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def test_a_desk_role_gets_them_too_for_clients_other_than_the_app(owner_engine, own_desk_role):
    name, url = own_desk_role
    with owner_engine.begin() as conn:
        assert desk_access.grant_desk_access(conn, name, "counter")
    with psycopg.connect(libpq_url(url)) as raw:
        assert shown(raw.execute(_SHOW).fetchone()) == LIMITS
    with owner_engine.begin() as conn:
        desk_access.revoke_desk_access(conn, name)
    with psycopg.connect(libpq_url(url)) as raw:
        assert raw.execute("SHOW idle_in_transaction_session_timeout").fetchone()[0] == "0"


def test_a_role_that_may_not_alter_roles_still_grants_and_says_the_limits_are_not_set(
    owner_engine, desk_role
):
    if desk_role is None:
        pytest.skip("the test server's role may not create roles")
    with owner_engine.begin() as conn:
        conn.execute(text("CREATE ROLE limits_probe NOLOGIN"))
        try:
            conn.execute(text("SET LOCAL ROLE limits_probe"))
            quoted = f'"{desk_role.name}"'
            assert not desk_access._role_settings(conn, quoted, desk_access._SET_LIMITS)
            assert conn.execute(text("SELECT 1")).scalar() == 1  # the transaction goes on
        finally:
            conn.execute(text("RESET ROLE"))
            conn.execute(text("DROP ROLE limits_probe"))


def test_the_command_names_the_sql_when_it_could_not_set_them(
    database_url, desk_role, monkeypatch, capsys
):
    if desk_role is None:
        pytest.skip("the test server's role may not create roles")
    monkeypatch.setattr(desk_access, "_role_settings", lambda *_args: False)
    assert main(["--database-url", database_url, "grant-desk-access", desk_role.name]) == 0
    out = capsys.readouterr().out
    assert "session limits were not set" in out
    assert f'ALTER ROLE "{desk_role.name}" IN DATABASE' in out
    assert "SET idle_in_transaction_session_timeout = '15s'" in out


def test_a_desk_transaction_left_idle_is_ended_by_the_server(desk_url, monkeypatch):
    monkeypatch.setitem(engine.SESSION_SETTINGS, "idle_in_transaction_session_timeout", "1s")
    opened = open_backend(choice=DatabaseChoice(desk_url, "test"), pool_size=1)
    try:
        uow = opened.uow()
        with pytest.raises(DatabaseUnavailable), uow:
            pid = uow.session.execute(text("SELECT pg_backend_pid()")).scalar()
            time.sleep(1.5)  # a desk that hung in the middle of a transaction
            uow.session.execute(text("SELECT 1"))
        with opened.uow() as fresh:
            alive = fresh.session.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
            ).scalar()
        assert alive == 0
    finally:
        opened.close()


def test_the_sales_pool_never_opens_more_than_its_bound_under_three_times_the_callers(
    database_url,
):
    name = "ticket-office bound probe"
    pool = StatementPool(database_url, size=2, overflow=2, application_name=name)
    callers = 3 * pool.limit
    seen: list[int] = []
    outcomes: list[object] = []
    done = threading.Event()

    def watch() -> None:
        with psycopg.connect(libpq_url(database_url), autocommit=True) as admin:
            while not done.is_set():
                count = admin.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", (name,)
                ).fetchone()[0]
                seen.append(count)
                time.sleep(0.005)

    def call() -> None:
        try:
            outcomes.append(pool.run("SELECT pg_sleep(0.2), 1", ())[1])
        except Exception as error:  # reported below
            outcomes.append(error)

    watcher = threading.Thread(target=watch)
    watcher.start()
    threads = [threading.Thread(target=call) for _ in range(callers)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        done.set()
        watcher.join(timeout=10)
        pool.close()
    assert outcomes == [1] * callers
    assert max(seen) == pool.limit == 4


def test_waiting_for_a_connection_of_the_sales_pool_ends_with_a_clear_error(database_url):
    pool = StatementPool(database_url, size=1, overflow=0, wait_seconds=0.3)
    uow = UnitOfWork(lambda: None, "the test database", pool)
    held = pool.borrow()
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable, match="busy"):
            uow.call("SELECT 1", ())
        assert 0.3 <= time.monotonic() - started < 3
    finally:
        pool.give_back(held)
    assert uow.call("SELECT 1", ()) == (1,)
    pool.close()


def test_a_caller_waiting_gets_the_connection_given_back_meanwhile(database_url):
    pool = StatementPool(database_url, size=1, overflow=0, wait_seconds=5)
    held = pool.borrow()
    timer = threading.Timer(0.2, pool.give_back, (held,))
    timer.start()
    try:
        assert pool.run("SELECT 1", ()) == (1,)
    finally:
        timer.join()
        pool.close()


def test_waiting_for_a_connection_of_the_engines_pool_ends_with_a_clear_error(
    desk_url, monkeypatch
):
    monkeypatch.setattr(engine, "POOL_OVERFLOW", 0)
    monkeypatch.setattr(engine, "POOL_WAIT_SECONDS", 0.3)
    small = make_engine(desk_url, pool_size=1)
    factory = make_uow_factory(make_session_factory(small), "the test database")
    try:
        with small.connect():
            uow = factory()
            with pytest.raises(DatabaseUnavailable, match="busy"), uow:
                uow.session.execute(text("SELECT 1"))
    finally:
        small.dispose()
