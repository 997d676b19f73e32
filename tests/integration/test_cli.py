"""The command line: operator administration, and errors as messages with a non-zero exit."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ticket_office.cli import main


def run_cli(database_url, *args, password=None, monkeypatch=None):
    if password is not None:
        monkeypatch.setenv("TICKET_OFFICE_NEW_PASSWORD", password)
    return main(["--database-url", database_url, *args])


def test_operators_are_created_deactivated_and_unlocked(database_url, capsys, monkeypatch):
    assert (
        run_cli(
            database_url,
            "create-operator",
            "paula",
            "--name",
            "Paula Reis",
            "--role",
            "clerk",
            "--station",
            "AVR",
            password="first-day-pass",
            monkeypatch=monkeypatch,
        )
        == 0
    )
    assert run_cli(database_url, "deactivate", "paula") == 0
    assert run_cli(database_url, "unlock", "clerk") == 0
    assert run_cli(database_url, "operators") == 0
    listing = capsys.readouterr().out
    assert "paula" in listing and "inactive" in listing


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["reset-password", "clerk"], "at least 10 characters"),
        (["deactivate", "nobody"], "no operator called nobody"),
        (["create-operator", "x y", "--name", "X", "--role", "clerk"], "username"),
    ],
)
def test_mistakes_end_in_a_message_and_exit_code_one(
    database_url, capsys, monkeypatch, args, message
):
    monkeypatch.setenv("TICKET_OFFICE_NEW_PASSWORD", "short")
    assert main(["--database-url", database_url, *args]) == 1
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error


def test_an_unreachable_server_is_a_message_not_a_traceback():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ticket_office",
            "--database-url",
            "postgresql://nobody@127.0.0.1:9/none",
            "operators",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Cannot reach none on 127.0.0.1:9" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_malformed_url_is_a_message_not_a_traceback(capsys):
    assert main(["--database-url", "mysql://x", "operators"]) == 1
    assert "postgresql://" in capsys.readouterr().err


def test_where_names_the_embedded_data_folder(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("TICKET_OFFICE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TICKET_OFFICE_DATABASE_URL", raising=False)
    assert main(["where"]) == 0
    assert str(tmp_path / "pgdata") in capsys.readouterr().out
