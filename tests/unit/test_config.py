"""Choosing the database: URLs checked before any connection, passwords never read from the
config file and never shown, and a broken config file as a message."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ticket_office.config import (
    DatabaseChoice,
    choose_database,
    masked_url,
    normalise_url,
    url_has_login_password,
    url_has_password,
    without_password,
)
from ticket_office.database_connector import DatabaseConnector
from ticket_office.domain.errors import ValidationError


@pytest.fixture
def no_environment_url(monkeypatch):
    monkeypatch.delenv("TICKET_OFFICE_DATABASE_URL", raising=False)


def write_config(tmp_path: Path, text: str) -> Path:
    file = tmp_path / "config.toml"
    file.write_text(text, encoding="utf-8")
    return file


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("postgresql://u@127.0.0.1:notaport/db", "port must be a number"),
        ("postgresql://u@[::1/db", "IPv6 address goes in brackets"),
        ("postgresql://u@db.example:/db", "port must be a number"),
        ("postgresql://u@db.example:0/db", "port must be a number"),
        ("postgresql://u@db.example:70000/db", "port must be a number"),
        ("postgresql://u@h1:5432,h2:5432/db", "port must be a number"),
        ("postgresql://u@db.example/ticket office", "spaces or control characters"),
        ("postgresql://u:pa#ss@db.example/db", "'#'"),
        ("postgresql://u:pa\u2100ss@db.example/db", "cannot be read as a URL"),  # NFKC: a/c
    ],
)
def test_a_malformed_url_is_refused_without_repeating_it(url, problem):
    with pytest.raises(ValidationError) as refused:
        normalise_url(url)
    assert problem in str(refused.value)
    assert "pa#ss" not in str(refused.value) and "pa\u2100ss" not in str(refused.value)


def test_a_username_with_an_encoded_at_sign_keeps_it_when_the_password_is_added():
    from ticket_office.database_connector import with_password

    url = with_password("postgresql+psycopg://clerk%40corp@db.example/x", "p w")
    assert url == "postgresql+psycopg://clerk%40corp:p%20w@db.example/x"


def test_well_formed_urls_pass():
    assert normalise_url(" postgres://u@[::1]:5433/db ") == "postgresql+psycopg://u@[::1]:5433/db"
    socket = "postgresql+psycopg://postgres@/to?host=/tmp/pg"
    assert normalise_url(socket) == socket


@pytest.mark.parametrize("given", ["", "   "])
def test_an_empty_url_given_on_the_command_line_is_an_error_not_the_embedded_server(
    given, tmp_path, no_environment_url
):
    with pytest.raises(ValidationError, match="empty"):
        choose_database(given, file=tmp_path / "none.toml")


def test_without_url_or_config_file_the_embedded_server_is_chosen(tmp_path, no_environment_url):
    assert choose_database(None, file=tmp_path / "none.toml").embedded


def test_the_config_files_url_is_used(tmp_path, no_environment_url):
    file = write_config(tmp_path, '[database]\nurl = "postgresql://clerk@db.example/to"\n')
    choice = choose_database(None, file=file)
    assert choice.url == "postgresql+psycopg://clerk@db.example/to"
    assert str(file) in choice.source


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://admin:s3cret-pw@db.example/to",
        "postgresql://admin@db.example/to?password=s3cret-pw",
    ],
)
def test_a_password_in_the_config_file_is_refused_and_the_keyring_named(
    url, tmp_path, no_environment_url
):
    file = write_config(tmp_path, f'[database]\nurl = "{url}"\n')
    with pytest.raises(ValidationError) as refused:
        choose_database(None, file=file)
    message = str(refused.value)
    assert "s3cret-pw" not in message
    assert 'url = "postgresql://admin@db.example/to"' in message
    assert "system keyring" in message and "ticket-office remember-database-password" in message


def test_the_command_line_and_environment_may_still_carry_a_password(tmp_path, monkeypatch):
    monkeypatch.setenv("TICKET_OFFICE_DATABASE_URL", "postgresql://a:pw@db.example/to")
    assert choose_database(None, file=tmp_path / "none.toml").source == "environment"
    assert choose_database("postgresql://b:pw@db.example/to").source == "command line"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('database = "postgresql://a@b/c"\n', "database must be a table"),
        ('[database]\nurl = ""\n', "url must be a URL"),
        ("[database]\nurl = 5432\n", "url must be a URL"),
        ('[database]\nurl = "mysql://a@b/c"\n', "starts with postgresql://"),
        ('[database]\nurl = "postgresql://a@b:x/c"\n', "port must be a number"),
        ("[database\n", "not valid TOML"),
    ],
)
def test_a_malformed_config_file_is_a_message(text, message, tmp_path, no_environment_url):
    file = write_config(tmp_path, text)
    with pytest.raises(ValidationError, match=message) as refused:
        choose_database(None, file=file)
    assert str(file) in str(refused.value)


def test_a_config_file_that_is_a_folder_is_a_message(tmp_path, no_environment_url):
    folder = tmp_path / "config.toml"
    folder.mkdir()
    with pytest.raises(ValidationError, match="is a folder"):
        choose_database(None, file=folder)


def test_an_unreadable_config_file_is_a_message(tmp_path, monkeypatch, no_environment_url):
    file = write_config(tmp_path, '[database]\nurl = "postgresql://a@b/c"\n')
    file.chmod(0)
    if os.access(file, os.R_OK):  # root reads any file: stand in for what others are told

        def refuse(_path: Path) -> bytes:
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(ValidationError, match="cannot be read: Permission denied"):
        choose_database(None, file=file)


def test_passwords_are_masked_or_removed_wherever_they_sit():
    url = "postgresql+psycopg://admin:p%40ss@db.example:5432/to?sslmode=require&password=x"
    assert url_has_password(url)
    assert masked_url(url) == (
        "postgresql+psycopg://admin:***@db.example:5432/to?sslmode=require&password=***"
    )
    assert without_password(url) == "postgresql+psycopg://admin@db.example:5432/to?sslmode=require"
    socket = "postgresql+psycopg://postgres@/to?host=/tmp/pg"
    assert not url_has_password(socket) and masked_url(socket) == socket


def test_a_client_keys_passphrase_is_a_secret_but_not_the_login_password():
    """The config file refuses both; the keyring still holds the login password."""
    url = "postgresql+psycopg://desk@db.example/to?sslcert=c.pem&sslkey=k.pem&sslpassword=x"
    assert url_has_password(url) and not url_has_login_password(url)
    assert DatabaseConnector(DatabaseChoice(url, "test")).needs_password  # asks the keyring
    assert url_has_login_password("postgresql+psycopg://desk@db.example/to?password=x")
    assert url_has_login_password("postgresql+psycopg://desk:x@db.example/to")
