#!/usr/bin/env python3
"""Set up everything Ticket Office needs on a fresh Linux machine, then run it or its tests.

    python3 packaging/dev.py app     # install what is missing, start the desk app
    python3 packaging/dev.py test    # install what is missing, run the whole test suite

    python3 packaging/dev.py test --at "2027-03-28 00:30" [--tz Europe/Lisbon] [pytest args]
        the suite with the clock set to that instant (UTC unless --tz names the zone, which
        also becomes the machine's zone for the run), through Debian's faketime
    python3 packaging/dev.py test --tz Pacific/Kiritimati   # the real time, another zone
    python3 packaging/dev.py test --matrix [pytest args]    # every instant below, in turn

Only the standard library is used here, because nothing else is installed yet. The virtual
environment lives in `.venv/` beside pyproject.toml and is refreshed when pyproject changes.
Qt needs a few system libraries and a font: as root they are installed with apt-get; as a
normal user the exact command to ask an administrator for is printed.
"""

from __future__ import annotations

import ctypes.util
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from fake_clock import TIME_MATRIX, clock_options, clocked, ensure_fake_clock

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"

# Debian package names for what Qt's offscreen and X11 platform plugins load at run time.
SYSTEM_LIBRARIES = {
    "EGL": "libegl1",
    "GL": "libgl1",
    "fontconfig": "libfontconfig1",
    "xkbcommon": "libxkbcommon0",
    "dbus-1": "libdbus-1-3",
    "glib-2.0": "libglib2.0-0",
}
DISPLAY_LIBRARIES = {
    "xkbcommon-x11": "libxkbcommon-x11-0",
    "xcb-cursor": "libxcb-cursor0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-keysyms": "libxcb-keysyms1",
    "xcb-image": "libxcb-image0",
    "xcb-render-util": "libxcb-render-util0",
    "xcb-randr": "libxcb-randr0",
    "xcb-shape": "libxcb-shape0",
    "xcb-xinerama": "libxcb-xinerama0",
    "xcb-xkb": "libxcb-xkb1",
}
FONT_PACKAGE = "fonts-dejavu-core"
# Tickets print passengers' names as typed: fonts for the scripts names come in, by the
# fontconfig language that shows whether one is there (Noto for most scripts, WenQuanYi Micro
# Hei for Chinese, Japanese and Korean: 14 MB together).
NAME_FONTS = {
    "ar": "fonts-noto-core", "he": "fonts-noto-core", "hi": "fonts-noto-core",
    "th": "fonts-noto-core", "el": "fonts-noto-core", "ru": "fonts-noto-core",
    "zh-cn": "fonts-wqy-microhei", "ja": "fonts-wqy-microhei", "ko": "fonts-wqy-microhei",
}  # fmt: skip
# The tests rasterise printed tickets with pdftoppm to prove their QR codes scan.
TEST_PROGRAMS = {"pdftoppm": "poppler-utils"}


def say(message: str) -> None:
    print(f"[ticket-office] {message}", flush=True)


def missing_system_packages(with_display: bool, for_tests: bool) -> list[str]:
    wanted = dict(SYSTEM_LIBRARIES)
    if with_display:
        wanted.update(DISPLAY_LIBRARIES)
    missing = [
        package for library, package in wanted.items() if ctypes.util.find_library(library) is None
    ]
    if for_tests:
        missing += [
            package for program, package in TEST_PROGRAMS.items() if shutil.which(program) is None
        ]
    if not shutil.which("fc-list"):
        missing.append("fontconfig")  # fc-list: how the next run sees which fonts are there
    if not _fonts_for():
        missing.append(FONT_PACKAGE)
    missing += sorted({package for lang, package in NAME_FONTS.items() if not _fonts_for(lang)})
    return missing


def _fonts_for(lang: str = "") -> str:
    """fc-list's fonts (for a language), or "" without fontconfig."""
    if not shutil.which("fc-list"):
        return ""
    pattern = f":lang={lang}" if lang else ":"
    return subprocess.run(["fc-list", pattern], capture_output=True, text=True).stdout.strip()


def install_system_packages(packages: list[str]) -> None:
    if not packages:
        return
    command = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        say("Qt needs these system packages, which only an administrator can install:")
        say("  sudo apt-get update && sudo " + " ".join(command))
        say("Continuing; Qt may fail to start until they are installed.")
        return
    say("Installing system packages: " + " ".join(packages))
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run([*command, "-qq"], check=True, env=env)


def ensure_virtualenv() -> None:
    if PYTHON.exists():
        return
    say(f"Creating the virtual environment in {VENV}")
    try:
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    except subprocess.CalledProcessError:
        shutil.rmtree(VENV, ignore_errors=True)
        if os.geteuid() == 0 and shutil.which("apt-get"):
            minor = f"python{sys.version_info.major}.{sys.version_info.minor}-venv"
            install_system_packages(["python3-venv", minor])
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        else:
            sys.exit("Python's venv module is missing: sudo apt-get install python3-venv")


def ensure_python_packages() -> None:
    build_files = (ROOT / "pyproject.toml", ROOT / "setup.py")
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in build_files)).hexdigest()[:16]
    stamp = VENV / f".installed-{digest}"
    if stamp.exists():
        return
    say("Installing Python packages (first run, or pyproject.toml or setup.py changed)")
    pip = [str(PYTHON), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "install", "-e", f"{ROOT}[test]"], check=True)
    for old in VENV.glob(".installed-*"):
        old.unlink()
    stamp.touch()


def run_app(arguments: list[str]) -> int:
    if not (
        os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
        or os.environ.get("QT_QPA_PLATFORM")
    ):
        say(
            "No display found. On a headless machine run:  xvfb-run -a python3 packaging/dev.py app"
        )
        return 1
    return subprocess.call([str(PYTHON), str(ROOT / "main.py"), *arguments], cwd=ROOT)


def run_tests(arguments: list[str]) -> int:
    at, zone, matrix, arguments = clock_options(arguments)
    if at is not None or matrix:
        ensure_fake_clock(install_system_packages)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    bin_dir = VENV / "bin"
    checks = [
        ("architecture contracts", [str(bin_dir / "lint-imports")]),
        ("lint", [str(bin_dir / "ruff"), "check", "."]),
        ("format check", [str(bin_dir / "ruff"), "format", "--check", "."]),
    ]
    for name, command in checks:
        say(f"Running {name}")
        code = subprocess.call(command, cwd=ROOT, env=env)
        if code != 0:
            say(f"{name} failed (exit {code})")
            return code
    pytest = [str(PYTHON), "-m", "pytest", *arguments]
    if not matrix:
        return run_pytest(pytest, env, at, zone)
    results = [(at, zone, run_pytest(pytest, env, at, zone)) for at, zone in TIME_MATRIX]
    say("Time matrix:")
    for at, zone, code in results:
        say(f"  {'passed' if code == 0 else f'FAILED (exit {code})':18} {at or 'now'} {zone}")
    return next((code for _at, _zone, code in results if code != 0), 0)


def run_pytest(pytest: list[str], env: dict[str, str], at: str | None, zone: str | None) -> int:
    when = f" at {at}" if at else ""
    where = f" in {zone}" if zone else ""
    say(f"Running tests{when}{where}")
    command, env = clocked(pytest, env, at, zone)
    code = subprocess.call(command, cwd=ROOT, env=env)
    if code != 0:
        say(f"tests{when}{where} failed (exit {code})")
    return code


def main() -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 - runs on whatever python3 the machine has
        sys.exit(f"Ticket Office needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if len(sys.argv) < 2 or sys.argv[1] not in {"app", "test"}:
        print(__doc__)
        return 2
    command, arguments = sys.argv[1], sys.argv[2:]
    install_system_packages(
        missing_system_packages(with_display=command == "app", for_tests=command == "test")
    )
    ensure_virtualenv()
    ensure_python_packages()
    return run_app(arguments) if command == "app" else run_tests(arguments)


if __name__ == "__main__":
    sys.exit(main())
