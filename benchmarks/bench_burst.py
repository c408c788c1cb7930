"""20,000 submissions in a burst across the deadline minute while a sweep runs (issue 8's load check).

The API server's clock runs from 23:59:50 local on the deadline day, so the burst crosses midnight: on-time must be
decided by each submission's own instant. A sweep (`kiemdiem campaign sweep` in its own process, at 23:59:55) runs
during the burst. Printed: requests per second and latency; then the checks: none lost (20,000 submitted), none
doubled (one audit row and one report version per unit), on-time equal to `submitted_at < due_before` for every
unit.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import text

from benchmarks.bench_api import THREADS, UNITS, load, prepare
from benchmarks.bench_sweep import databases
from service.bootstrap import build_app
from service.settings import Settings

DEADLINE_MINUTE = "2026-12-10T23:59:50+07:00"
SWEEP_AT = "2026-12-10T23:59:55+07:00"
SERVER = """
import sys, pendulum, uvicorn
from models import clock
from entrypoints.api import create_api
from service.bootstrap import build_app
clock.run_from(pendulum.parse(sys.argv[2]))
uvicorn.run(create_api(build_app()), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""
CLI = "from entrypoints.cli import main; main()"
CHECKS = {
    "submitted": "SELECT count(*) FROM assignment WHERE status = 'submitted'",
    "audit rows": "SELECT count(*) FROM audit_log WHERE action = 'assignment.submit'",
    "units with a second report": "SELECT count(*) FROM report WHERE version > 1",
    "on-time flags that disagree with the instant": (
        "SELECT count(*) FROM assignment WHERE status = 'submitted' AND on_time <> (submitted_at < due_before)"
    ),
    "on time": "SELECT count(*) FROM assignment WHERE on_time",
    "late": "SELECT count(*) FROM assignment WHERE status = 'submitted' AND NOT on_time",
}


def _serve(url: str, folder: str) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(port), DEADLINE_MINUTE],
        env={**os.environ, "KIEMDIEM_DATABASE_URL": url, "KIEMDIEM_HOME": folder},
    )
    for _ in range(300):
        try:
            httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1)
            return server, f"http://127.0.0.1:{port}"
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the API server did not start")


def main() -> None:
    for name, url in databases():
        with tempfile.TemporaryDirectory() as folder:
            token = prepare(url, Path(folder))
            server, base = _serve(url, folder)
            sweep_log = Path(folder) / "sweep.log"  # a file, not a pipe: a full pipe nobody reads stops the sweep
            with sweep_log.open("w") as log:
                sweep = subprocess.Popen(
                    [sys.executable, "-c", CLI, "campaign", "sweep", "--campaign", "load-2026", "--at", SWEEP_AT],
                    env={**os.environ, "KIEMDIEM_DATABASE_URL": url, "KIEMDIEM_HOME": folder},
                    stdout=subprocess.DEVNULL,
                    stderr=log,
                )
            try:
                elapsed, latencies, errors = load(base, token)
                sweep_code = sweep.wait(timeout=600)
                if sweep_code:
                    print("  sweep failed:", " | ".join(sweep_log.read_text().splitlines()[-3:]))
            finally:
                server.terminate()
                server.wait(timeout=30)
            app = build_app(Settings(home=Path(folder), database_url=url))
            with app.engine.connect() as connection:
                found = {label: connection.execute(text(sql)).scalar() for label, sql in CHECKS.items()}
            app.engine.dispose()
        latencies.sort()
        print(f"Burst across the deadline minute with a sweep running, {name}: {UNITS:,} requests, {THREADS} threads")
        print(
            f"  {UNITS / elapsed:7.0f} requests/s   median {statistics.median(latencies) * 1000:6.1f} ms   "
            f"p99 {latencies[int(len(latencies) * 0.99)] * 1000:6.1f} ms   errors {errors}   sweep exit {sweep_code}"
        )
        for label, value in found.items():
            print(f"  {label:<46} {value:>7,}")
        good = (
            found["submitted"] == UNITS
            and found["audit rows"] == UNITS
            and not found["units with a second report"]
            and not found["on-time flags that disagree with the instant"]
            and errors == 0
            and sweep_code == 0
        )
        print(f"  {'none lost, none doubled, on time by the instant' if good else 'CHECK FAILED'}")


if __name__ == "__main__":
    main()
