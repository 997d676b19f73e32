"""Seat change notices go out after the commit, in the background, several runs to a notice."""

from __future__ import annotations

import threading

import pytest

from ticket_office.services.seat_notices import (
    SeatNotice,
    SeatNotices,
    origin_of,
    parse_notice,
    payloads,
)


class Recorder:
    def __init__(self, hold_first: bool = False) -> None:
        self.payloads: list[str] = []
        self.first_started = threading.Event()
        self.release_first = threading.Event()
        if not hold_first:
            self.release_first.set()

    def __call__(self, payload: str) -> None:
        self.payloads.append(payload)
        if len(self.payloads) == 1:
            self.first_started.set()
            assert self.release_first.wait(10)


def test_runs_changed_while_a_notice_is_sent_share_the_next_one():
    send = Recorder(hold_first=True)
    notices = SeatNotices(send, batch_seconds=0)
    notices.changed([7])
    assert send.first_started.wait(10)
    for run in (12, 3, 12):
        notices.changed([run])
    send.release_first.set()
    notices.close()
    assert send.payloads == ["7", "3,12"]


def test_closing_sends_what_is_queued_and_nothing_after():
    send = Recorder()
    notices = SeatNotices(send, batch_seconds=60)  # only closing can cut the wait short
    notices.changed([5, 4])
    notices.close()
    notices.changed([9])
    assert send.payloads == ["4,5"]


def test_a_notice_that_cannot_be_sent_is_logged_and_later_ones_still_go(caplog):
    payloads = []

    def flaky(payload: str) -> None:
        payloads.append(payload)
        if len(payloads) == 1:
            raise OSError("server gone")

    notices = SeatNotices(flaky, batch_seconds=0)
    notices.changed([1])
    notices.close()
    notices = SeatNotices(flaky, batch_seconds=0)
    notices.changed([2])
    notices.close()
    assert payloads == ["1", "2"]
    assert "not sent: server gone" in caplog.text


def test_nothing_changed_means_no_thread_and_nothing_sent():
    send = Recorder()
    notices = SeatNotices(send)
    notices.close()
    assert send.payloads == []


def test_a_notice_never_outgrows_what_notify_carries():
    send = Recorder()
    notices = SeatNotices(send, batch_seconds=0)
    notices.changed(range(10**9, 10**9 + 1200))
    notices.close()
    assert [len(p.split(",")) for p in send.payloads] == [500, 500, 200]
    assert all(len(p) < 8000 for p in send.payloads)


def test_each_desks_changes_go_out_under_its_own_name():
    send = Recorder()
    notices = SeatNotices(send, batch_seconds=60)
    notices.changed([7], origin="a1")
    notices.changed([3], origin="b2")
    notices.changed([5, 7], origin="a1")
    notices.changed([9])  # nobody's: the command line, a script
    notices.close()
    assert sorted(send.payloads) == ["9", "a1:5,7", "b2:3"]


def test_origins_are_a_hash_of_the_login_never_the_login_itself():
    client_id = "0b7f9f44-5f51-4bd0-9a1f-3e1c1e5b7c11"
    origin = origin_of(client_id)
    assert len(origin) == 16 and origin in "".join(payloads([1], origin))
    assert client_id not in payloads([1], origin)[0] and origin_of("") == ""


@pytest.mark.parametrize(
    ("payload", "notice"),
    [
        ("12", SeatNotice("", frozenset({12}))),
        ("3,12", SeatNotice("", frozenset({3, 12}))),
        ("ab12:4,5", SeatNotice("ab12", frozenset({4, 5}))),
    ],
)
def test_a_notice_is_read_back_as_written(payload, notice):
    assert parse_notice(payload) == notice


@pytest.mark.parametrize(
    "payload",
    ["", "²", "1,²", "٣", "x:1", "ab:", ":4", "1,,2", "1;DROP", "ab:1:2", "9" * 11, " 1", "1\n"],
)
def test_a_notice_this_app_did_not_write_is_refused_not_raised(payload):
    assert parse_notice(payload) is None
