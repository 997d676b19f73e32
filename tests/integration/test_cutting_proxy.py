"""The cutting proxy against the real server: what each cut does to the client, and what the
server did with the request (saved or not), which is what tests of lost replies rely on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import psycopg
import pytest
from cutting_proxy import CuttingProxy, wait_until_backend_gone, wait_until_backend_waits_for_lock
from psycopg import sql

from ticket_office.db.engine import libpq_url


@pytest.fixture
def owner(database_url: str, desk_role) -> Iterator[psycopg.Connection]:
    """The fresh database as its owner (autocommit), with a scratch table the desk may write."""
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        conn.execute("CREATE TABLE proxy_scratch (id int PRIMARY KEY, note text NOT NULL)")
        conn.execute("INSERT INTO proxy_scratch VALUES (1, 'before')")
        if desk_role:
            conn.execute(
                sql.SQL("GRANT SELECT, INSERT, UPDATE ON proxy_scratch TO {}").format(
                    sql.Identifier(desk_role.name)
                )
            )
        yield conn


@pytest.fixture
def holder(database_url: str, owner) -> Iterator[psycopg.Connection]:
    """Another owner's connection, in a transaction: for holding locks the desk waits for."""
    with psycopg.connect(libpq_url(database_url)) as conn:
        yield conn


@pytest.fixture
def watcher(pg_server) -> Iterator[psycopg.Connection]:
    """A connection that sees every backend's wait events (the admin's)."""
    with pg_server.admin() as conn:
        yield conn


@pytest.fixture
def desk(proxied_desk_url: str) -> Iterator[Callable[..., psycopg.Connection]]:
    """Opens a desk's connection through the proxy."""
    opened: list[psycopg.Connection] = []

    def connect(*, autocommit: bool = True) -> psycopg.Connection:
        conn = psycopg.connect(libpq_url(proxied_desk_url), autocommit=autocommit)
        opened.append(conn)
        return conn

    yield connect
    for conn in opened:
        conn.close()


@pytest.fixture
def background() -> Iterator[Callable[..., Future]]:
    """Runs a call on another thread (a client blocked on the server while the test acts)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        yield pool.submit


def notes(owner: psycopg.Connection) -> list[tuple[int, str]]:
    return owner.execute("SELECT id, note FROM proxy_scratch ORDER BY id").fetchall()


INSERT = "INSERT INTO proxy_scratch VALUES (%s, %s) ON CONFLICT (id) DO NOTHING"
# How psycopg sends a statement: without parameters a simple Query; with them Parse, Bind,
# Execute; once prepared (after a few runs, or at once with prepare=True) a Bind alone.
PROTOCOLS = ["simple", "extended", "prepared"]


def insert_two(conn: psycopg.Connection, protocol: str) -> None:
    if protocol == "simple":
        conn.execute(INSERT.replace("%s, %s", "2, 'desk'"))
    else:
        conn.execute(INSERT, (2, "desk"), prepare=protocol == "prepared")


def prepare_insert(conn: psycopg.Connection, protocol: str) -> None:
    """For "prepared": make the server prepare INSERT now, so the cut sees only a Bind."""
    if protocol == "prepared":
        conn.execute(INSERT, (1, "conflicts: inserts nothing"), prepare=True)


def test_a_desk_connection_goes_through_the_proxy(
    desk, cutting_proxy: CuttingProxy, desk_role, owner
):
    conn = desk()
    user, pid = conn.execute("SELECT current_user, pg_backend_pid()").fetchone()
    for n in range(7):  # psycopg prepares a statement executed often: still seen by its SQL
        assert conn.execute("SELECT id FROM proxy_scratch WHERE id = %s", (n,)).fetchall() == (
            [(1,)] if n == 1 else []
        )
    if desk_role:
        assert user == desk_role.name
    (link,) = cutting_proxy.links
    assert link.backend_pid == pid == conn.info.backend_pid
    first = cutting_proxy.wait_until_server_received_query("pg_backend_pid")
    assert first.answered and first.link is link
    lookups = [r for r in cutting_proxy.requests if "FROM proxy_scratch" in r.sql]
    assert len(lookups) == 7 and all(r.answered for r in lookups)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_request_cut_before_it_is_sent_never_reaches_the_server(
    desk, cutting_proxy: CuttingProxy, owner, watcher, protocol
):
    conn = desk()
    conn.execute("SELECT 1")  # relayed: the cut waits for its own request
    prepare_insert(conn, protocol)
    cut = cutting_proxy.cut_before_request("INSERT INTO proxy_scratch")
    with pytest.raises(psycopg.OperationalError):
        insert_two(conn, protocol)
    assert cut.wait().sql.startswith("INSERT INTO proxy_scratch")
    assert [r.sql for r in cutting_proxy.requests if "INSERT" in r.sql] == (
        [INSERT.replace("%s", "$1", 1).replace("%s", "$2")] if protocol == "prepared" else []
    )  # (the prepared insert ran once before the cut)
    wait_until_backend_gone(watcher, cut.link.backend_pid)
    assert notes(owner) == [(1, "before")]
    assert desk().execute("SELECT count(*) FROM proxy_scratch").fetchone() == (1,)  # reconnects


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_lost_reply_to_an_autocommitted_insert_leaves_it_saved(
    desk, cutting_proxy: CuttingProxy, owner, protocol
):
    conn = desk()
    prepare_insert(conn, protocol)
    cut = cutting_proxy.cut_replies("INSERT INTO proxy_scratch")
    with pytest.raises(psycopg.OperationalError):
        insert_two(conn, protocol)
    assert not cut.wait().link.pending  # the server answered it
    sent = [r for r in cutting_proxy.requests if "INSERT" in r.sql]
    assert sent[-1].answered and sent[-1].sql == cut.sql
    assert notes(owner) == [(1, "before"), (2, "desk")]


def test_a_lost_reply_to_commit_leaves_the_transaction_saved(
    desk, cutting_proxy: CuttingProxy, owner
):
    conn = desk(autocommit=False)
    conn.execute("INSERT INTO proxy_scratch VALUES (2, 'saved')")  # relayed and answered
    cut = cutting_proxy.cut_replies("COMMIT")
    with pytest.raises(psycopg.OperationalError):
        conn.commit()
    assert cut.wait().sql == "COMMIT"
    assert notes(owner) == [(1, "before"), (2, "saved")]


def test_replies_are_lost_for_a_request_already_waiting_on_the_server(
    desk, cutting_proxy: CuttingProxy, owner, holder, watcher, background
):
    holder.execute("SELECT 1 FROM proxy_scratch WHERE id = 1 FOR UPDATE")
    conn = desk()
    update = background(conn.execute, "UPDATE proxy_scratch SET note = 'desk' WHERE id = 1")
    wait_until_backend_waits_for_lock(watcher, conn.info.backend_pid)
    cut = cutting_proxy.cut_replies("UPDATE proxy_scratch")
    assert cut.link.backend_pid == conn.info.backend_pid  # it fired on the waiting request
    holder.commit()
    with pytest.raises(psycopg.OperationalError):
        update.result(timeout=5)
    assert notes(owner) == [(1, "desk")]


# A cut closes the proxy's socket to the server, but a backend busy with a statement does not
# read it: what it then does is what a desk must reckon with after losing its connection.


@pytest.mark.parametrize(
    ("autocommit", "check_interval", "saved"),
    [
        (True, None, True),  # the statement ends, commits, and only its reply fails
        (False, None, False),  # the statement ends; reading the next one, the backend aborts
        (True, "100ms", False),  # the backend sees the client gone while it waits, and aborts
        (False, "100ms", False),
    ],
    ids=["autocommit", "transaction", "autocommit-checked", "transaction-checked"],
)
def test_a_backend_cut_off_while_it_waits_for_a_lock(
    desk, cutting_proxy, owner, holder, watcher, background, autocommit, check_interval, saved
):
    holder.execute("SELECT 1 FROM proxy_scratch WHERE id = 1 FOR UPDATE")
    conn = desk(autocommit=autocommit)
    if check_interval:
        conn.execute(f"SET client_connection_check_interval = '{check_interval}'")
    pid = conn.info.backend_pid
    update = background(conn.execute, "UPDATE proxy_scratch SET note = 'desk' WHERE id = 1")
    cutting_proxy.wait_until_server_received_query("UPDATE proxy_scratch")
    wait_until_backend_waits_for_lock(watcher, pid)
    cutting_proxy.cut_now()
    with pytest.raises(psycopg.OperationalError):
        update.result(timeout=5)
    if check_interval:
        wait_until_backend_gone(watcher, pid)  # while the lock is still held
    holder.commit()
    wait_until_backend_gone(watcher, pid)
    assert notes(owner) == [(1, "desk" if saved else "before")]


@pytest.mark.parametrize(
    ("check_interval", "saved"), [(None, True), ("100ms", False)], ids=["unchecked", "checked"]
)
def test_a_backend_cut_off_while_its_commit_waits_in_a_deferred_trigger(
    desk, cutting_proxy, owner, holder, watcher, background, check_interval, saved
):
    owner.execute(
        """
        CREATE FUNCTION proxy_wait_for_the_test() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_advisory_xact_lock(4242); RETURN NULL; END $$;
        CREATE CONSTRAINT TRIGGER proxy_waits AFTER INSERT ON proxy_scratch
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION proxy_wait_for_the_test();
        """
    )
    holder.execute("SELECT pg_advisory_lock(4242)")
    conn = desk(autocommit=False)
    if check_interval:
        conn.execute(f"SET client_connection_check_interval = '{check_interval}'")
    pid = conn.info.backend_pid
    conn.execute("INSERT INTO proxy_scratch VALUES (2, 'desk')")
    commit = background(conn.commit)
    cutting_proxy.wait_until_server_received_query("COMMIT")
    wait_until_backend_waits_for_lock(watcher, pid)
    cutting_proxy.cut_now()
    with pytest.raises(psycopg.OperationalError):
        commit.result(timeout=5)
    if check_interval:
        wait_until_backend_gone(watcher, pid)
    holder.execute("SELECT pg_advisory_unlock(4242)")
    wait_until_backend_gone(watcher, pid)
    assert notes(owner) == [(1, "before"), (2, "desk")] if saved else [(1, "before")]


def test_a_held_server_side_keeps_the_backend_and_its_locks_until_released(
    desk, cutting_proxy: CuttingProxy, owner, watcher
):
    """hold_server: the network gone without the server hearing it, as when a cable is cut."""
    conn = desk(autocommit=False)
    pid = conn.info.backend_pid
    conn.execute("UPDATE proxy_scratch SET note = 'desk' WHERE id = 1")
    cut = cutting_proxy.cut_now(hold_server=True)
    with pytest.raises(psycopg.OperationalError):
        conn.execute("SELECT 1")
    state = watcher.execute("SELECT state FROM pg_stat_activity WHERE pid = %s", (pid,))
    assert state.fetchone() == ("idle in transaction",) and cut.link.held
    with pytest.raises(psycopg.errors.LockNotAvailable):
        owner.execute("SELECT FROM proxy_scratch WHERE id = 1 FOR UPDATE NOWAIT")
    cutting_proxy.release_held()
    wait_until_backend_gone(watcher, pid)
    assert notes(owner) == [(1, "before")]
