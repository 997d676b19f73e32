"""Schema revisions: upgrade with Alembic, and check the revision when connecting."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine, inspect

from ticket_office.db import desk_access
from ticket_office.domain.errors import SchemaMismatch

MIGRATIONS = Path(__file__).parent / "migrations"


def revision_sql(name: str) -> str:
    """The text of migrations/sql/NAME, a SQL file that the revision it is named after installs.

    Such a file is history: a later change is a new file for a new revision, so what each
    revision installs never changes. The files sit beside the revisions, wherever Alembic finds
    those (a checkout, an installed wheel, a bundle).
    """
    return (MIGRATIONS / "sql" / name).read_text(encoding="utf-8")


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database records; None for a database without Ticket Office tables.

    SchemaMismatch when the record was damaged by hand (two revisions, or none on a database
    that has the tables): migrating it would fail half-way or run revisions twice.
    """
    with engine.connect() as conn:
        try:
            current = MigrationContext.configure(conn).get_current_revision()
        except CommandError:
            raise SchemaMismatch(
                "This database records more than one schema revision (table alembic_version "
                "was changed by hand). Restore it from a backup, or correct alembic_version."
            ) from None
        if current is None and inspect(conn).has_table("stations"):
            raise SchemaMismatch(
                "This database has Ticket Office tables but no recorded schema revision "
                "(table alembic_version was emptied or dropped). Restore it from a backup, or "
                "have a database administrator record its revision again."
            )
    return current


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate, and give desk roles their privileges on whatever the revisions added."""
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
        if revision == "head":
            desk_access.regrant_desk_roles(conn)


def revision_status(engine: Engine) -> tuple[str, str | None]:
    """("empty" | "current" | "behind" | "ahead", the database's revision)."""
    current = current_revision(engine)
    if current is None:
        return "empty", None
    script = ScriptDirectory.from_config(alembic_config())
    if current == script.get_current_head():
        return "current", current
    known = {rev.revision for rev in script.walk_revisions()}
    return ("behind" if current in known else "ahead"), current


def check_revision(engine: Engine) -> str | None:
    """Return the database's revision if this app can use it; raise SchemaMismatch otherwise.

    None means an empty database (the caller decides whether to migrate it).
    """
    status, current = revision_status(engine)
    head = head_revision()
    if status == "ahead":
        raise SchemaMismatch(
            f"This database has schema revision {current}, newer than this Ticket Office "
            f"knows ({head}). Install the newer Ticket Office that upgraded it."
        )
    if status == "behind":
        raise SchemaMismatch(
            f"This database has an older schema ({current}; this app needs {head}). "
            "A supervisor can upgrade it with: ticket-office migrate"
        )
    return current
