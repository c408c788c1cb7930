"""20,000 submissions through the HTTP API (uvicorn in its own process, on loopback) from 8 client threads:
requests per second, median and p99 latency, and a count that nothing was lost."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pendulum
from sqlalchemy import func, select

from benchmarks.bench_sweep import databases
from models import clock
from models.tables import Assignment
from models.tokens import issue
from service.access import Actor
from service.bootstrap import build_app
from service.campaigns import launch
from service.settings import Settings
from service.units import import_tree

UNITS, THREADS = 20_000, 8
AT = pendulum.datetime(2026, 11, 23, 8, tz="Asia/Ho_Chi_Minh")
CONFIG = """key: load-2026
title: "Đo tải"
year: 2026
plan_number: 1-KH/LOAD
root: ROOT
launch: 2026-11-23
milestones: [{key: review, levels: [branch], deadline: 2026-12-10}]
"""
SERVER = """
import sys, uvicorn
from entrypoints.api import create_api
from service.bootstrap import build_app
uvicorn.run(create_api(build_app()), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""
REPORT = {"report": {"subjects": {"member": {"total": 10, "evaluated": 10, "excellent": 1, "good": 8, "completed": 1}}}}


def prepare(url: str, folder: Path) -> str:
    app = build_app(Settings(home=folder, database_url=url))
    tree = folder / "tree.csv"
    rows = ["code,parent,name,level,members,contacts", "ROOT,,Gốc,district,0,"]
    rows += [f"B{i:05d},ROOT,Chi bộ {i},branch,10," for i in range(UNITS)]
    tree.write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "c.yaml").write_text(CONFIG, encoding="utf-8")
    import_tree(app, tree, AT, "bench", allow_many_roots=False)
    launch(app, Actor.operator("bench"), folder / "c.yaml", AT)
    with app.unit_of_work() as session:
        return issue(session, None, AT)


def load(base: str, token: str) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def worker(part: int) -> None:
        mine: list[float] = []
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
            for i in range(part, UNITS, THREADS):
                started = time.perf_counter()
                answer = client.post(f"/api/campaigns/load-2026/units/B{i:05d}/milestones/review/submit", json=REPORT)
                mine.append(time.perf_counter() - started)
                if answer.status_code != 200:
                    with lock:
                        errors[0] += 1
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, errors[0]


def main() -> None:
    clock.set_now(AT.add(days=5))
    for name, url in databases():
        with tempfile.TemporaryDirectory() as folder:
            token = prepare(url, Path(folder))
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            server = subprocess.Popen(
                [sys.executable, "-c", SERVER, str(port)],
                env={**os.environ, "KIEMDIEM_DATABASE_URL": url, "KIEMDIEM_HOME": folder},
            )
            try:
                for _ in range(200):
                    try:
                        httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1)
                        break
                    except httpx.HTTPError:
                        time.sleep(0.1)
                elapsed, latencies, errors = load(f"http://127.0.0.1:{port}", token)
            finally:
                server.terminate()
                server.wait(timeout=30)
            app = build_app(Settings(home=Path(folder), database_url=url))
            with app.unit_of_work() as session:
                stored = (
                    session.scalar(select(func.count()).select_from(Assignment).where(Assignment.status == "submitted"))
                    or 0
                )
        latencies.sort()
        print(f"API submissions, {name}: {UNITS:,} requests from {THREADS} threads in {elapsed:.1f} s")
        print(
            f"  {UNITS / elapsed:7.0f} requests/s   median {statistics.median(latencies) * 1000:6.1f} ms   "
            f"p99 {latencies[int(len(latencies) * 0.99)] * 1000:6.1f} ms   errors {errors}"
        )
        print(f"  stored submissions {stored:,} of {UNITS:,} ({'none lost' if stored == UNITS else 'LOST SOME'})")


if __name__ == "__main__":
    main()
