"""The composition root: choose and open the database, fill an empty embedded one with the demo
network, and hand the app a services object. The UI receives what this builds and never
imports the database package itself.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from ticket_office.config import DatabaseChoice, choose_database
from ticket_office.db.connect import OpenedDatabase, open_database
from ticket_office.db.engine import make_session_factory
from ticket_office.db.notifications import SeatChangeListener
from ticket_office.db.statement_pool import StatementPool
from ticket_office.demo.loader import load_demo, network_is_empty
from ticket_office.services.desks import SignInServices
from ticket_office.services.holds import DEFAULT_HOLD_SECONDS
from ticket_office.services.unit_of_work import UnitOfWork, make_uow_factory

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServerInfo:
    """What the login dialog shows about the server (never a password)."""

    embedded: bool
    description: str
    source: str


@dataclass
class Backend:
    services: SignInServices
    server: ServerInfo
    database: OpenedDatabase = field(repr=False)
    statements: StatementPool = field(repr=False)

    def uow(self) -> UnitOfWork:
        return self.services.uow()

    @property
    def listener_url(self) -> str:
        return self.database.url

    def change_listener(self) -> SeatChangeListener:
        """A new, unconnected LISTEN connection for live seat updates."""
        return SeatChangeListener(self.database.url)

    def close(self) -> None:
        self.services.uow.close()  # the seat notices still queued go out first
        self.statements.close()
        self.database.engine.dispose()


def _hold_seconds_from_env() -> int:
    """TICKET_OFFICE_HOLD_MINUTES sets how long a selected seat stays held (default and most:
    5; the server holds no seat longer, migrations/sql/0016_holds.sql)."""
    raw = os.environ.get("TICKET_OFFICE_HOLD_MINUTES", "").strip()
    try:
        minutes = float(raw) if raw else 5.0
    except ValueError:
        minutes = 5.0
    return max(30, min(int(minutes * 60), DEFAULT_HOLD_SECONDS))


def open_backend(
    cli_url: str | None = None,
    *,
    choice: DatabaseChoice | None = None,
    data_dir: Path | None = None,
    load_demo_if_empty: bool = True,
    pool_size: int = 4,
    hold_seconds: int | None = None,
) -> Backend:
    choice = choice or choose_database(cli_url)
    opened = open_database(choice, data_dir=data_dir, pool_size=pool_size)
    statements = StatementPool(opened.url, size=pool_size)
    uow_factory = make_uow_factory(
        make_session_factory(opened.engine), opened.description, statements
    )
    if choice.embedded and load_demo_if_empty and network_is_empty(uow_factory()):
        _log.info("First start: loading the demo network")
        load_demo(uow_factory, progress=_log.info)
    return Backend(
        SignInServices(uow_factory, hold_seconds or _hold_seconds_from_env()),
        ServerInfo(choice.embedded, opened.description, choice.source),
        opened,
        statements,
    )
