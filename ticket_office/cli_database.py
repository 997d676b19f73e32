"""A central server's password on the command line, the desk's way: from the system keyring
(the same entry the sign-in window uses, through DatabaseConnector), else typed at the terminal
when the server asks for one; `remember-database-password` is the sign-in window's "Remember it
in the system keyring" box. libpq's own PGPASSWORD and ~/.pgpass keep working underneath.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

from ticket_office import terminal
from ticket_office.config import DatabaseChoice
from ticket_office.database_connector import DatabaseConnector
from ticket_office.domain.errors import (
    DatabaseAuthenticationFailed,
    DatabaseUnavailable,
    ValidationError,
)

Opened = TypeVar("Opened")
LIBPQ_WAYS = "or give it to libpq in PGPASSWORD or ~/.pgpass"
NO_KEYRING = "This computer has no usable system keyring"


def open_chosen_database(cli_url: str | None, opener: Callable[[DatabaseChoice], Opened]) -> Opened:
    """`opener(choice)` for the chosen database, with its password found or asked for."""
    connector = DatabaseConnector.from_cli(cli_url)
    return connector.open_with(opener, lambda refused: _ask_password(connector, refused))


def _ask_password(connector: DatabaseConnector, refused: DatabaseAuthenticationFailed) -> str:
    usable = connector.keyring_status().usable
    stored = usable and connector.stored_password() is not None
    remember = _remember_command(connector)
    if not terminal.is_interactive():
        if not usable:
            how = (
                f"{NO_KEYRING} to take the password from: run the command on a terminal to "
                f"type it, {LIBPQ_WAYS}."
            )
        elif stored:
            how = (
                f"The password kept in the system keyring for {connector.account} was "
                f"refused: store the right one with `{remember}`."
            )
        else:
            how = (
                f"The password of {connector.account} is not in the system keyring: store it "
                f"there with `{remember}` (it asks for it, or reads it from standard input), "
                f"{LIBPQ_WAYS}."
            )
        raise DatabaseAuthenticationFailed(f"{refused}. {how}") from refused
    if not usable:
        note = connector.keyring_status().reason
    elif stored:
        note = f"{connector.description} refused the password kept in the system keyring."
    else:
        note = f"The password is not in the system keyring (`{remember}` keeps it there)."
    print(f"ticket-office: {note}", file=sys.stderr)
    password = terminal.ask_secret(f"Database password for {connector.account}: ")
    if not password:
        raise ValidationError("No database password was typed; nothing was done.")
    return password


def remember_database_password(cli_url: str | None, *, forget: bool = False) -> str:
    """Check the password against the server, then keep it in the keyring (or forget it)."""
    connector = DatabaseConnector.from_cli(cli_url)
    if connector.embedded:
        raise ValidationError(
            "The built-in database needs no password. Name a central server with "
            "--database-url, TICKET_OFFICE_DATABASE_URL or the config file."
        )
    if not connector.needs_password:
        raise ValidationError(
            "This database URL carries its own password: remove it from the URL, then run "
            "this command to keep the password in the system keyring."
        )
    status = connector.keyring_status()
    if forget:
        connector.store_password(None)
        return f"The system keyring holds no password for {connector.account} now."
    if not status.usable:
        raise ValidationError(
            f"{NO_KEYRING}, so the password cannot be kept safely; nothing was stored. On a "
            f"terminal the commands ask for it; scripts can give it to libpq in PGPASSWORD or "
            "~/.pgpass."
        )
    if terminal.is_interactive():
        password = terminal.ask_secret(f"Database password for {connector.account}: ")
    else:
        password = terminal.piped_secret("database password")
    if not password:
        raise ValidationError("No database password was given; nothing was stored.")
    from ticket_office.db.connect import check_connection

    try:
        check_connection(connector.choice_with_password(password))
    except DatabaseUnavailable as exc:
        raise type(exc)(f"{exc}. Nothing was stored.") from exc
    connector.store_password(password)
    return f"Stored the password of {connector.account}. {status.reason}"


def _remember_command(connector: DatabaseConnector) -> str:
    if connector.choice.source != "command line" or connector.choice.url is None:
        return "ticket-office remember-database-password"
    url = connector.choice.url.replace("postgresql+psycopg://", "postgresql://", 1)
    return f"ticket-office --database-url {url} remember-database-password"
