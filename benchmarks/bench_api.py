"""Submissions through the HTTP API from 8 client threads, each request with the token of the unit it submits for
(20,000 branches, 20,000 tokens), served the way `kiemdiem deploy api --workers N` serves it
(entrypoints.api.server.serve: uvicorn processes of its own, on loopback), beside two baselines measured in the
same run with the same client:

- the framework's floor: an endpoint that authenticates nothing and writes nothing, but parses the same body with
  the same schema, behind the same uvicorn and worker count;
- the same writes in plain SQL (SQLAlchemy Core, no HTTP, no ORM): per submission one transaction that locks the
  assignment, marks it submitted, stores the report and its line and writes the audit row, from 8 threads.

Then counts that nothing was lost or doubled (assignments submitted, report versions, audit rows). The client is
http.client with keep-alive, in threads; its CPU time and the server's are printed, as they share the machine's
cores. Knobs: KIEMDIEM_BENCH_API_UNITS (20000), KIEMDIEM_BENCH_API_WORKERS (2), KIEMDIEM_BENCH_API_DATABASES
(SQLite,PostgreSQL)."""

from __future__ import annotations

import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pendulum
from fastapi import FastAPI, Header
from sqlalchemy import Engine, func, insert, select, update

from benchmarks.bench_sweep import databases
from entrypoints.api.schemas import SubmitIn
from models import clock
from models.tables import ApiToken, Assignment, AuditEntry, Campaign, Milestone, OrgUnit, Report, ReportLine
from models.tokens import digest, issue
from service.access import Actor
from service.bootstrap import build_app
from service.campaigns import launch
from service.settings import Settings
from service.units import import_tree

UNITS = int(os.environ.get("KIEMDIEM_BENCH_API_UNITS", "20000"))
WORKERS = int(os.environ.get("KIEMDIEM_BENCH_API_WORKERS", "2"))
WANTED = os.environ.get("KIEMDIEM_BENCH_API_DATABASES", "SQLite,PostgreSQL").lower().split(",")
THREADS = 8
ROOT = Path(__file__).resolve().parent.parent
AT = pendulum.datetime(2026, 11, 23, 8, tz="Asia/Ho_Chi_Minh")
CONFIG = """key: load-2026
title: "Đo tải"
year: 2026
plan_number: 1-KH/LOAD
root: ROOT
launch: 2026-11-23
milestones: [{key: review, levels: [branch], deadline: 2026-12-10}]
"""
REPORT = {"report": {"subjects": {"member": {"total": 10, "evaluated": 10, "excellent": 1, "good": 8, "completed": 1}}}}
PATH = "/api/campaigns/{key}/units/{unit}/milestones/review/submit"
SERVE = (
    "import sys; from entrypoints.api.server import serve; serve('127.0.0.1', *map(int, sys.argv[1:3]), sys.argv[3])"
)


def code(i: int) -> str:
    return f"B{i:05d}"


def prepare(url: str, folder: Path, campaigns: tuple[str, ...] = ("load-2026",)) -> str:
    """The tree (ROOT and UNITS branches) and a campaign on it for each key; the admin's token (bench_burst's)."""
    app = build_app(Settings(home=folder, database_url=url))
    tree = folder / "tree.csv"
    rows = ["code,parent,name,level,members,contacts", "ROOT,,Gốc,district,0,"]
    rows += [f"{code(i)},ROOT,Chi bộ {i},branch,10," for i in range(UNITS)]
    tree.write_text("\n".join(rows) + "\n", encoding="utf-8")
    import_tree(app, tree, AT, "bench", allow_many_roots=False)
    for key in campaigns:
        (folder / f"{key}.yaml").write_text(CONFIG.replace("load-2026", key), encoding="utf-8")
        launch(app, Actor.operator("bench"), folder / f"{key}.yaml", AT)
    with app.unit_of_work() as session:
        admin = issue(session, None, AT)
    app.engine.dispose()
    return admin


def unit_tokens(url: str, folder: Path) -> dict[str, str]:
    """One token per branch, stored hashed as `kiemdiem tokens issue` stores them."""
    app = build_app(Settings(home=folder, database_url=url))
    tokens = {code(i): "kd_" + secrets.token_urlsafe(32) for i in range(UNITS)}
    with app.unit_of_work() as session:
        ids = {unit: id_ for unit, id_ in session.execute(select(OrgUnit.code, OrgUnit.id))}
        session.execute(
            insert(ApiToken),
            [
                {"token_hash": digest(token), "prefix": token[:10], "unit_id": ids[unit], "created_at": AT}
                for unit, token in tokens.items()
            ],
        )
    app.engine.dispose()
    return tokens


def load(base: str, token: str) -> tuple[float, list[float], int]:
    """Every branch submits once, all with `token` (the admin's), through httpx: bench_burst's load."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def worker(part: int) -> None:
        mine: list[float] = []
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
            for i in range(part, UNITS, THREADS):
                started = time.perf_counter()
                answer = client.post(PATH.format(key="load-2026", unit=code(i)), json=REPORT)
                mine.append(time.perf_counter() - started)
                if answer.status_code != 200:
                    with lock:
                        errors[0] += 1
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return time.perf_counter() - started, latencies, errors[0]


@dataclass
class Run:
    """One load: wall time, each request's latency, answers that were not 200, and CPU seconds used."""

    elapsed: float
    latencies: list[float]
    errors: int
    client_cpu: float
    server_cpu: float = 0.0

    def line(self, name: str, baseline: Run | None = None) -> str:
        ordered = sorted(self.latencies)
        rate = len(ordered) / self.elapsed
        text = (
            f"  {name:<34} {rate:7.0f}/s  median {statistics.median(ordered) * 1000:6.1f} ms  "
            f"p99 {ordered[int(len(ordered) * 0.99)] * 1000:6.1f} ms  errors {self.errors}  "
            f"CPU client {self.client_cpu / self.elapsed:4.0%} server {self.server_cpu / self.elapsed:4.0%}"
        )
        if baseline is not None:
            text += f"  ({rate / (len(baseline.latencies) / baseline.elapsed):.0%} of the floor)"
        return text


def threads(work: Callable[[int], list[float]]) -> tuple[float, list[float], float]:
    """`work(part)` in THREADS threads at once: wall time, all latencies, this process's CPU time."""
    latencies: list[float] = []
    lock = threading.Lock()

    def run(part: int) -> None:
        mine = work(part)
        with lock:
            latencies.extend(mine)

    cpu, started = time.process_time(), time.perf_counter()
    pool = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return time.perf_counter() - started, latencies, time.process_time() - cpu


def post_all(port: int, key: str, tokens: dict[str, str]) -> Run:
    """Every branch submits once, with its own token, over 8 keep-alive connections."""
    body = json.dumps(REPORT).encode()
    errors = [0]

    def work(part: int) -> list[float]:
        mine: list[float] = []
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for i in range(part, UNITS, THREADS):
            unit = code(i)
            headers = {"Authorization": f"Bearer {tokens[unit]}", "Content-Type": "application/json"}
            started = time.perf_counter()
            connection.request("POST", PATH.format(key=key, unit=unit), body=body, headers=headers)
            answer = connection.getresponse()
            answer.read()
            mine.append(time.perf_counter() - started)
            if answer.status != 200:
                errors[0] += 1
        connection.close()
        return mine

    elapsed, latencies, cpu = threads(work)
    return Run(elapsed, latencies, errors[0], cpu)


def sql_all(engine: Engine, key: str) -> Run:
    """The writes of each submission in plain SQL, one transaction each, from 8 threads."""
    now = AT.add(days=5)
    with engine.connect() as connection:
        milestone = connection.scalar(
            select(Milestone.id).join(Campaign).where(Campaign.key == key, Milestone.key == "review")
        )
        units = {unit: id_ for unit, id_ in connection.execute(select(OrgUnit.code, OrgUnit.id))}
    counts = REPORT["report"]["subjects"]["member"]

    def work(part: int) -> list[float]:
        mine: list[float] = []
        for i in range(part, UNITS, THREADS):
            started = time.perf_counter()
            with engine.begin() as connection:
                locked = connection.execute(
                    update(Assignment)
                    .where(Assignment.milestone_id == milestone, Assignment.unit_id == units[code(i)])
                    .values(status="submitted", submitted_at=now, on_time=True, updated_at=now)
                    .returning(Assignment.id, Assignment.campaign_id)
                ).one()
                report = connection.scalar(
                    insert(Report)
                    .values(
                        assignment_id=locked.id,
                        version=1,
                        submitted_at=now,
                        current=True,
                        payload=REPORT["report"],
                        self_rating=None,
                    )
                    .returning(Report.id)
                )
                connection.execute(
                    insert(ReportLine).values(
                        report_id=report, subject="member", not_completed=0, not_evaluated={}, probationary=0, **counts
                    )
                )
                connection.execute(
                    insert(AuditEntry).values(
                        at=now,
                        actor=f"api:{code(i)}",
                        action="assignment.submit",
                        campaign_id=locked.campaign_id,
                        entity="assignment",
                        entity_key=str(locked.id),
                        from_state="pending",
                        to_state="submitted",
                        details={"on_time": True, "override": False},
                    )
                )
            mine.append(time.perf_counter() - started)
        return mine

    elapsed, latencies, cpu = threads(work)
    return Run(elapsed, latencies, 0, cpu)


def floor_api() -> FastAPI:
    """The framework's floor: the submission's route and body schema, with nothing behind them."""
    api = FastAPI()

    @api.post("/api/campaigns/{campaign}/units/{unit}/milestones/{milestone}/submit")
    def submit(
        campaign: str, unit: str, milestone: str, body: SubmitIn, authorization: str = Header()
    ) -> dict[str, Any]:
        return {"campaign": campaign, "unit": unit, "milestone": milestone, "status": "submitted", "on_time": True}

    return api


@contextmanager
def uvicorn_processes(factory: str, env: dict[str, str]) -> Iterator[tuple[int, Callable[[], float]]]:
    """`factory` served by WORKERS uvicorn processes, as `kiemdiem deploy api --workers N` serves the API
    (entrypoints.api.server.serve): its port, and a function that reads the CPU seconds its processes have used."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-c", SERVE, str(port), str(WORKERS), factory]
    server = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdin=subprocess.DEVNULL)
    try:
        ready = 0
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                ready += 1
                if ready > 2 * WORKERS:  # every worker has had time to build its app
                    break
            except OSError:
                pass
            time.sleep(0.1)
        warm = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for _ in range(4 * WORKERS):
            warm.request("GET", "/api/none", headers={"Authorization": "Bearer kd_none"})
            warm.getresponse().read()
        warm.close()
        yield port, lambda: cpu_seconds(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=60)


def cpu_seconds(pid: int) -> float:
    """User and system CPU of a process and its children still running (uvicorn's workers)."""
    total, ticks = 0.0, os.sysconf("SC_CLK_TCK")
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
            pending += [int(c) for c in Path(f"/proc/{current}/task/{current}/children").read_text().split()]
        except (OSError, ValueError):
            continue
    return total


def served(target: str, env: dict[str, str], key: str, tokens: dict[str, str]) -> Run:
    with uvicorn_processes(target, env) as (port, cpu):
        before = cpu()
        run = post_all(port, key, tokens)
        run.server_cpu = cpu() - before
    return run


def counted(url: str, folder: Path) -> tuple[int, int, int]:
    """Assignments submitted, reports stored and submission audit rows, over both campaigns."""
    app = build_app(Settings(home=folder, database_url=url))
    with app.unit_of_work() as session:
        submitted = session.scalar(select(func.count()).where(Assignment.status == "submitted")) or 0
        reports = session.scalar(select(func.count()).select_from(Report)) or 0
        audited = session.scalar(select(func.count()).where(AuditEntry.action == "assignment.submit")) or 0
    app.engine.dispose()
    return submitted, reports, audited


def main() -> None:
    clock.set_now(AT.add(days=5))
    for name, url in databases():
        if name.lower() not in WANTED:
            continue
        with tempfile.TemporaryDirectory() as folder:
            prepare(url, Path(folder), ("load-2026", "sql-2026"))
            tokens = unit_tokens(url, Path(folder))
            env = {"KIEMDIEM_DATABASE_URL": url, "KIEMDIEM_HOME": folder}
            floor = served("benchmarks.bench_api:floor_api", env, "load-2026", tokens)
            api = served("entrypoints.api.server:production_app", env, "load-2026", tokens)
            engine = build_app(Settings(home=Path(folder), database_url=url)).engine
            raw = sql_all(engine, "sql-2026")
            engine.dispose()
            submitted, reports, audited = counted(url, Path(folder))
        print(f"API submissions, {name}: {UNITS:,} from {THREADS} client threads, uvicorn --workers {WORKERS}")
        print(floor.line("floor (empty endpoint, same client)"))
        print(api.line("API (token per unit)", floor))
        print(raw.line("raw SQL, same writes, 8 threads"))
        print(
            f"  API / raw SQL: {len(api.latencies) / api.elapsed / (len(raw.latencies) / raw.elapsed):.2f}×   "
            f"submitted {submitted:,}, reports {reports:,}, audit rows {audited:,} of {2 * UNITS:,} "
            f"({'none lost, none doubled' if submitted == reports == audited == 2 * UNITS else 'LOST OR DOUBLED'})"
        )


if __name__ == "__main__":
    main()
