"""Regenerate the README screenshots in resources/screenshots/ (offscreen, no display needed).

    .venv/bin/python packaging/make_screenshots.py [--data-dir DIR] [--dark]

Uses the embedded server with the demo network in a temporary data folder (or DIR, to reuse a
loaded one; the first load takes a while). Writes login.png, search.png, seat_map.png (sold
seats, seats held by another clerk, the clerk's own selection), sale.png (passengers and
payment), ticket.png (the first ticket of that sale, as printed) and journeys.png (the
conductor's read-only Journeys page on the same train).
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QSettings, Qt  # noqa: E402
from PySide6.QtGui import QColor, QPalette  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from ticket_office.backend import open_backend  # noqa: E402
from ticket_office.database_connector import DatabaseConnector  # noqa: E402
from ticket_office.domain.seats import SeatState  # noqa: E402
from ticket_office.domain.time_zones import today_at  # noqa: E402
from ticket_office.ui.app import make_application  # noqa: E402
from ticket_office.ui.desk import DeskContext  # noqa: E402
from ticket_office.ui.live_updates import LiveUpdates  # noqa: E402
from ticket_office.ui.login import LoginDialog  # noqa: E402
from ticket_office.ui.main_window import MainWindow  # noqa: E402
from ticket_office.ui.shared.tickets import render_ticket_image  # noqa: E402
from ticket_office.ui.tasks import TaskRunner  # noqa: E402

OUT = ROOT / "resources" / "screenshots"


def wait_until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the screen did not reach the expected state")
        QApplication.processEvents()
        time.sleep(0.01)
    for _ in range(5):
        QApplication.processEvents()


def dark_palette() -> QPalette:
    """A dark palette like the desktops' dark themes, to check nothing assumes light."""
    palette = QPalette()
    roles = QPalette.ColorRole
    for role, colour in (
        (roles.Window, "#2b2d30"),
        (roles.WindowText, "#e6e6e6"),
        (roles.Base, "#1e1f22"),
        (roles.AlternateBase, "#26282b"),
        (roles.Text, "#e6e6e6"),
        (roles.Button, "#3a3d41"),
        (roles.ButtonText, "#e6e6e6"),
        (roles.Highlight, "#2f65ca"),
        (roles.HighlightedText, "#ffffff"),
        (roles.ToolTipBase, "#3a3d41"),
        (roles.ToolTipText, "#e6e6e6"),
        (roles.PlaceholderText, "#8c8f94"),
        (roles.Light, "#4a4d52"),
        (roles.Midlight, "#3f4246"),
        (roles.Mid, "#55585d"),
        (roles.Dark, "#1b1c1e"),
        (roles.Shadow, "#000000"),
        (roles.Link, "#7aa7ff"),
    ):
        palette.setColor(role, QColor(colour))
    for role in (roles.Text, roles.WindowText, roles.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#75787d"))
    return palette


def save(widget: QWidget, name: str) -> Path:
    for _ in range(5):
        QApplication.processEvents()
    path = OUT / name
    widget.grab().save(str(path))
    print(f"wrote {path}")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="reuse this embedded data folder")
    parser.add_argument("--dark", action="store_true", help="dark colour scheme")
    parser.add_argument("--out", type=Path, help="write here instead (e.g. to check a theme)")
    args = parser.parse_args()
    global OUT
    OUT = args.out or OUT
    OUT.mkdir(parents=True, exist_ok=True)
    data_dir = args.data_dir
    if data_dir is None:
        # A short name: the sign-in window shows it, on one line. The demo database (some
        # 300 MB) goes at exit; registered first, this runs after the server has stopped.
        data_dir = Path(tempfile.mkdtemp(prefix="shots-", dir="/tmp"))
        atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    app = make_application()
    if args.dark:
        app.styleHints().setColorScheme(Qt.ColorScheme.Dark)
        app.setPalette(dark_palette())  # the offscreen platform has no dark theme of its own
    settings = QSettings(str(data_dir / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("login/username", "clerk")
    print("Opening the demo database (the first time loads the network)…", flush=True)
    backend = open_backend(None, data_dir=data_dir)
    services = backend.services
    tasks = TaskRunner(app)

    login = LoginDialog(DatabaseConnector.for_backend(backend), tasks, settings=settings)
    login.password.setText("clerk-demo-2026")
    login.show()
    save(login, "login.png")
    login.close()

    clerk = services.log_in("clerk", "clerk-demo-2026")
    other = services.log_in("supervisor", "supervisor-demo-2026")
    live = LiveUpdates(backend.change_listener(), tasks)
    live.start()
    window = MainWindow(
        DeskContext.bind(services, clerk, tasks, live=live, settings=settings),
        server=backend.server,
    )
    window.resize(1280, 860)
    window.show()
    window.start()
    page = window.page("sell")
    assert page is not None
    wait_until(
        lambda: (
            page.stations.rowCount() > 0
            and page.form.origin.station() is not None
            and live.state == "connected"
        )
    )

    # Today at the clerk's station (the demo's runs and sample sales are the network's days,
    # not the machine's) shows trains that have left (greyed) next to bookable ones; from the
    # evening on, when fewer than three of the day's trains are still to leave (a list of
    # greyed trains), tomorrow is shown instead.
    today = today_at(page.form.origin.station().timezone)
    page.form.destination.setText("Madrid Atocha (MAD)")
    for travel in (today, today + timedelta(days=1)):
        page.form.travel_date.setDate(travel)
        page.form.submit()
        wait_until(
            lambda: page.results_model.rowCount() > 0 and page.form.search_button.isEnabled()
        )
        bookable = [j for j in page.results_model.journeys() if j.bookable]
        if len(bookable) >= 3:
            break
    journey = bookable[min(1, len(bookable) - 1)]
    page.results.select_run(journey.run_id)
    save(window, "search.png")

    page.open_journey(journey)
    wait_until(lambda: page.seat_panel.map_widget.seat_map() is not None)
    seat_map = page.seat_panel.map_widget.seat_map()
    coach = next(c for c in seat_map.coaches if c.coach_no == 4)
    free = [s.seat_id for s in coach.seats if s.state is SeatState.FREE]
    services.counter(other).set_holds(
        journey.run_id, journey.board_position, journey.alight_position, free[8:10]
    )
    page.seat_panel.map_widget.set_coach(4)
    wait_until(
        lambda: any(
            s.state is SeatState.HELD
            for c in page.seat_panel.map_widget.seat_map().coaches
            for s in c.seats
        )
    )
    page.seat_panel.map_widget.set_selection(free[20:23])
    wait_until(lambda: len(page.holder.held_seat_ids()) == 3)
    page.seat_panel.map_widget.setFocus()
    save(window, "seat_map.png")

    page.open_party()
    wait_until(lambda: page.party_dialog is not None)
    dialog = page.party_dialog
    for row, name in zip(dialog.rows, ("Ana Sousa", "Rui Sousa", "Inês Sousa"), strict=False):
        row.name.setText(name)
    dialog.rows[2].concession.setCurrentIndex(dialog.rows[2].concession.findData("child"))
    wait_until(lambda: dialog.fares.quote() is not None)
    dialog.payment.cash_given.setText("250")
    dialog.adjustSize()
    save(dialog, "sale.png")

    dialog.confirm()
    wait_until(lambda: page.confirmation is not None)
    reference = page.confirmation.confirmation.reference
    page.confirmation.accept()
    ticket = services.counter(clerk).ticket_documents(reference)[0]
    render_ticket_image(ticket, dpi=300).save(str(OUT / "ticket.png"))
    print(f"wrote {OUT / 'ticket.png'}")

    # The conductor looks at the same train: the sale just made, the other clerk's holds.
    conductor = services.log_in("conductor", "conductor-demo-2026")
    desk = MainWindow(
        DeskContext.bind(services, conductor, tasks, live=live, settings=settings),
        server=backend.server,
    )
    desk.resize(1280, 860)
    desk.show()
    desk.start()
    journeys = desk.page("journeys")
    assert journeys is not None
    wait_until(lambda: journeys.form.origin.station() is not None)
    journeys.form.origin.setText("Porto Campanhã (PCA)")
    journeys.form.destination.setText("Madrid Atocha (MAD)")
    journeys.form.travel_date.setDate(travel)
    journeys.form.submit()
    wait_until(lambda: journey.run_id in journeys.results_model.run_ids())
    journeys.results.select_run(journey.run_id)
    journeys.open_journey(journeys.results.current_journey())
    wait_until(lambda: journeys.map_widget.seat_map() is not None)
    journeys.map_widget.set_coach(4)
    journeys.map_widget.setFocus()
    save(desk, "journeys.png")
    desk.close()

    page.release_holds()
    services.counter(other).release_holds()
    live.stop()
    tasks.wait_for_idle()
    backend.close()
    settings.sync()  # now, not at exit when its folder is gone
    return 0


if __name__ == "__main__":
    sys.exit(main())
