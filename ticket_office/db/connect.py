"""Opening the chosen database: start the embedded server if needed, connect, check the schema.

The embedded database is this app's own, so it is migrated automatically. A central server is
never migrated behind a supervisor's back: an older schema gets a message saying how to upgrade.
Whatever the server answers while connecting, checking or migrating comes back as a
TicketOfficeError with one line of the server's reason, never as a driver exception.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy import Engine, text
from sqlalchemy import exc as sa_exc

from ticket_office.config import EMBEDDED_DATABASE, DatabaseChoice, describe_url
from ticket_office.db import schema
from ticket_office.db.embedded import EmbeddedServer, start_embedded
from ticket_office.db.engine import make_engine
from ticket_office.domain.errors import (
    DatabaseAuthenticationFailed,
    DatabaseUnavailable,
    SchemaMismatch,
    TicketOfficeError,
)


class DatabaseRefused(TicketOfficeError):
    """The server answered but refused a statement (missing privileges, say)."""


@dataclass
class OpenedDatabase:
    engine: Engine
    url: str
    description: str  # for people: "embedded server in …" or "ticket_office on db.example"
    embedded: EmbeddedServer | None
    migrated_now: bool


def ensure_database(server: EmbeddedServer, name: str) -> None:
    with psycopg.connect(server.handle.get_uri("postgres"), autocommit=True) as conn:  # type: ignore[attr-defined]
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def open_database(
    choice: DatabaseChoice,
    *,
    data_dir: Path | None = None,
    pool_size: int = 4,
    migrate_central: bool = False,
) -> OpenedDatabase:
    embedded = None
    if choice.embedded:
        try:
            embedded = start_embedded(data_dir)
            ensure_database(embedded, EMBEDDED_DATABASE)
        except Exception as exc:  # the wheel raises many kinds; the user needs one message
            raise DatabaseUnavailable(
                f"The built-in database could not start ({type(exc).__name__}: {exc}). "
                "See its log in the data folder (ticket-office where)."
            ) from exc
        url = embedded.url(EMBEDDED_DATABASE)
        description = f"embedded server in {embedded.pgdata}"
    else:
        assert choice.url is not None
        url = choice.url
        description = describe_url(url)
    engine = make_engine(url, pool_size=pool_size)
    try:
        with _server_errors(description, migrating=migrate_central):
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            migrated = False
            if choice.embedded or migrate_central:
                migrated = _upgrade_if_behind(engine)
            elif schema.check_revision(engine) is None:
                raise SchemaMismatch(
                    f"The database {description} is empty. A supervisor can create the schema "
                    "with: ticket-office migrate"
                )
    except TicketOfficeError:
        engine.dispose()
        raise
    return OpenedDatabase(engine, url, description, embedded, migrated)


def check_connection(choice: DatabaseChoice) -> None:
    """Connect once and disconnect: the server is there and takes this URL's credentials."""
    assert choice.url is not None
    engine = make_engine(choice.url, pool_size=1)
    try:
        with _server_errors(describe_url(choice.url), migrating=False), engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    finally:
        engine.dispose()


@contextmanager
def _server_errors(description: str, *, migrating: bool) -> Iterator[None]:
    try:
        yield
    except sa_exc.OperationalError as exc:
        reason = _first_line(exc)
        if _is_authentication_failure(exc):
            raise DatabaseAuthenticationFailed(
                f"{description} refused the database password: {reason}"
            ) from exc
        raise DatabaseUnavailable(f"Cannot reach {description}: {reason}") from exc
    except sa_exc.DBAPIError as exc:
        hint = (
            " Run migrate as the database's owner, a role that may create tables and the "
            "btree_gist extension."
            if migrating and isinstance(exc.orig, psycopg.errors.InsufficientPrivilege)
            else ""
        )
        reason = _first_line(exc)
        stop = "" if reason.endswith(".") else "."
        raise DatabaseRefused(f"{description} refused: {reason}{stop}{hint}") from exc


def _first_line(exc: sa_exc.DBAPIError) -> str:
    # The driver's own text, without SQLAlchemy's statement and parameters.
    return (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]


def _is_authentication_failure(exc: sa_exc.OperationalError) -> bool:
    # libpq reports a refused password before a session exists, so the SQLSTATE is not always
    # set; its message is stable across server versions.
    code = getattr(exc.orig, "sqlstate", None)
    message = str(exc.orig).lower()
    return (
        code in {"28P01", "28000"}
        or "password authentication failed" in message
        or ("no password supplied" in message)
    )


def _upgrade_if_behind(engine: Engine) -> bool:
    status, _current = schema.revision_status(engine)
    if status == "current":
        return False
    if status == "ahead":
        schema.check_revision(engine)  # raises the "newer than this app" message
    schema.upgrade(engine)
    return True
