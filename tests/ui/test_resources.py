"""The icons and the theme ship with the package and are found wherever the app runs: a
checkout, an installed wheel, a PyInstaller bundle. A missing one stops the start-up, naming
the file, instead of opening a desk without its theme. The schema revisions and the SQL files
they install ship too."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ticket_office.db import schema
from ticket_office.ui import resources
from ticket_office.ui.app import run_app

ROOT = Path(__file__).resolve().parents[2]
# What `pip wheel .` reads; copied so the build leaves no build/ folder in the checkout.
BUILD_INPUTS = ("pyproject.toml", "setup.py", "README.md", "ticket_office", "resources")

SHIPPED = {
    "ticket_office/resources/theme.qss",
    *(f"ticket_office/resources/icons/{svg.name}" for svg in (ROOT / "resources/icons").iterdir()),
}
MIGRATIONS = ROOT / "ticket_office/db/migrations"
REVISIONS = {
    f"ticket_office/db/migrations/{path.relative_to(MIGRATIONS).as_posix()}"
    for path in (*MIGRATIONS.glob("versions/*.py"), *MIGRATIONS.glob("sql/*.sql"))
}

READ_THE_INSTALLED_REVISIONS = """
from ticket_office.db import schema
print(schema.MIGRATIONS)
print(schema.head_revision())
assert "CREATE OR REPLACE FUNCTION sell_seats(" in schema.revision_sql("0012_sell_seats.sql")
"""

USE_THE_INSTALLED_FILES = """
from PySide6.QtGui import QGuiApplication
app = QGuiApplication(["wheel-check"])
from ticket_office.ui import resources
print(resources.resources_dir())
assert "palette(" in resources.style_sheet()
assert not resources.icon("swap").isNull()
assert not resources.app_icon().isNull()
"""


def test_a_checkout_uses_the_top_level_resources_folder(qapp):
    assert resources.resources_dir() == ROOT / "resources"
    assert "palette(" in resources.style_sheet()
    assert not resources.icon("swap").isNull()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    source.mkdir()
    for name in BUILD_INPUTS:
        if (ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
            shutil.copytree(ROOT / name, source / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, source / name)
    out = work / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(out)],
        check=True,
    )
    (built,) = out.glob("ticket_office-*.whl")
    return built


def test_the_wheel_carries_the_icons_and_the_theme(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert SHIPPED - names == set()
    assert not any("screenshots" in name for name in names)  # README pictures stay out


def test_an_installed_wheel_finds_its_own_icons_and_theme(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)  # a pure wheel unpacked is an installed one
    run = subprocess.run(
        [sys.executable, "-c", USE_THE_INSTALLED_FILES],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(site), "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == str(site / "ticket_office" / "resources")


def test_the_wheel_carries_the_schema_revisions_and_the_sql_they_install(wheel, tmp_path):
    assert REVISIONS - set(zipfile.ZipFile(wheel).namelist()) == set()
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    run = subprocess.run(
        [sys.executable, "-c", READ_THE_INSTALLED_REVISIONS],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == [str(site / "ticket_office/db/migrations"), schema.head_revision()]


def test_a_bundle_uses_the_folder_it_unpacked(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.resources_dir() == tmp_path / "resources"


def test_a_missing_file_is_an_error_naming_it(qapp, monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    (tmp_path / "resources" / "icons").mkdir(parents=True)
    with pytest.raises(resources.MissingResource) as theme:
        resources.style_sheet()
    assert theme.value.path == tmp_path / "resources" / "theme.qss"
    assert "theme.qss" in str(theme.value)
    with pytest.raises(resources.MissingResource, match="swap.svg"):
        resources.icon("swap")


def test_the_app_does_not_start_without_its_files(qapp, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert run_app(None) == 1
    assert "app.svg is missing" in capsys.readouterr().err
