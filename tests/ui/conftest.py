"""Qt for the UI tests: an offscreen platform, so no display is needed."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


# --- the desk (login, search, sale, live updates) -------------------------------------------------

import pytest
import shiboken6


@pytest.fixture
def tasks(qapp):
    """The app's own task path; each call returns once answered: tests read like the steps."""
    from ticket_office.ui.tasks import SettledTaskRunner

    return SettledTaskRunner()


@pytest.fixture
def settings(tmp_path):
    """QSettings in a private file, never the user's."""
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def desk_window(qtbot, backend, tasks, settings):
    """Make a signed-in MainWindow: `desk_window(operator, live=False, size=None)`; `size`
    (width, height) is the window's size when it first shows, as a saved geometry would be."""
    from ticket_office.ui.desk import DeskContext
    from ticket_office.ui.live_updates import LiveUpdates
    from ticket_office.ui.main_window import MainWindow

    made = []

    def make(operator, *, live: bool = False, backoff_ms=(50, 100), size=None):
        updates = None
        if live:
            updates = LiveUpdates(backend.change_listener(), tasks, backoff_ms=backoff_ms)
            updates.start()
        desk = DeskContext.bind(backend.services, operator, tasks, live=updates, settings=settings)
        window = MainWindow(desk, server=backend.server)
        if size is not None:
            window.resize(*size)
        window.show()
        window.start()
        made.append((window, updates))
        return window

    yield make
    for window, updates in made:
        if shiboken6.isValid(window):  # logging out deletes the window
            window.close()
            window.deleteLater()
        if updates is not None:
            updates.stop()
