"""Dashboard page loads through real HTTP (uvicorn on loopback, signed in as the board): a province-sized campaign
(~600 grassroots organizations, ~3,000 branches; target: median under 300 ms) and the top page of the national tree
(~323,000 units; target: under 1 s). Prints medians; asserts nothing."""

from __future__ import annotations

import random
import socket
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pendulum
import uvicorn
from sqlalchemy import Engine, insert, select, update

from benchmarks import bench_rollup
from benchmarks.bench_sweep import databases
from benchmarks.national import LEVELS
from models import clock, db
from models.campaign_config import parse_campaign_config
from models.launch import launch_campaign
from models.tables import Assignment, Milestone, OrgUnit, Report, ReportLine
from models.tokens import issue
from service.bootstrap import build_app
from service.settings import Settings

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
        row = {
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


def serve_and_time(url: str, levels: tuple[str, ...], token: str, pages: dict[str, str], runs: int) -> dict[str, float]:
    app = build_app(Settings(database_url=url, levels=levels))
    from entrypoints.dashboard import create_dashboard

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_dashboard(app), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    medians = {}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            assert client.get("/signin", params={"token": token}).status_code == 303
            for name, path in pages.items():
                timings = []
                for _ in range(runs + 1):  # the first load warms caches and is not counted
                    started = time.perf_counter()
                    answer = client.get(path)
                    timings.append(time.perf_counter() - started)
                    assert answer.status_code == 200, (path, answer.status_code)
                medians[name] = statistics.median(timings[1:])
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        app.engine.dispose()
    return medians


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


def national(name: str, url: str) -> None:
    print(f"dashboard, national tree's top page, {name}:")
    engine = timed("national tree, launch, grassroots reports", lambda: bench_rollup.prepare(url))
    days = [pendulum.datetime(2026, 12, d, 10, tz="Asia/Ho_Chi_Minh") for d in range(1, 15)]
    timed("95% of branches submitted", lambda: submit_most(engine, "grassroots_review", ("branch",), 0.95, days))
    session = db.session_factory(engine)()  # type: ignore[arg-type]
    token = issue(session, None, bench_rollup.AT)
    session.commit()
    session.close()
    bench_rollup.analyze(engine)
    engine.dispose()  # type: ignore[attr-defined]
    clock.set_now(bench_rollup.AT)
    pages = {
        "campaign page (whole country)": "/campaigns/vn-2026",
        "drill-down (one province)": "/campaigns/vn-2026?root=T07",
    }
    for page, median in serve_and_time(url, LEVELS, token, pages, 5).items():
        print(f"  {page:<32} median {median * 1000:7.1f} ms over 5 loads   (target < 1000 ms)")


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
