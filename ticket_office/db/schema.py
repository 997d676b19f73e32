"""Schema revisions: upgrade with Alembic, and check the revision when connecting."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from ticket_office.domain.errors import SchemaMismatch

MIGRATIONS = Path(__file__).parent / "migrations"


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
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


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
