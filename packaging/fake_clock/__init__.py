"""Runs a command at another instant: Debian's faketime (libfaketime), which the test process
and the PostgreSQL it starts both inherit, plus a small shim for a libfaketime bug.

`dev.py test --at/--tz/--matrix` use it; only the standard library, like dev.py.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
SHIM_SOURCE = HERE / "monotonic_sleep.c"
SHIM = HERE.parent.parent / ".venv" / "fake_clock" / "monotonic_sleep.so"
# faketime itself, and a C compiler for the shim.
PACKAGES = {"faketime": "faketime", "cc": "gcc"}

# The instants the suite must pass at (`--matrix`): (at, zone). `at` None means the real time.
# Weekdays with and without every train, the last minutes of a Lisbon Saturday (already Sunday
# in Madrid), Europe's two clock changes, a year's last minute, and the zones furthest ahead of
# and well behind the network's.
TIME_MATRIX: tuple[tuple[str | None, str], ...] = (
    ("2026-12-10 10:00", "UTC"),  # a Thursday
    ("2026-12-11 10:00", "UTC"),  # a Friday
    ("2026-12-12 23:50", "Europe/Lisbon"),  # a Saturday
    ("2027-03-28 00:30", "UTC"),  # half an hour before the spring change
    ("2027-10-31 01:30", "UTC"),  # half an hour after the autumn change
    ("2027-12-31 23:59", "UTC"),
    (None, "Pacific/Kiritimati"),
    (None, "America/Los_Angeles"),
)


def clock_options(arguments: list[str]) -> tuple[str | None, str | None, bool, list[str]]:
    """Take `--at WHEN`, `--tz ZONE` and `--matrix` off the front of the test arguments."""
    at = zone = None
    matrix = False
    rest = list(arguments)
    while rest and rest[0] in {"--at", "--tz", "--matrix"}:
        option = rest.pop(0)
        if option == "--matrix":
            matrix = True
            continue
        if not rest:
            sys.exit(f"{option} needs a value, for example --at '2027-03-28 00:30' --tz UTC")
        value = rest.pop(0)
        if option == "--at":
            at = value
        else:
            zone = value
    if zone is not None:
        try:
            ZoneInfo(zone)
        except Exception:  # ZoneInfoNotFoundError, or ValueError for a malformed key
            sys.exit(f"{zone!r} is not a time zone name (for example Europe/Lisbon).")
    if at is not None:
        faked_epoch(at, zone)  # refuse a malformed time before anything runs
    return at, zone, matrix, rest


def faked_epoch(at: str, zone: str | None) -> int:
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        sys.exit(f"--at {at!r} is not a time such as '2027-03-28 00:30'.")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone or "UTC"))
    return int(moment.timestamp())


def clocked(command: list[str], env: dict[str, str], at: str | None, zone: str | None):
    """`command` and its environment at the instant `at` (faketime) and in `zone` (TZ)."""
    env = dict(env)
    if zone is not None:
        env["TZ"] = zone
    if at is None:
        return command, env
    # An epoch, so no zone's parsing rules come in; the clock goes on ticking from there.
    env["FAKETIME_FMT"] = "%s"
    # Only the wall clock moves: with a faked monotonic clock, Python's timed lock waits
    # (sem_clockwait, which libfaketime does not wrap) wait until the real clock catches up.
    env["FAKETIME_DONT_FAKE_MONOTONIC"] = "1"
    # The shim comes first in LD_PRELOAD, so its clock_nanosleep is the one Python's
    # time.sleep calls: libfaketime 0.9.10 shifts monotonic deadlines even when told not to
    # fake that clock, and every sleep fails with EINVAL.
    env["LD_PRELOAD"] = ":".join(filter(None, [str(SHIM), env.get("LD_PRELOAD")]))
    return ["faketime", "-f", f"@{faked_epoch(at, zone)}", *command], env


def ensure_fake_clock(install_system_packages: Callable[[list[str]], None]) -> None:
    """faketime on the PATH and the shim built (once, and again when its source changes)."""
    missing = [package for program, package in PACKAGES.items() if not shutil.which(program)]
    install_system_packages(missing)
    for program in PACKAGES:
        if not shutil.which(program):
            sys.exit(f"--at and --matrix need {program}: sudo apt-get install {PACKAGES[program]}")
    if SHIM.exists() and SHIM.stat().st_mtime >= SHIM_SOURCE.stat().st_mtime:
        return
    SHIM.parent.mkdir(parents=True, exist_ok=True)
    command = ["cc", "-shared", "-fPIC", "-O2", "-o", str(SHIM), str(SHIM_SOURCE), "-ldl"]
    subprocess.run(command, check=True)
