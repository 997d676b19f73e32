"""The command line: operator administration, and errors as messages with a non-zero exit."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import keyring
import psycopg
import pytest
from keyring.backends import fail
from psycopg import sql

from tests.conftest import DEMO_PASSWORDS, EXTERNAL_URL, url_as
from ticket_office import cli, terminal
from ticket_office.cli import main
from ticket_office.config import DatabaseChoice, describe_url
from ticket_office.database_connector import KEYRING_SERVICE, DatabaseConnector
from ticket_office.db.engine import libpq_url
from ticket_office.domain.errors import AccountLocked, AuthenticationFailed


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


def test_the_command_the_lockout_message_names_unlocks_the_account(database_url, services):
    message = ""
    for _ in range(5):
        try:
            services.log_in("clerk", "wrong-password")
        except (AuthenticationFailed, AccountLocked) as error:
            message = str(error)
    program, *command = message.rsplit(": ", 1)[1].split()
    assert (program, command) == ("ticket-office", ["unlock", "clerk"])
    assert cli._parser().prog == program
    assert run_cli(database_url, *command) == 0
    assert services.log_in("clerk", DEMO_PASSWORDS["clerk"]).username == "clerk"


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


@pytest.mark.parametrize(
    "url", ["postgresql://" + "a" * 10_000, "postgresql://u@" + "h" * 64 + ".example/db"]
)
def test_an_overlong_url_or_host_name_is_a_clear_message(url, capsys):
    assert main(["--database-url", url, "operators"]) == 1
    error = capsys.readouterr().err
    assert "The database URL is not valid" in error
    assert "unexpected error" not in error and "Traceback" not in error


def test_a_malformed_url_is_a_message_not_a_traceback(capsys):
    assert main(["--database-url", "mysql://x", "operators"]) == 1
    assert "postgresql://" in capsys.readouterr().err


def test_where_names_the_embedded_data_folder(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("TICKET_OFFICE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TICKET_OFFICE_DATABASE_URL", raising=False)
    assert main(["where"]) == 0
    assert str(tmp_path / "pgdata") in capsys.readouterr().out


# --- where the database is, and its password -----------------------------------------------------

ROLE_PASSWORD = "role-pass-2026"


@pytest.fixture
def scratch_folders(tmp_path, monkeypatch):
    """Config, log and data folders of this test only, and no URL from the environment."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("TICKET_OFFICE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("TICKET_OFFICE_DATABASE_URL", raising=False)
    monkeypatch.delenv("PGPASSWORD", raising=False)
    return tmp_path


def test_where_never_shows_a_password(capsys, monkeypatch, scratch_folders):
    assert main(["--database-url", "postgresql://admin:s3cret@db.example/to", "where"]) == 0
    monkeypatch.setenv("TICKET_OFFICE_DATABASE_URL", "postgresql://a@db.example/to?password=s3cret")
    assert main(["where"]) == 0
    out = capsys.readouterr().out
    assert "s3cret" not in out
    assert "admin:***@db.example/to (command line)" in out
    assert "password=*** (environment)" in out


def test_a_password_in_the_config_file_is_refused_with_the_way_to_the_keyring(
    capsys, scratch_folders
):
    config = scratch_folders / "config" / "ticket-office" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[database]\nurl = "postgresql://admin:s3cret@db.example/to"\n')
    for command in ("where", "operators"):
        assert main([command]) == 1
        error = capsys.readouterr().err
        assert "s3cret" not in error and "Traceback" not in error
        assert "ticket-office remember-database-password" in error


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql://u@127.0.0.1:notaport/db", "port must be a number"),
        ("postgresql://u@[::1/db", "IPv6"),
        ("", "The database URL is empty."),
        ("   ", "The database URL is empty."),
        ("postgresql://" + "a" * 10_000, "it is too long (10013 characters, at most 2048)"),
        ("postgresql://u@" + "a" * 64 + "/db", "is not a host name"),
        ("postgresql://u@db..example/db", "is not a host name"),
    ],
    ids=["bad-port", "ipv6", "empty", "blank", "10000-characters", "64-character-label", "a..b"],
)
def test_where_checks_the_url_first(url, message, capsys, scratch_folders):
    assert main(["--database-url", url, "where"]) == 1
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error


def test_usage_errors_keep_exit_code_two(capsys):
    with pytest.raises(SystemExit) as usage:
        main(["--database-url"])
    assert usage.value.code == 2


@pytest.fixture
def password_only_role(pg_server, database_url):
    """database_url as a role the test server lets in only with its password."""
    if EXTERNAL_URL:
        pytest.skip("needs the embedded test server, whose pg_hba.conf the test may change")
    role = f"to_cli_pw_{os.getpid()}"
    with pg_server.admin() as conn:
        hba = Path(conn.execute("SHOW hba_file").fetchone()[0])
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN SUPERUSER PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(ROLE_PASSWORD)
            )
        )
        original = hba.read_text()
        hba.write_text(f"local all {role} scram-sha-256\n{original}")
        conn.execute("SELECT pg_reload_conf()")
    url = url_as(database_url, role)
    _wait_until_a_password_is_asked(url)
    yield url
    hba.write_text(original)
    with pg_server.admin() as conn:
        conn.execute("SELECT pg_reload_conf()")
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def _wait_until_a_password_is_asked(url: str) -> None:
    for _ in range(100):
        try:
            psycopg.connect(libpq_url(url)).close()
        except psycopg.OperationalError:
            return
        time.sleep(0.05)
    raise AssertionError("the server kept letting the role in without a password")


@pytest.fixture
def no_keyring():
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def at_a_terminal(monkeypatch):
    """Standard input is a terminal; `typed` holds what the person types at each prompt."""
    typed: list[str] = []
    prompts: list[str] = []

    def getpass(prompt: str) -> str:
        prompts.append(prompt)
        if not typed:
            raise EOFError
        return typed.pop(0)

    monkeypatch.setattr(terminal, "is_interactive", lambda: True)
    monkeypatch.setattr("getpass.getpass", getpass)
    return typed, prompts


@pytest.fixture
def not_a_terminal(monkeypatch):
    monkeypatch.setattr(terminal, "is_interactive", lambda: False)


def pipe_into_stdin(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def test_without_a_keyring_a_script_is_told_how_to_give_the_password(
    password_only_role, no_keyring, not_a_terminal, capsys, scratch_folders
):
    assert main(["--database-url", password_only_role, "operators"]) == 1
    error = capsys.readouterr().err
    assert "no password supplied" in error and "no usable system keyring" in error
    assert "PGPASSWORD" in error and "Traceback" not in error


def test_without_a_keyring_the_password_is_asked_at_the_terminal(
    password_only_role, no_keyring, at_a_terminal, capsys, scratch_folders
):
    typed, prompts = at_a_terminal
    typed.append(ROLE_PASSWORD)
    assert main(["--database-url", password_only_role, "operators"]) == 0
    out, error = capsys.readouterr()
    assert "supervisor" in out
    assert "no password store" in error
    server = describe_url(password_only_role)
    assert prompts == [f"Database password for to_cli_pw_{os.getpid()}@{server}: "]


def test_a_wrong_typed_password_and_end_of_input_are_messages(
    password_only_role, no_keyring, at_a_terminal, capsys, scratch_folders
):
    typed, _prompts = at_a_terminal
    typed.append("not-the-password")
    assert main(["--database-url", password_only_role, "operators"]) == 1
    assert "password authentication failed" in capsys.readouterr().err
    assert main(["--database-url", password_only_role, "operators"]) == 1  # Ctrl-D
    error = capsys.readouterr().err
    assert "No password was typed" in error and "Traceback" not in error


def test_libpqs_own_pgpassword_still_works(
    password_only_role, no_keyring, not_a_terminal, monkeypatch, scratch_folders
):
    monkeypatch.setenv("PGPASSWORD", ROLE_PASSWORD)
    assert main(["--database-url", password_only_role, "operators"]) == 0


def test_a_remembered_password_comes_from_the_keyring_the_sign_in_window_uses(
    password_only_role, memory_keyring, not_a_terminal, monkeypatch, capsys, scratch_folders
):
    url = password_only_role
    account = DatabaseConnector(DatabaseChoice(url, "test")).account
    pipe_into_stdin(monkeypatch, b"not-the-password\n")
    assert main(["--database-url", url, "remember-database-password"]) == 1
    assert "Nothing was stored" in capsys.readouterr().err
    assert memory_keyring.store == {}

    assert main(["--database-url", url, "operators"]) == 1
    assert "remember-database-password" in capsys.readouterr().err

    pipe_into_stdin(monkeypatch, f"{ROLE_PASSWORD}\n".encode())
    assert main(["--database-url", url, "remember-database-password"]) == 0
    assert memory_keyring.store == {(KEYRING_SERVICE, account): ROLE_PASSWORD}
    assert main(["--database-url", url, "operators"]) == 0
    assert "supervisor" in capsys.readouterr().out

    assert main(["--database-url", url, "remember-database-password", "--forget"]) == 0
    assert memory_keyring.store == {}


def test_missing_privileges_are_the_servers_reason_not_a_traceback(
    pg_server, database_url, capsys, scratch_folders
):
    role = f"to_cli_nopriv_{os.getpid()}"
    empty = f"to_cli_empty_{os.getpid()}"
    empty_url = pg_server.create_database(empty)
    with pg_server.admin() as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(ROLE_PASSWORD)
            )
        )
    with psycopg.connect(libpq_url(empty_url), autocommit=True) as conn:
        conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        conn.execute(sql.SQL("GRANT SELECT ON alembic_version TO {}").format(sql.Identifier(role)))
    try:
        assert main(["--database-url", url_as(empty_url, role, ROLE_PASSWORD), "migrate"]) == 1
        error = capsys.readouterr().err
        assert "refused: permission denied for schema public" in error
        assert "Run migrate as the database's owner" in error and "Traceback" not in error

        desk_url = url_as(database_url, role, ROLE_PASSWORD)
        assert main(["--database-url", desk_url, "operators"]) == 1
        error = capsys.readouterr().err
        assert "the database refused: permission denied for table operators" in error
        assert "Traceback" not in error
    finally:
        pg_server.drop_database(empty)
        with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        with pg_server.admin() as conn:
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


# --- the demo next to existing accounts ----------------------------------------------------------


def test_load_demo_keeps_operators_created_before_it(pg_server, capsys, monkeypatch):
    name = f"to_cli_demo_{os.getpid()}"
    url = pg_server.create_database(name)
    try:
        assert main(["--database-url", url, "migrate"]) == 0
        monkeypatch.setenv("TICKET_OFFICE_NEW_PASSWORD", "real-clerk-pass-1")
        args = ["create-operator", "clerk", "--name", "Real Clerk", "--role", "supervisor"]
        assert main(["--database-url", url, *args]) == 0
        capsys.readouterr()
        assert main(["--database-url", url, "load-demo", "--sold-days", "1"]) == 0
        out, error = capsys.readouterr()
        assert "Existing operator accounts kept as they are: clerk." in out
        assert "No sample sales" in out and error == ""
        with psycopg.connect(libpq_url(url)) as conn:
            operators = dict(conn.execute("SELECT username, display_name FROM operators"))
            bookings = conn.execute("SELECT count(*) FROM bookings").fetchone()[0]
        assert operators == {
            "clerk": "Real Clerk",
            "conductor": "Diego Ruiz",
            "supervisor": "Sofia Almeida",
        }
        assert bookings == 0
    finally:
        pg_server.drop_database(name)


# --- no tracebacks, whatever happens ------------------------------------------------------------


def test_an_unexpected_error_is_one_line_and_its_traceback_goes_to_the_log(
    capsys, monkeypatch, scratch_folders
):
    def broken(_args):
        raise RuntimeError("something odd\nsecond line")

    monkeypatch.setattr(cli, "cmd_where", broken)
    assert main(["where"]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "RuntimeError: something odd" in error
    log = scratch_folders / "state" / "ticket-office" / "log" / "ticket-office.log"
    assert str(log) in error
    assert "Traceback" in log.read_text() and "second line" in log.read_text()
    with pytest.raises(RuntimeError):
        main(["--debug", "where"])


def run_module(*args: str, stdin: bytes = b"", env: dict[str, str] | None = None):
    return subprocess.run(
        [sys.executable, "-m", "ticket_office", *args],
        input=stdin,
        capture_output=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        (b"\xff\xfeabcdefghijkl\n", b"not valid UTF-8"),
        (b"", b"standard input was empty"),
    ],
)
def test_a_piped_password_that_cannot_be_read_is_a_message(database_url, stdin, message):
    result = run_module(
        "--database-url",
        database_url,
        "create-operator",
        "bob5",
        "--name",
        "Bob",
        "--role",
        "clerk",
        stdin=stdin,
        env={"TICKET_OFFICE_NEW_PASSWORD": ""},
    )
    assert result.returncode == 1
    assert message in result.stderr and b"Traceback" not in result.stderr


def test_a_reader_that_stops_early_ends_no_traceback(tmp_path):
    read_end, write_end = os.pipe()
    os.close(read_end)  # as `ticket-office where | head -0` once head has gone
    try:
        result = subprocess.run(
            [sys.executable, "-m", "ticket_office", "where"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            timeout=60,
            env={**os.environ, "TICKET_OFFICE_DATA_DIR": str(tmp_path)},
        )
    finally:
        os.close(write_end)
    assert result.returncode == 1
    assert result.stderr == b""
