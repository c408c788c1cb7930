"""Dashboard page loads through real HTTP (uvicorn on loopback, signed in as the board): a province-sized campaign
(~600 grassroots organizations, ~3,000 branches; target: median under 300 ms; computed for every load) and the top
page of the national tree (~323,000 units; target: under 1 s; read from its snapshot, service.dashboard_snapshot).
Beside them the raw-SQL baseline of the national figures (per-level rows and results, two queries), the first load
(which computes the snapshot), and how long a submission takes to show once the snapshot is due again. Prints
medians; asserts nothing."""

from __future__ import annotations

import random
import re
import socket
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pendulum
import uvicorn
from sqlalchemy import Engine, bindparam, insert, select, text, update

from benchmarks import bench_rollup
from benchmarks.bench_sweep import databases
from benchmarks.national import LEVELS
from models import clock, db
from models.base import UTCDateTime
from models.campaign_config import parse_campaign_config
from models.launch import launch_campaign
from models.tables import Assignment, Milestone, OrgUnit, Report, ReportLine
from models.tokens import issue
from service.access import Actor
from service.bootstrap import App, build_app
from service.dashboard_snapshot import snapshot_settings
from service.settings import Settings
from service.status import submit_status

RUNS = 15
COMMUNES, GRASSROOTS, BRANCHES = 30, 600, 3_000
PROVINCE_AT = pendulum.datetime(2026, 12, 18, 9, tz="Asia/Ho_Chi_Minh")  # after the grassroots deadline
CONFIG = {
    "key": "tinh-2026",
    "title": "Kiểm điểm năm 2026 (tỉnh)",
    "year": 2026,
    "plan_number": "120-KH/TU",
    "root": "TU",
    "launch": "2026-11-23",
    "milestones": [
        {"key": "grassroots_review", "levels": ["branch", "grassroots"], "deadline": "2026-12-15"},
        {
            "key": "commune_review",
            "levels": ["commune"],
            "deadline": "2026-12-31",
            "after_children": "grassroots_review",
        },
    ],
}


def province_tree(engine: Engine) -> None:
    now = pendulum.datetime(2026, 11, 1, tz="UTC")
    rows: list[dict[str, Any]] = []

    def add(code: str, parent: dict[str, Any] | None, level: str, name: str) -> dict[str, Any]:
        path = f"{parent['path'] if parent else '/'}{len(rows) + 1}/"
        row: dict[str, Any] = {
            "id": len(rows) + 1,
            "code": code,
            "parent_id": parent["id"] if parent else None,
            "name": name,
            "level": level,
            "members": 20,
            "contacts": [],
            "path": path,
            "depth": path.count("/") - 2,
            "updated_at": now,
        }
        rows.append(row)
        return row

    root = add("TU", None, "province", "Tỉnh ủy Mẫu")
    communes = [add(f"X{i:03d}", root, "commune", f"Đảng ủy xã {i}") for i in range(COMMUNES)]
    grassroots = [
        add(f"X{i % COMMUNES:03d}-C{i:04d}", communes[i % COMMUNES], "grassroots", f"Đảng bộ {i}")
        for i in range(GRASSROOTS)
    ]
    for i in range(BRANCHES):
        parent = grassroots[i % GRASSROOTS]
        add(f"{parent['code']}-B{i:05d}", parent, "branch", f"Chi bộ {i}")
    with engine.begin() as connection:
        connection.execute(insert(OrgUnit), rows)


def submit_most(engine: Engine, milestone: str, levels: tuple[str, ...], share: float, days: list[Any]) -> int:
    """`share` of the milestone's assignments at these levels submitted, on the given days, each with a report."""
    rng = random.Random(11)
    session = db.session_factory(engine)()
    ids = session.scalars(
        select(Assignment.id)
        .join(Milestone, Milestone.id == Assignment.milestone_id)
        .join(OrgUnit, OrgUnit.id == Assignment.unit_id)
        .where(Milestone.key == milestone, OrgUnit.level.in_(levels))
        .order_by(Assignment.id)
    ).all()
    chosen = [a for a in ids if rng.random() < share]
    by_day: dict[int, list[int]] = {}
    for assignment in chosen:
        by_day.setdefault(rng.randrange(len(days)), []).append(assignment)
    for index, group in by_day.items():
        for start in range(0, len(group), 20_000):
            session.execute(
                update(Assignment)
                .where(Assignment.id.in_(group[start : start + 20_000]))
                .values(status="submitted", submitted_at=days[index].in_timezone("UTC"), on_time=True)
            )
    first = (session.scalar(select(Report.id).order_by(Report.id.desc()).limit(1)) or 0) + 1
    reports = [
        {"id": first + i, "assignment_id": a, "version": 1, "submitted_at": days[0], "current": True, "payload": {}}
        for i, a in enumerate(chosen)
    ]
    lines = [
        {
            "report_id": r["id"],
            "subject": "member",
            "total": 20,
            "evaluated": 19,
            "excellent": 2,
            "good": 14,
            "completed": 3,
            "not_completed": 0,
            "not_evaluated": {"new": 1},
        }
        for r in reports
    ]
    for start in range(0, len(reports), 20_000):
        session.execute(insert(Report), reports[start : start + 20_000])
        session.execute(insert(ReportLine), lines[start : start + 20_000])
    session.commit()
    session.close()
    return len(chosen)


class Served:
    """The dashboard on loopback through real uvicorn, signed in as the board."""

    def __init__(self, url: str, levels: tuple[str, ...], token: str) -> None:
        from entrypoints.dashboard import create_dashboard

        self.app: App = build_app(Settings(database_url=url, levels=levels))
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        config = uvicorn.Config(create_dashboard(self.app), host="127.0.0.1", port=port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        while not self.server.started:
            time.sleep(0.05)
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600)
        assert self.client.get("/signin", params={"token": token}).status_code == 303

    def load(self, path: str) -> tuple[float, str]:
        started = time.perf_counter()
        answer = self.client.get(path)
        assert answer.status_code == 200, (path, answer.status_code)
        return time.perf_counter() - started, answer.text

    def loads(self, path: str, runs: int) -> tuple[float, float]:
        """The first load (it warms caches, or computes a snapshot) and the median of the `runs` after it."""
        first = self.load(path)[0]
        return first, statistics.median(self.load(path)[0] for _ in range(runs))

    def close(self) -> None:
        self.client.close()
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.app.engine.dispose()


def serve_and_time(url: str, levels: tuple[str, ...], token: str, pages: dict[str, str], runs: int) -> dict[str, float]:
    served = Served(url, levels, token)
    try:
        return {name: served.loads(path, runs)[1] for name, path in pages.items()}
    finally:
        served.close()


def timed(label: str, step: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    result = step()
    print(f"  {label}: {time.perf_counter() - started:.1f} s")
    return result


def province(name: str, url: str) -> None:
    print(f"dashboard, province-sized campaign ({GRASSROOTS} grassroots, {BRANCHES:,} branches), {name}:")
    engine = db.make_engine(url)
    db.upgrade(engine)
    province_tree(engine)
    session = db.session_factory(engine)()
    launch_campaign(session, parse_campaign_config(CONFIG, LEVELS), PROVINCE_AT.subtract(days=25), "bench")
    token = issue(session, None, PROVINCE_AT)
    session.commit()
    session.close()
    days = [pendulum.datetime(2026, 12, d, 10, tz="Asia/Ho_Chi_Minh") for d in range(1, 18)]
    submitted = submit_most(engine, "grassroots_review", ("branch", "grassroots"), 0.9, days)
    bench_rollup.analyze(engine)
    engine.dispose()
    print(f"  {submitted:,} submissions over {len(days)} days, the rest overdue")
    clock.set_now(PROVINCE_AT)
    pages = {
        "campaign page (whole province)": "/campaigns/tinh-2026",
        "drill-down (one commune)": "/campaigns/tinh-2026?root=X007",
        "unit page (a branch)": "/campaigns/tinh-2026/units/X007-C0007-B00007",
        "search": "/campaigns/tinh-2026/search?q=B0070",
    }
    for page, median in serve_and_time(url, LEVELS, token, pages, RUNS).items():
        print(f"  {page:<32} median {median * 1000:7.1f} ms over {RUNS} loads   (target < 300 ms)")


def raw_sql_baseline(engine: Any) -> float:
    """The national figures in raw SQL: the per-level rows and the results with the topmost-report rule."""
    levels = text(bench_rollup.BASELINE_LEVELS).bindparams(bindparam("now", type_=UTCDateTime()))
    with engine.connect() as connection:
        rows, _ = bench_rollup.median_of(3, lambda: connection.execute(levels, {"now": bench_rollup.AT}).all())
        results, _ = bench_rollup.median_of(3, lambda: connection.execute(text(bench_rollup.BASELINE_TOPMOST)).all())
    return float(rows + results)


def submitted_branches(html: str) -> int:
    row = re.search(
        r'data-milestone="grassroots_review" data-level="branch">.*?data-k="submitted">([\d.,]+)<', html, re.S
    )
    assert row, "no branch row on the page"
    return int(row.group(1).replace(".", "").replace(",", ""))


def as_of(html: str) -> str:
    found = re.search(r'data-testid="freshness" data-snapshot="(\d)" data-as-of="([^"]+)"', html)
    assert found, "no freshness line on the page"
    return f"{'snapshot' if found.group(1) == '1' else 'live'} {found.group(2)}"


def freshness(served: Served, url: str, path: str) -> None:
    """A branch submits; once the snapshot is due again (its seconds later by the clock), how long until the page
    shows the submission: the load that starts the recomputation, then loads until the new figures are there."""
    before = submitted_branches(served.load(path)[1])
    session = db.session_factory(served.app.engine)()
    overdue = session.scalar(
        select(OrgUnit.code)
        .join(Assignment, Assignment.unit_id == OrgUnit.id)
        .where(OrgUnit.level == "branch", Assignment.status == "pending")
        .limit(1)
    )
    session.close()
    assert overdue is not None
    later = bench_rollup.AT.add(seconds=snapshot_settings().snapshot_seconds + 1)
    clock.set_now(later)
    submit_status(served.app, Actor.operator("bench"), "vn-2026", overdue, "grassroots_review", later, None)
    started = time.perf_counter()
    first, html = served.load(path)
    print(f"  a branch submits; the next load {first * 1000:7.1f} ms shows the figures {as_of(html)}, marked updating")
    while submitted_branches(html) == before:
        time.sleep(0.5)
        html = served.load(path)[1]
    print(f"  the submission shows after {time.perf_counter() - started:5.1f} s (figures {as_of(html)})")


def national(name: str, url: str) -> None:
    print(f"dashboard, national tree's top page, {name} (machine shared: figures under contention):")
    engine = timed("national tree, launch, grassroots reports", lambda: bench_rollup.prepare(url))
    days = [pendulum.datetime(2026, 12, d, 10, tz="Asia/Ho_Chi_Minh") for d in range(1, 15)]
    timed("95% of branches submitted", lambda: submit_most(engine, "grassroots_review", ("branch",), 0.95, days))
    session = db.session_factory(engine)()
    token = issue(session, None, bench_rollup.AT)
    session.commit()
    session.close()
    bench_rollup.analyze(engine)
    baseline = raw_sql_baseline(engine)
    engine.dispose()
    print(f"  raw SQL baseline (per-level rows + results, topmost rule): {baseline:6.2f} s")
    clock.set_now(bench_rollup.AT)
    served = Served(url, LEVELS, token)
    try:
        for page, path in {
            "campaign page (whole country)": "/campaigns/vn-2026",
            "drill-down (one province)": "/campaigns/vn-2026?root=T07",
        }.items():
            first, median = served.loads(path, 5)
            print(
                f"  {page:<30} first load {first:6.2f} s ({first / baseline:5.2f}× raw SQL), then median "
                f"{median * 1000:7.1f} ms over 5 loads ({median / baseline:5.3f}× raw SQL; target < 1000 ms)"
            )
        freshness(served, url, "/campaigns/vn-2026")
    finally:
        served.close()


def main() -> None:
    try:
        for name, url in databases():
            province(name, url)
        for name, url in databases():
            national(name, url)
    finally:
        clock.set_now(None)


if __name__ == "__main__":
    main()
