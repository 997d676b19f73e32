"""Where the database is: command line, then environment, then config file, then embedded.

The config file (`config.toml` in the user's config folder) holds a URL without a password;
a central server's password lives in the OS keyring, never in the file, and a file that holds
one is refused. URLs are checked here, before anything tries to connect, and shown to people
only with their passwords masked.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit, urlunsplit

import platformdirs

from ticket_office.domain.errors import ValidationError

ENV_URL = "TICKET_OFFICE_DATABASE_URL"
APP_NAME = "ticket-office"
EMBEDDED_DATABASE = "ticket_office"
# libpq takes these in a URL's query too; both are secrets.
_SECRET_PARAMETERS = frozenset({"password", "sslpassword"})
_URL_EXAMPLE = "postgresql://clerk@db.example:5432/ticket_office"
# Far past any real URL (a host name is at most 253 characters, PostgreSQL names 63 bytes).
MAX_URL_LENGTH = 2048
STORE_PASSWORD_HOW = (
    "keep it in the system keyring instead: run `ticket-office remember-database-password`, "
    'or tick "Remember it in the system keyring" when the sign-in window asks for it'
)


def config_file() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def log_file() -> Path:
    """Where the app and the command line log what people are not shown (tracebacks)."""
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)) / "ticket-office.log"


@dataclass(frozen=True)
class DatabaseChoice:
    """A central server URL, or None for the embedded default, and where the choice came from."""

    url: str | None
    source: str  # "command line", "environment", "config file" or "embedded default"

    @property
    def embedded(self) -> bool:
        return self.url is None


def normalise_url(url: str) -> str:
    """The SQLAlchemy form of a PostgreSQL URL, or a ValidationError saying what is wrong."""
    url = url.strip()
    if not url:
        raise ValidationError("The database URL is empty.")
    if len(url) > MAX_URL_LENGTH:
        raise ValidationError(
            f"The database URL is not valid: it is too long ({len(url)} characters, "
            f"at most {MAX_URL_LENGTH})."
        )
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
            break
    if not url.startswith("postgresql+psycopg://"):
        raise ValidationError(
            f"A database URL starts with postgresql:// (for example {_URL_EXAMPLE})."
        )
    _check_url(url)
    return url


def _check_url(url: str) -> None:
    # The message never repeats the URL: it may hold a password.
    def refuse(problem: str) -> ValidationError:
        return ValidationError(
            f"The database URL is not valid: {problem}. Write it as {_URL_EXAMPLE}."
        )

    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise refuse("it contains spaces or control characters")
    if "#" in url:
        raise refuse("it contains '#' (percent-encode it as %23)")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise refuse(_url_problem(exc)) from None
    if parts.netloc.rpartition("@")[2].endswith(":") or port == 0:
        raise refuse("the port must be a number from 1 to 65535")
    if not _host_name_fits(parts.hostname or ""):
        raise refuse("the server's name is not a host name (1 to 63 characters between dots)")


def _host_name_fits(host: str) -> bool:
    """A name the resolver can look up (IDNA), or an IPv6 address; a 64-character part is not."""
    if ":" in host:
        return True  # an IPv6 address, checked by urlsplit already
    try:
        host.encode("idna")
    except UnicodeError:
        return False
    return True


def _url_problem(exc: ValueError) -> str:
    text = str(exc)
    if "IPv6" in text:
        return "an IPv6 address goes in brackets, as [::1]:5432"
    if "Port" in text or "port" in text:
        return "the port must be a number from 1 to 65535"
    return "it cannot be read as a URL"  # the exception's own text may quote the password


def url_has_password(url: str) -> bool:
    """Any secret at all: the login password or a client key's passphrase (`sslpassword`)."""
    return url_has_login_password(url) or "sslpassword" in parse_qs(urlsplit(url).query)


def url_has_login_password(url: str) -> bool:
    """The password the server checks at login; `sslpassword` only unlocks a client key."""
    parts = urlsplit(url)
    return parts.password is not None or "password" in parse_qs(parts.query)


def without_password(url: str) -> str:
    return _replace_password(url, None)


def masked_url(url: str) -> str:
    """The URL with every password shown as ***: the form `where` and messages print."""
    return _replace_password(url, "***")


def _replace_password(url: str, replacement: str | None) -> str:
    parts = urlsplit(url)
    netloc, query = parts.netloc, parts.query
    if parts.password is not None:
        user_info, _, host = netloc.rpartition("@")
        user = user_info.partition(":")[0]
        shown = user if replacement is None else f"{user}:{replacement}"
        netloc = f"{shown}@{host}"
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(key in _SECRET_PARAMETERS for key, _ in pairs):
        query = urlencode(
            [
                (key, replacement if key in _SECRET_PARAMETERS else value)
                for key, value in pairs
                if key not in _SECRET_PARAMETERS or replacement is not None
            ],
            safe="/:*",
        )
    return urlunsplit(parts._replace(netloc=netloc, query=query))


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
    """The first of: the command line's URL (even empty: that is a mistake, not "embedded"),
    the environment's, the config file's, the embedded server."""
    if cli_url is not None:
        return DatabaseChoice(normalise_url(cli_url), "command line")
    if env_url := os.environ.get(ENV_URL, "").strip():
        return DatabaseChoice(normalise_url(env_url), "environment")
    file = file or config_file()
    if url := url_from_config_file(file):
        return DatabaseChoice(url, f"config file {file}")
    return DatabaseChoice(None, "embedded default")


def url_from_config_file(file: Path) -> str | None:
    """The file's `[database] url`, checked; None when there is no file or no URL in it."""
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise ValidationError(f"The config file {file} is a folder, not a file.") from None
    except OSError as exc:
        raise ValidationError(
            f"The config file {file} cannot be read: {exc.strerror or exc}."
        ) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError(f"The config file {file} is not valid TOML: {exc}") from None
    database = data.get("database", {})
    if not isinstance(database, dict):
        raise ValidationError(
            f"In the config file {file}, database must be a table: write "
            f'[database] on one line and url = "{_URL_EXAMPLE}" on the next.'
        )
    if "url" not in database:
        return None
    url = database["url"]
    if not isinstance(url, str) or not url.strip():
        raise ValidationError(
            f"In the config file {file}, [database] url must be a URL such as "
            f'"{_URL_EXAMPLE}"; remove the line to use the built-in database.'
        )
    try:
        url = normalise_url(url)
    except ValidationError as exc:
        raise ValidationError(f"In the config file {file}: {exc}") from None
    if url_has_password(url):
        plain = without_password(url).replace("postgresql+psycopg://", "postgresql://", 1)
        raise ValidationError(
            f"The config file {file} has a password in its database URL, and a password is "
            f'never read from a plain file. Remove it from the URL (url = "{plain}") '
            f"and {STORE_PASSWORD_HOW}."
        )
    return url
