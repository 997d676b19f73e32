"""Shared fixtures: one PostgreSQL server per test session, a migrated demo template, and a fresh
database per test copied from it (CREATE DATABASE ... TEMPLATE takes a fraction of a second).

Set TICKET_OFFICE_TEST_DATABASE_URL (a role that may CREATE DATABASE and CREATE ROLE) to run
everything against an external server instead of the embedded one.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import keyring
import psycopg
import pytest
from keyring.backend import KeyringBackend
from psycopg import sql
from sqlalchemy import Engine

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import owner_reads
import ticket_keys

from ticket_office.backend import Backend, open_backend
from ticket_office.config import DatabaseChoice, normalise_url
from ticket_office.db import desk_access, schema
from ticket_office.db.engine import libpq_url, make_engine, make_session_factory
from ticket_office.demo.loader import load_demo
from ticket_office.services.results import JourneyOption, OperatorContext
from ticket_office.services.unit_of_work import make_uow_factory

EXTERNAL_URL = os.environ.get("TICKET_OFFICE_TEST_DATABASE_URL")
TEMPLATE = f"to_template_{os.getpid()}"
DESK_ROLE = f"to_desk_{os.getpid()}"
_counter = itertools.count()


@dataclass(frozen=True)
class TestServer:
    """Where test databases are made: `url_for(name)` gives a SQLAlchemy URL."""

    admin_conninfo: str
    base_url: str

    def url_for(self, database: str) -> str:
        from sqlalchemy.engine import make_url

        return make_url(self.base_url).set(database=database).render_as_string(hide_password=False)

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(self.admin_conninfo, autocommit=True)

    def create_database(self, name: str, template: str | None = None) -> str:
        with self.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            suffix = f' TEMPLATE "{template}"' if template else ""
            conn.execute(f'CREATE DATABASE "{name}"{suffix}')
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        with self.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(autouse=True)
def _signing_secret_of_the_tests(tmp_path_factory, monkeypatch):
    """Every desk has the secret the demo template's key is sealed with; a test that takes it
    away finds the file a real machine would use outside the real data folder."""
    secret = tmp_path_factory.getbasetemp() / "ticket-signing-secret"
    monkeypatch.setenv("TICKET_OFFICE_SIGNING_SECRET_FILE", str(secret))
    monkeypatch.setenv("TICKET_OFFICE_SIGNING_SECRET", ticket_keys.TEST_SIGNING_SECRET)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[TestServer]:
    if EXTERNAL_URL:
        url = normalise_url(EXTERNAL_URL)
        yield TestServer(libpq_url(url), url)
        return
    from ticket_office.db.embedded import start_embedded

    data_dir = Path(tempfile.mkdtemp(prefix="ticket-office-tests-"))
    server = start_embedded(data_dir)
    yield TestServer(libpq_url(server.url("postgres")), server.url("postgres"))
    server.stop()
    shutil.rmtree(data_dir, ignore_errors=True)  # about 300 MB a session


def url_as(url: str, role: str, password: str | None = None) -> str:
    """`url` logging in as another role (its password, if any, replaces the URL's)."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(username=role, password=password).render_as_string(hide_password=False)


@dataclass(frozen=True)
class DeskRole:
    name: str
    password: str


def _make_role(pg_server: TestServer, name: str) -> Iterator[DeskRole | None]:
    role = DeskRole(name, secrets.token_urlsafe(16))
    try:
        with pg_server.admin() as conn:
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                    sql.Identifier(role.name), sql.Literal(role.password)
                )
            )
    except psycopg.errors.InsufficientPrivilege:
        yield None
        return
    yield role
    # Tidiness only: an embedded server goes with its folder when the session ends.
    with pg_server.admin() as conn, contextlib.suppress(psycopg.errors.DependentObjectsStillExist):
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role.name)))


@pytest.fixture(scope="session")
def desk_role(pg_server: TestServer) -> Iterator[DeskRole | None]:
    """The role the app's tests connect as: a counter's (db/desk_access.py), neither owner nor
    superuser, as desks should be on a central server, so a statement needing more than a
    counter's privileges fails its test. None only where the given role may not create
    roles; the tests then connect as the given role."""
    yield from _make_role(pg_server, DESK_ROLE)


@pytest.fixture(scope="session")
def supervisor_role(pg_server: TestServer) -> Iterator[DeskRole | None]:
    """A supervisor's desk role: what only a supervisor's desk may call (operator accounts)."""
    yield from _make_role(pg_server, f"{DESK_ROLE}_supervisor")


@pytest.fixture(scope="session")
def demo_template(
    pg_server: TestServer, desk_role: DeskRole | None, supervisor_role: DeskRole | None
) -> Iterator[str]:
    """A database migrated by the real Alembic revisions and filled with the demo network."""
    url = pg_server.create_database(TEMPLATE)
    engine = make_engine(url, pool_size=1)
    schema.upgrade(engine)
    load_demo(
        make_uow_factory(make_session_factory(engine), "template"),
        sold_days=1,
        signing_secret=ticket_keys.secret,
    )
    with engine.begin() as conn:
        if desk_role:
            desk_access.grant_desk_access(conn, desk_role.name, "counter")
        if supervisor_role:
            desk_access.grant_desk_access(conn, supervisor_role.name, "supervisor")
    engine.dispose()
    yield TEMPLATE
    pg_server.drop_database(TEMPLATE)


@pytest.fixture(scope="session")
def full_day(pg_server: TestServer, demo_template: str) -> date:
    """A travel day on which every train of the demo runs: the first one at least two days after
    today at every station (so nothing has departed and the demo's sample sales, made for
    today, are not on it). Read from the runs the timetable generated, so the services' own
    operating days decide (the second-to-last train each way runs on weekdays only)."""
    with psycopg.connect(libpq_url(pg_server.url_for(demo_template))) as conn:
        row = conn.execute(
            """
            SELECT r.service_date FROM runs r
            WHERE r.service_date >= (SELECT max((now() AT TIME ZONE s.timezone)::date) + 2
                                     FROM stations s)
            GROUP BY r.service_date
            HAVING count(*) = (SELECT count(*) FROM services)
            ORDER BY r.service_date LIMIT 1
            """
        ).fetchone()
    assert row is not None, "the demo has no day on which every train runs"
    return row[0]


@pytest.fixture
def database_url(pg_server: TestServer, demo_template: str) -> Iterator[str]:
    """A fresh demo database for one test."""
    name = f"to_test_{os.getpid()}_{next(_counter)}"
    url = pg_server.create_database(name, template=demo_template)
    owner_reads.register(url)
    yield url
    pg_server.drop_database(name)


@pytest.fixture
def desk_url(database_url: str, desk_role: DeskRole | None) -> str:
    """The fresh database as a desk reaches it: as the desk role (database_url is the owner)."""
    if desk_role is None:
        return database_url
    return url_as(database_url, desk_role.name, desk_role.password)


@pytest.fixture
def owner_engine(database_url: str) -> Iterator[Engine]:
    """The fresh database as its owner: for setting up what no desk may do (departed trains,
    changed fares, damaged rows)."""
    engine = make_engine(database_url, pool_size=1)
    yield engine
    engine.dispose()


@pytest.fixture
def backend(desk_url: str) -> Iterator[Backend]:
    opened = open_backend(choice=DatabaseChoice(desk_url, "test"), pool_size=8)
    yield opened
    opened.close()


def _small_backend(url: str) -> Iterator[Backend]:
    opened = open_backend(choice=DatabaseChoice(url, "test"), pool_size=2)
    yield opened
    opened.close()


@pytest.fixture
def supervisor_desk(database_url: str, supervisor_role: DeskRole | None) -> Iterator[Backend]:
    """The fresh database as a supervisor's desk reaches it (its own kind of desk role)."""
    if supervisor_role is None:
        yield from _small_backend(database_url)
    else:
        yield from _small_backend(
            url_as(database_url, supervisor_role.name, supervisor_role.password)
        )


@pytest.fixture
def owner_backend(database_url: str) -> Iterator[Backend]:
    """The fresh database as its owner: the command line on the database host."""
    yield from _small_backend(database_url)


class MemoryKeyring(KeyringBackend):
    """A system keyring that forgets everything when the test ends."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    store = MemoryKeyring()
    keyring.set_keyring(store)
    yield store
    keyring.set_keyring(previous)


DEMO_PASSWORDS = {
    "clerk": "clerk-demo-2026",
    "conductor": "conductor-demo-2026",
    "supervisor": "supervisor-demo-2026",
}


@pytest.fixture
def services(backend: Backend):
    return backend.services


@pytest.fixture
def clerk(services) -> OperatorContext:
    return services.log_in("clerk", DEMO_PASSWORDS["clerk"])


@pytest.fixture
def conductor(services) -> OperatorContext:
    return services.log_in("conductor", DEMO_PASSWORDS["conductor"])


@pytest.fixture
def supervisor(services) -> OperatorContext:
    return services.log_in("supervisor", DEMO_PASSWORDS["supervisor"])


@pytest.fixture
def journey(services, clerk, full_day) -> JourneyOption:
    """The first Porto → Madrid train of a day when every train runs (unsold in the demo)."""
    return services.counter(clerk).search_journeys("PCA", "MAD", full_day)[0]
