"""Cold start: a new `python main.py` process until the sign-in window is on screen.

    .venv/bin/python bench/ui_startup.py [--runs 5] [--data-dir D]

Each run starts a fresh interpreter with TICKET_OFFICE_STARTUP_PROBE=shown: the app prints how
long it took to show the sign-in window and quits. The wall time from spawning the process to
that line is the figure (it includes the interpreter, imports and Qt start). A first run with
the probe set to "ready" warms up first (creating the embedded database the first time is not
a start-up cost to measure); runs with "ready" are also reported, for information: until the
server is connected and Sign in works.

Last line: one JSON object, the median against the 1.5 s limit.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import emit, log  # noqa: E402

LIMIT_S = 1.5


def start_once(probe: str, env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds until the probe's line, the app's own figure)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py")],
        cwd=ROOT,
        env={**env, "TICKET_OFFICE_STARTUP_PROBE": probe},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("{"):
            wall = time.perf_counter() - started
            own = next(iter(json.loads(line).values()))
            process.wait(timeout=60)
            return wall, own
    process.wait(timeout=60)
    raise RuntimeError(f"the app printed no timing (exit code {process.returncode})")


def main() -> int:
    parser = argparse.ArgumentParser(description="cold start to the sign-in window")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data-dir", type=Path)
    args = parser.parse_args()
    data_dir = args.data_dir or Path(
        tempfile.mkdtemp(prefix="ticket-office-bench-start-", dir="/tmp")
    )
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
        "TICKET_OFFICE_DATA_DIR": str(data_dir),
    }
    log("warming up (the first start creates the embedded database)")
    start_once("ready", env)
    shown = [start_once("shown", env) for _ in range(args.runs)]
    ready = [start_once("ready", env) for _ in range(args.runs)]
    shown_wall = [wall for wall, _own in shown]
    median = statistics.median(shown_wall)
    ready_median = statistics.median(wall for wall, _own in ready)
    log(
        f"sign-in window shown: median {median:.3f} s over {args.runs} runs "
        f"(runs: {', '.join(f'{w:.3f}' for w in shown_wall)}); limit {LIMIT_S} s"
    )
    log(f"server connected, Sign in usable: median {ready_median:.3f} s")
    emit(
        {
            "bench": "ui_startup",
            "runs": args.runs,
            "login_shown_median_s": round(median, 3),
            "login_shown_runs_s": [round(w, 3) for w in shown_wall],
            "login_shown_in_app_median_s": round(statistics.median(o for _w, o in shown), 3),
            "login_ready_median_s": round(ready_median, 3),
            "limit_s": LIMIT_S,
            "ok": median <= LIMIT_S,
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
