"""The task runner's promises, on real worker threads: only the newest call of a slot is
delivered, an answer for a closed dialog or a deleted widget is dropped, and the busy signal
ends even for dropped answers."""

from __future__ import annotations

import threading

import pytest
import shiboken6
from PySide6.QtCore import QObject, QThreadPool
from PySide6.QtWidgets import QDialog

from ticket_office.ui.tasks import SettledTaskRunner, TaskRunner


@pytest.fixture
def runner(qapp):
    pool = QThreadPool()
    pool.setMaxThreadCount(4)
    runner = TaskRunner(pool=pool)
    yield runner
    pool.waitForDone(5_000)


def blocked(gate: threading.Event, value):
    def call():
        assert gate.wait(5), "the test never opened the gate"
        return value

    return call


def settle(qtbot, runner: TaskRunner) -> None:
    qtbot.waitUntil(lambda: not runner.busy, timeout=5_000)


def test_a_superseded_call_never_paints_over_the_newer_one(qtbot, runner):
    owner, gate, delivered = QObject(), threading.Event(), []
    runner.run(blocked(gate, "old"), owner=owner, latest="search", done=delivered.append)
    runner.run(lambda: "new", owner=owner, latest="search", done=delivered.append)
    qtbot.waitUntil(lambda: delivered == ["new"])
    gate.set()  # the older call answers last
    settle(qtbot, runner)
    assert delivered == ["new"]


def test_slots_are_per_owner_and_per_name(qtbot, runner):
    first, second, delivered = QObject(), QObject(), []
    runner.run(lambda: "first's search", owner=first, latest="search", done=delivered.append)
    runner.run(lambda: "second's search", owner=second, latest="search", done=delivered.append)
    runner.run(lambda: "first's map", owner=first, latest="map", done=delivered.append)
    settle(qtbot, runner)
    assert sorted(delivered) == ["first's map", "first's search", "second's search"]


def test_a_dropped_slot_delivers_nothing(qtbot, runner):
    owner, gate, delivered = QObject(), threading.Event(), []
    runner.run(blocked(gate, "quote"), owner=owner, latest="quote", done=delivered.append)
    runner.drop(owner, "quote")
    gate.set()
    settle(qtbot, runner)
    assert delivered == []


def test_an_answer_for_a_closed_dialog_is_dropped(qtbot, runner):
    dialog, gate, delivered, failed = QDialog(), threading.Event(), [], []
    qtbot.addWidget(dialog)
    dialog.open()
    runner.run(blocked(gate, "late"), owner=dialog, done=delivered.append, failed=failed.append)
    dialog.reject()
    gate.set()
    settle(qtbot, runner)
    assert delivered == [] and failed == []
    dialog.open()  # reopened, it takes answers again
    runner.run(lambda: "again", owner=dialog, done=delivered.append)
    settle(qtbot, runner)
    assert delivered == ["again"]


def test_an_answer_for_a_deleted_owner_is_dropped_and_busy_ends(qtbot, runner):
    owner, gate, delivered = QObject(), threading.Event(), []
    busy: list[bool] = []
    runner.busyChanged.connect(busy.append)
    runner.run(blocked(gate, "late"), owner=owner, latest="map", done=delivered.append)
    shiboken6.delete(owner)
    gate.set()
    settle(qtbot, runner)
    assert delivered == [] and busy == [True, False]


def test_a_failure_nobody_handles_reaches_the_failed_signal(qtbot, runner):
    errors: list[BaseException] = []
    runner.failed.connect(errors.append)

    def broken():
        raise ValueError("no such station")

    runner.run(broken)
    settle(qtbot, runner)
    assert [str(e) for e in errors] == ["no such station"]


def test_the_tests_runner_delivers_from_the_event_queue_not_inside_the_call(qtbot):
    runner, seen = SettledTaskRunner(), []

    def call():
        seen.append("called")
        return "answer"

    runner.run(call, done=lambda value: seen.append(value))
    assert seen == ["called", "answer"] and not runner.busy
    owner, dropped = QObject(), []
    runner.run(lambda: "late", owner=owner, latest="map", done=dropped.append)
    assert dropped == ["late"]  # delivered: it is the newest in its slot
