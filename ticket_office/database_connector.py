"""The server the app will use, its password, and the backend once opened (no Qt here).

A central server's password, when the URL has none, comes from the system keyring or from
the person signing in; it is kept only in memory and, if asked, in the keyring, never in a
file. Opening the backend is a blocking network call: the desk runs `open` on its task runner.
Nothing heavy is imported until then, so the sign-in window appears first. The command line
uses the same connector (`open_with`), asking at the terminal where the desk shows a dialog.
"""

from __future__ import annotations

import getpass
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from ticket_office.config import (
    DatabaseChoice,
    choose_database,
    describe_url,
    url_has_login_password,
    url_has_password,
)
from ticket_office.domain.errors import DatabaseAuthenticationFailed, TicketOfficeError

if TYPE_CHECKING:
    from ticket_office.backend import Backend

__all__ = [
    "DatabaseConnector",
    "KeyringState",
    "keyring_state",
    "url_has_password",
    "with_password",
]

Opened = TypeVar("Opened")

_log = logging.getLogger(__name__)

KEYRING_SERVICE = "Ticket Office database"


@dataclass(frozen=True)
class KeyringState:
    usable: bool
    reason: str


def keyring_state() -> KeyringState:
    """Whether a real password store exists here. A plain-text file store does not count."""
    import keyring
    from keyring.backends import fail

    backend = keyring.get_keyring()
    module = type(backend).__module__
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 1) <= 0:
        return KeyringState(
            False,
            "This computer has no password store (system keyring), so the password cannot be "
            "remembered safely. You will be asked for it at each start.",
        )
    if module.startswith("keyrings.alt") and "plaintext" in type(backend).__name__.lower():
        return KeyringState(
            False,
            "Only a plain-text password file is available here; "
            "Ticket Office does not store passwords in files.",
        )
    name = getattr(backend, "name", type(backend).__name__)
    return KeyringState(True, f"Kept in the system keyring ({name}), never in a file.")


def with_password(url: str, password: str) -> str:
    parts = urlsplit(url)
    user = unquote(parts.username) if parts.username else getpass.getuser()
    host = parts.netloc.rsplit("@", 1)[-1]
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}"
    return urlunsplit(parts._replace(netloc=netloc))


class DatabaseConnector:
    """The chosen server, its password (keyring or typed), and the opened backend."""

    def __init__(
        self,
        choice: DatabaseChoice,
        *,
        data_dir: Path | None = None,
        backend: Backend | None = None,
    ) -> None:
        self.choice = choice
        self.backend = backend
        self._data_dir = data_dir
        self._keyring: KeyringState | None = None

    @classmethod
    def from_cli(cls, cli_url: str | None) -> DatabaseConnector:
        return cls(choose_database(cli_url))

    @classmethod
    def for_backend(cls, backend: Backend) -> DatabaseConnector:
        """An already open backend (tests, tools)."""
        url = None if backend.server.embedded else backend.listener_url
        return cls(DatabaseChoice(url, backend.server.source), backend=backend)

    @property
    def embedded(self) -> bool:
        return self.choice.embedded

    @property
    def description(self) -> str:
        if self.backend is not None:
            return self.backend.server.description
        return "built-in database" if self.embedded else describe_url(self.choice.url or "")

    @property
    def needs_password(self) -> bool:
        return (
            not self.embedded
            and bool(self.choice.url)
            and not url_has_login_password(self.choice.url or "")
        )

    @property
    def account(self) -> str:
        parts = urlsplit(self.choice.url or "")
        return f"{parts.username or getpass.getuser()}@{describe_url(self.choice.url or '')}"

    def keyring_status(self) -> KeyringState:
        if self._keyring is None:
            self._keyring = keyring_state()
        return self._keyring

    def stored_password(self) -> str | None:
        if not self.keyring_status().usable:
            return None
        import keyring

        try:
            return keyring.get_password(KEYRING_SERVICE, self.account)
        except Exception as exc:
            _log.warning("Could not read the keyring: %s", exc)
            return None

    def choice_with_password(self, password: str | None = None) -> DatabaseChoice:
        """The choice with the password the URL lacks: the one typed, else the keyring's.
        Without either the URL stays as it is (libpq may still find PGPASSWORD or .pgpass)."""
        url = self.choice.url
        if self.needs_password and url:
            secret = password if password is not None else self.stored_password()
            if secret:
                url = with_password(url, secret)
        return DatabaseChoice(url, self.choice.source)

    def open_with(
        self,
        opener: Callable[[DatabaseChoice], Opened],
        ask_password: Callable[[DatabaseAuthenticationFailed], str],
    ) -> Opened:
        """`opener(choice)` with the keyring's password; if the server refuses, once more with
        the password `ask_password` gets (blocking: the command line's way of asking)."""
        try:
            return opener(self.choice_with_password())
        except DatabaseAuthenticationFailed as refused:
            if not self.needs_password:
                raise
            return opener(self.choice_with_password(ask_password(refused)))

    def open(self, password: str | None = None, remember: bool = False) -> Backend:
        """Open the server (blocking: run it on the task runner)."""
        if self.backend is not None:
            return self.backend
        from ticket_office.backend import open_backend

        self.backend = open_backend(
            choice=self.choice_with_password(password), data_dir=self._data_dir
        )
        if password is not None:
            self._keep_password(password if remember else None)
        return self.backend

    def store_password(self, password: str | None) -> None:
        """Put the password in the keyring (None: remove it), or say why it cannot be."""
        status = self.keyring_status()
        if not status.usable:
            raise TicketOfficeError(status.reason)
        import keyring
        from keyring.errors import PasswordDeleteError

        try:
            if password is None:
                keyring.delete_password(KEYRING_SERVICE, self.account)
            else:
                keyring.set_password(KEYRING_SERVICE, self.account, password)
        except PasswordDeleteError:
            pass  # nothing was stored: forgetting is done
        except Exception as exc:
            raise TicketOfficeError(f"The system keyring refused: {exc}") from exc

    def _keep_password(self, password: str | None) -> None:
        try:
            self.store_password(password)
        except TicketOfficeError as exc:  # the sign-in already said the keyring is unusable
            _log.info("Keyring: %s", exc)

    def close(self) -> None:
        if self.backend is not None:
            self.backend.close()
