"""Round trips per seat click: what one click on the seat map costs the desk on the wire.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/seat_click.py [--clicks 5] [--data-dir D]

Drives the real desk (MainWindow, the thread-pool TaskRunner, live updates on their own LISTEN
connection) on the demo network: the embedded server in a temporary data folder (D to reuse a
loaded one), or the server of $TICKET_OFFICE_DATABASE_URL. Every connection the app opens to
run statements (the engine's pool and the pool for single statements, which also sends the
notices) is traced by libpq; every simple Query and every Sync of the extended protocol is one
wait for the server, named by the statement it ran.

Three phases, in the same run:
- `no_echo`: the app as it is: each click is followed until the desk is quiet (1.5 s);
- `with_echo`: the same clicks with the desk's own notices fed back to its pages, as before the
  notices carried their origin (each click then also reloaded the seat map and the search);
- `idle`: ten seconds with seats selected and nothing touched.

Last line: one JSON object. The limits: the click costs the hold write and its notice and
nothing else (no seat map, no search: the statements caused by the desk's own echo are 0), and
an idle desk sends 0 statements.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication  # noqa: E402
from sqlalchemy import event  # noqa: E402

from bench.common import emit, log  # noqa: E402
from bench.ui_latency import wait_for  # noqa: E402
from ticket_office.backend import open_backend  # noqa: E402
from ticket_office.domain.seats import SeatState  # noqa: E402
from ticket_office.domain.time_zones import today_at  # noqa: E402
from ticket_office.ui.app import make_application  # noqa: E402
from ticket_office.ui.desk import DeskContext  # noqa: E402
from ticket_office.ui.live_updates import ConnectionState, LiveUpdates  # noqa: E402
from ticket_office.ui.main_window import MainWindow  # noqa: E402
from ticket_office.ui.tasks import TaskRunner  # noqa: E402

QUIET_SECONDS = 1.5  # debounce 0.15 s + the hold + the notice batch 0.2 s + its handling
IDLE_SECONDS = 10.0
# Words only the seat map's and the search's statements have: reads a desk's echo cost it.
ECHO_READS = ("NULL AS client_id", "r.id AS run_id", "FROM stations WHERE code")


# A message of a libpq trace: [timestamp] direction length type fields; a statement's text may
# run over several lines, up to the next message.
_MESSAGE = re.compile(r"(?m)^(?:[^\t\n]*\t)?([FB])\t\d+\t(\w+)\t?")
_NAMED = re.compile(r'\s*("[^"]*")\s+"(.*)"\s+\d+(?:\s+\d+)*\s*$', re.DOTALL)


def _short(statement: str) -> str:
    return " ".join(statement.split())[:100]


def labelled_waits(trace: str, names: dict[str, str]) -> list[str]:
    """One entry per wait for the server (a simple Query, or a Sync of the extended protocol),
    named by its statement; `names` maps prepared statements to their text, across phases."""
    waits: list[str] = []
    current = "?"
    headers = list(_MESSAGE.finditer(trace))
    for index, header in enumerate(headers):
        following = headers[index + 1] if index + 1 < len(headers) else None
        direction, kind = header.groups()
        if direction != "F":
            continue
        body = trace[header.end() : following.start() if following else len(trace)]
        if kind == "Query":
            waits.append(_short(body.strip().strip('"')))
        elif kind == "Parse" and (named := _NAMED.match(body)):
            names[named.group(1)] = current = _short(named.group(2))
        elif kind == "Bind":
            fields = body.split()
            if len(fields) > 1:
                current = names.get(fields[1], current)
        elif kind == "Sync":
            waits.append(current)
    return waits


class Traces:
    """libpq traces of every statement connection the app has, one file set per phase."""

    def __init__(self) -> None:
        self._pgconns: list = []
        self._files: dict[int, tempfile._TemporaryFileWrapper] = {}
        self._names: dict[int, dict[str, str]] = {}  # per connection: prepared statements
        self._stack = contextlib.ExitStack()

    def add(self, pgconn) -> None:
        self._pgconns.append(pgconn)
        self._start(pgconn)

    def _start(self, pgconn) -> None:
        file = self._stack.enter_context(tempfile.TemporaryFile("w+"))  # noqa: SIM115
        self._files[id(pgconn)] = file
        self._names.setdefault(id(pgconn), {})
        pgconn.trace(file.fileno())

    def phase(self) -> list[str]:
        """The waits since the last call, labelled; tracing goes on into new files."""
        waits: list[str] = []
        for pgconn in list(self._pgconns):
            file = self._files[id(pgconn)]
            if pgconn.status == 0:  # CONNECTION_OK
                pgconn.untrace()
            file.seek(0)
            waits += labelled_waits(file.read(), self._names[id(pgconn)])
            if pgconn.status == 0:
                self._start(pgconn)
            else:
                self._pgconns.remove(pgconn)
        return waits

    def close(self) -> None:
        for pgconn in self._pgconns:
            if pgconn.status == 0:
                pgconn.untrace()
        self._stack.close()


def trace_every_connection(backend, traces: Traces) -> None:
    engine = backend.database.engine
    event.listen(engine, "connect", lambda dbapi, _record: traces.add(dbapi.pgconn))
    engine.dispose()  # the next connections are new, so traced from their first statement
    statements = backend.statements
    while statements._idle:
        cursor, _since = statements._idle.pop()
        cursor.connection.close()
    connect = statements._connect

    def traced_connect():
        connection = connect()
        traces.add(connection.pgconn)
        return connection

    statements._connect = traced_connect


def quiet(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.005)


def echo_reads(waits: list[str]) -> int:
    return sum(1 for wait in waits if any(word in wait for word in ECHO_READS))


def click_phase(page, traces: Traces, seats: list[int]) -> list[list[str]]:
    per_click = []
    traces.phase()
    for seat in seats:
        page.seat_panel.map_widget.toggle_seat(seat)
        wait_for(lambda seat=seat: seat in page.holder.held_seat_ids())
        quiet(QUIET_SECONDS)
        per_click.append(traces.phase())
    return per_click


def summary(per_click: list[list[str]]) -> dict:
    counts = [len(waits) for waits in per_click]
    return {
        "round_trips_per_click": counts,
        "mean": round(sum(counts) / len(counts), 2),
        "echo_reads_per_click": [echo_reads(waits) for waits in per_click],
        "one_click": per_click[-1],
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description="round trips per seat click, with and without echo"
    )
    parser.add_argument("--clicks", type=int, default=5)
    parser.add_argument("--data-dir", type=Path)
    args = parser.parse_args()
    app = make_application()
    data_dir = args.data_dir or Path(
        tempfile.mkdtemp(prefix="ticket-office-bench-click-", dir="/tmp")
    )
    log("opening the demo database (a first start loads the network)")
    backend = open_backend(None, data_dir=data_dir, pool_size=2)
    services = backend.services
    clerk = services.log_in("clerk", "clerk-demo-2026")
    tasks = TaskRunner(app)
    live = LiveUpdates(backend.change_listener(), tasks, app)
    live.start()
    traces = Traces()
    trace_every_connection(backend, traces)
    window = MainWindow(DeskContext.bind(services, clerk, tasks, live=live), server=backend.server)
    window.resize(1280, 860)
    window.show()
    window.start()
    page = window.page("sell")
    wait_for(lambda: page.stations.rowCount() > 0 and live.state is ConnectionState.CONNECTED)

    page.form.destination.setText("MAD")
    from datetime import timedelta

    from PySide6.QtCore import QDate

    page.form.travel_date.setDate(QDate(today_at("Europe/Lisbon") + timedelta(days=2)))
    page.form.submit()
    wait_for(lambda: page.results_model.rowCount() > 0 and not tasks.busy)
    journey = next(j for j in page.results_model.journeys() if j.bookable)
    page.open_journey(journey)
    wait_for(lambda: page.seat_panel.map_widget.seat_map() is not None and not tasks.busy)
    seat_map = page.seat_panel.map_widget.seat_map()
    coach = next(c for c in seat_map.coaches if c.coach_no == 3)
    free = [s.seat_id for s in coach.seats if s.state is SeatState.FREE]
    warm, measured, echoed = (
        free[:3],
        free[3 : 3 + args.clicks],
        free[3 + args.clicks : 3 + 2 * args.clicks],
    )
    click_phase(page, traces, warm)  # statements prepared, caches warm
    page.seat_panel.map_widget.set_selection([])
    wait_for(lambda: page.holder.held_seat_ids() == () and not tasks.busy)
    quiet(QUIET_SECONDS)

    no_echo = summary(click_phase(page, traces, measured))
    traces.phase()
    quiet(IDLE_SECONDS)
    idle = traces.phase()

    page.seat_panel.map_widget.set_selection([])
    wait_for(lambda: page.holder.held_seat_ids() == () and not tasks.busy)
    quiet(QUIET_SECONDS)
    # As before the notices named their desk: every notice heard reaches every page.
    live.changesHeard.disconnect(window._changes_heard)
    live.changesHeard.connect(
        lambda notices: window.on_runs_changed({run for n in notices for run in n.run_ids})
    )
    with_echo = summary(click_phase(page, traces, echoed))

    log(
        f"round trips per seat click: {no_echo['mean']} without the echo, "
        f"{with_echo['mean']} with it; idle desk over {IDLE_SECONDS:.0f} s: {len(idle)}"
    )
    page.seat_panel.map_widget.set_selection([])
    quiet(QUIET_SECONDS)
    window.close()
    live.stop()
    tasks.wait_for_idle()
    traces.close()
    backend.close()
    emit(
        {
            "bench": "seat_click",
            "server": backend.server.description,
            "clicks": args.clicks,
            "no_echo": no_echo,
            "with_echo": with_echo,
            "idle_round_trips": len(idle),
            "idle_seconds": IDLE_SECONDS,
            "saved_per_click": round(with_echo["mean"] - no_echo["mean"], 2),
            "limits": "no echo reads per click; 0 round trips from an idle desk",
            "meets": not any(no_echo["echo_reads_per_click"]) and not idle,
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
