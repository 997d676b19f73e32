"""The stack of autocommit connections the sale borrows from (db/statement_pool.py)."""

from __future__ import annotations

import psycopg
import pytest

from ticket_office.db import statement_pool
from ticket_office.db.engine import libpq_url
from ticket_office.db.statement_pool import StatementPool


def _backend_pid(pool: StatementPool) -> int:
    cursor = pool.borrow()
    try:
        return cursor.execute("SELECT pg_backend_pid()").fetchone()[0]
    finally:
        pool.give_back(cursor)


@pytest.fixture
def pool(database_url: str):
    pool = StatementPool(database_url, size=2)
    yield pool
    pool.close()


def test_statements_one_after_another_share_one_warm_connection(pool):
    assert len({_backend_pid(pool) for _ in range(5)}) == 1


def test_a_statement_commits_on_its_own(pool, database_url):
    cursor = pool.borrow()
    try:
        cursor.execute("CREATE TABLE pool_probe (id int)")
        cursor.execute("INSERT INTO pool_probe VALUES (1)")
    finally:
        pool.give_back(cursor)
    with psycopg.connect(libpq_url(database_url)) as other:
        assert other.execute("SELECT count(*) FROM pool_probe").fetchone()[0] == 1


def test_a_connection_that_broke_in_use_is_closed_not_kept(pool, database_url):
    cursor = pool.borrow()
    broken_pid = cursor.execute("SELECT pg_backend_pid()").fetchone()[0]
    with psycopg.connect(libpq_url(database_url), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (broken_pid,))
    with pytest.raises(psycopg.OperationalError):
        cursor.execute("SELECT 1")
    pool.give_back(cursor)
    assert cursor.connection.closed
    assert _backend_pid(pool) != broken_pid


def test_a_connection_left_in_a_transaction_is_not_lent_again(pool):
    cursor = pool.borrow()
    cursor.execute("BEGIN")
    pool.give_back(cursor)
    assert cursor.connection.closed


def test_no_more_than_size_connections_wait_idle(pool):
    cursors = [pool.borrow() for _ in range(3)]
    assert len({c.execute("SELECT pg_backend_pid()").fetchone()[0] for c in cursors}) == 3
    for cursor in cursors:
        pool.give_back(cursor)
    assert [c.connection.closed for c in cursors] == [False, False, True]


def test_a_connection_idle_too_long_is_pinged_and_replaced_if_dropped(
    pool, database_url, monkeypatch
):
    first = _backend_pid(pool)
    with psycopg.connect(libpq_url(database_url), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (first,))
    monkeypatch.setattr(statement_pool, "IDLE_PING_SECONDS", 0.0)
    assert _backend_pid(pool) != first


def test_after_closing_nothing_is_lent_and_what_comes_back_is_closed(pool):
    cursor = pool.borrow()
    pool.close()
    with pytest.raises(psycopg.OperationalError, match="closing"):
        pool.borrow()
    pool.give_back(cursor)
    assert cursor.connection.closed


def test_run_prepares_once_per_connection_and_reads_typed_values(pool):
    statement = "SELECT $1::text, $2::bigint, ARRAY[$2::bigint, 7], $1 = 'x', NULL::int, now()"
    first = pool.run(statement, ("x", "42"))
    again = pool.run(statement, ("y", None))
    assert first[:5] == ("x", 42, [42, 7], True, None)
    assert again[:5] == ("y", None, [None, 7], False, None)
    listing = "SELECT array_agg(statement ORDER BY prepare_time) FROM pg_prepared_statements"
    assert pool.run(listing, ()) == ([statement, listing],)
    assert pool.run("SELECT 1 WHERE false", ()) is None


def test_run_raises_psycopgs_own_errors_and_keeps_the_connection(pool):
    pool.run("CREATE TABLE run_probe (id int PRIMARY KEY)", ())
    pool.run("INSERT INTO run_probe VALUES ($1::int)", ("1",))
    pid = _backend_pid(pool)
    with pytest.raises(psycopg.errors.UniqueViolation):
        pool.run("INSERT INTO run_probe VALUES ($1::int)", ("1",))
    with pytest.raises(psycopg.errors.SyntaxError):
        pool.run("SELEC 1", ())
    assert _backend_pid(pool) == pid
    assert pool.run("SELECT count(*) FROM run_probe", ()) == (1,)


def test_run_on_a_connection_that_was_dropped_fails_then_the_next_one_works(pool, database_url):
    pool.run("SELECT 1", ())
    pid = _backend_pid(pool)
    with psycopg.connect(libpq_url(database_url), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with pytest.raises(psycopg.OperationalError):
        pool.run("SELECT 1", ())
    assert pool.run("SELECT 1", ()) == (1,)
    assert _backend_pid(pool) != pid
