"""The embedded default: survives a crashed earlier run and stops with its last user."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import psutil
import pytest

from ticket_office.db.embedded import default_data_dir, start_embedded

embedded_only = pytest.mark.skipif(
    bool(os.environ.get("TICKET_OFFICE_TEST_DATABASE_URL")),
    reason="tests the embedded server itself",
)


def postmaster_pid(pgdata):
    pid_file = pgdata / "postmaster.pid"
    return int(pid_file.read_text().split()[0]) if pid_file.exists() else None


@embedded_only
def test_a_killed_app_does_not_keep_the_server_running_forever(tmp_path):
    crashed = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import os, pathlib, time
        from ticket_office.db.embedded import start_embedded
        start_embedded(pathlib.Path({str(tmp_path)!r}))
        print("up", flush=True)
        time.sleep(60)
    """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert crashed.stdout.readline().strip() == "up"
    crashed.kill()
    crashed.wait()
    pgdata = tmp_path / "pgdata"
    assert crashed.pid in json.loads((pgdata / ".handle_pids.json").read_text())

    server = start_embedded(tmp_path)  # re-attaches to the orphaned server
    pid = postmaster_pid(pgdata)
    assert pid and psutil.pid_exists(pid)
    assert json.loads((pgdata / ".handle_pids.json").read_text()) == [os.getpid()]
    server.stop()
    psutil.Process(pid).wait(timeout=10)
    assert postmaster_pid(pgdata) is None


@embedded_only
def test_the_locale_override_for_initdb_does_not_leak_into_the_app(tmp_path, monkeypatch):
    monkeypatch.setenv("LANG", "xx_YY.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    server = start_embedded(tmp_path)
    assert os.environ["LANG"] == "xx_YY.UTF-8" and "LC_ALL" not in os.environ
    server.stop()


def test_the_data_folder_can_be_overridden(monkeypatch, tmp_path):
    monkeypatch.setenv("TICKET_OFFICE_DATA_DIR", str(tmp_path))
    assert default_data_dir() == tmp_path


@embedded_only
def test_a_stale_pid_file_naming_another_process_neither_blocks_nor_kills_it(tmp_path):
    server = start_embedded(tmp_path)
    pgdata = tmp_path / "pgdata"
    left_behind = (pgdata / "postmaster.pid").read_text().splitlines()
    server.stop()
    # After an unclean stop and a reboot, the pid in the file belongs to someone else.
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        (pgdata / "postmaster.pid").write_text("\n".join([str(stranger.pid), *left_behind[1:]]))
        server = start_embedded(tmp_path)
        new_pid = postmaster_pid(pgdata)
        assert new_pid not in (None, stranger.pid)
        server.stop()
        psutil.Process(new_pid).wait(timeout=10)
        assert stranger.poll() is None  # still running: nobody signalled it
    finally:
        stranger.kill()
        stranger.wait()


def test_only_a_sure_strangers_pid_file_is_dropped(tmp_path):
    from ticket_office.db.embedded import _may_be_postmaster_of

    assert not _may_be_postmaster_of(os.getpid(), tmp_path)  # python, not postgres
    assert _may_be_postmaster_of(-os.getpid(), tmp_path)  # single-user mode writes it negated
