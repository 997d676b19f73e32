"""Where the database is: command line, then environment, then config file, then embedded.

The config file (`config.toml` in the user's config folder) holds a URL without a password;
a central server's password lives in the OS keyring, never in the file.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import platformdirs

from ticket_office.domain.errors import ValidationError

ENV_URL = "TICKET_OFFICE_DATABASE_URL"
APP_NAME = "ticket-office"
EMBEDDED_DATABASE = "ticket_office"


def config_file() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


@dataclass(frozen=True)
class DatabaseChoice:
    """A central server URL, or None for the embedded default, and where the choice came from."""

    url: str | None
    source: str  # "command line", "environment", "config file" or "embedded default"

    @property
    def embedded(self) -> bool:
        return self.url is None


def normalise_url(url: str) -> str:
    url = url.strip()
    if not url:
        raise ValidationError("The database URL is empty.")
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if not url.startswith("postgresql+psycopg://"):
        raise ValidationError(
            "A database URL starts with postgresql:// (for example "
            "postgresql://clerk@db.example/ticket_office)."
        )
    return url


def describe_url(url: str) -> str:
    """'ticket_office on db.example:5432' for people: never the password."""
    parts = urlsplit(url)
    socket_folder = parse_qs(parts.query).get("host", [None])[0]
    host = parts.hostname or socket_folder or "local socket"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # not a number; the connection attempt will say so
        port = ""
    return f"{parts.path.lstrip('/') or '?'} on {host}{port}"


def choose_database(cli_url: str | None = None, *, file: Path | None = None) -> DatabaseChoice:
    if cli_url:
        return DatabaseChoice(normalise_url(cli_url), "command line")
    if env_url := os.environ.get(ENV_URL, "").strip():
        return DatabaseChoice(normalise_url(env_url), "environment")
    file = file or config_file()
    if file.exists():
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ValidationError(f"The config file {file} is not valid TOML: {exc}") from None
        url = data.get("database", {}).get("url")
        if url:
            return DatabaseChoice(normalise_url(str(url)), f"config file {file}")
    return DatabaseChoice(None, "embedded default")
