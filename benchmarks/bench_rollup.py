"""Roll-up over the national tree (~322,000 units) with reports from every grassroots organization: `progress` (per
level and milestone, and results per subject) against raw SQL computing the same figures in two GROUP BY queries."""

from __future__ import annotations

import random
import statistics
import time

import pendulum
from sqlalchemy import bindparam, insert, select, text, update

from benchmarks.bench_sweep import CONFIG, databases
from benchmarks.national import LEVELS, generate
from models import db
from models.base import UTCDateTime
from models.campaign_config import parse_campaign_config
from models.launch import launch_campaign
from models.progress import progress
from models.tables import Assignment, Milestone, OrgUnit, Report, ReportLine

AT = pendulum.datetime(2026, 12, 20, 9, tz="Asia/Ho_Chi_Minh")
RUNS = 3


def prepare(url: str) -> object:
    engine = db.make_engine(url)
    db.upgrade(engine)
    generate(engine)
    session = db.session_factory(engine)()
    launch_campaign(session, parse_campaign_config(CONFIG, LEVELS), AT.subtract(days=27), "bench")
    session.commit()
    grassroots = (
        session.execute(
            select(Assignment.id)
            .join(OrgUnit, OrgUnit.id == Assignment.unit_id)
            .join(Milestone)
            .where(OrgUnit.level == "grassroots", Milestone.key == "grassroots_review")
        )
        .scalars()
        .all()
    )
    rng = random.Random(7)
    submitted = AT.subtract(days=12).in_timezone("UTC")
    session.execute(
        update(Assignment)
        .where(Assignment.id.in_(grassroots))
        .values(status="submitted", submitted_at=submitted, on_time=True)
    )
    session.execute(
        insert(Report),
        [
            {"id": i + 1, "assignment_id": a, "version": 1, "submitted_at": submitted, "current": True, "payload": {}}
            for i, a in enumerate(grassroots)
        ],
    )
    lines = []
    for report_id in range(1, len(grassroots) + 1):
        total = rng.randint(20, 200)
        evaluated = total - rng.randint(0, 5)
        excellent, good = evaluated // 10, evaluated * 8 // 10
        lines.append(
            {
                "report_id": report_id,
                "subject": "member",
                "total": total,
                "evaluated": evaluated,
                "excellent": excellent,
                "good": good,
                "completed": evaluated - excellent - good,
                "not_completed": 0,
                "not_evaluated": {},
            }
        )
        lines.append(
            {
                "report_id": report_id,
                "subject": "organization",
                "total": 1,
                "evaluated": 1,
                "excellent": 0,
                "good": 1,
                "completed": 0,
                "not_completed": 0,
                "not_evaluated": {},
            }
        )
    for start in range(0, len(lines), 20_000):
        session.execute(insert(ReportLine), lines[start : start + 20_000])
    session.commit()
    session.close()
    db.refresh_statistics(engine)  # type: ignore[arg-type]
    print(f"  {len(grassroots):,} grassroots reports, {len(lines):,} report lines")
    return engine


BASELINE_LEVELS = """
SELECT m.key, u.level, count(*),
       sum(CASE WHEN a.status IN ('submitted', 'accepted') THEN 1 ELSE 0 END),
       sum(CASE WHEN a.status IN ('submitted', 'accepted') AND a.on_time THEN 1 ELSE 0 END),
       sum(CASE WHEN a.status NOT IN ('submitted', 'accepted', 'exempt') AND a.due_before <= :now THEN 1 ELSE 0 END)
FROM assignment a JOIN milestone m ON m.id = a.milestone_id JOIN org_unit u ON u.id = a.unit_id
GROUP BY m.key, u.level"""
BASELINE_RESULTS = """
SELECT l.subject, sum(l.total), sum(l.evaluated), sum(l.excellent), sum(l.good)
FROM report_line l JOIN report r ON r.id = l.report_id JOIN assignment a ON a.id = r.assignment_id
WHERE r.current AND a.status IN ('submitted', 'accepted') GROUP BY l.subject"""


def main() -> None:
    for name, url in databases():
        print(f"roll-up, national tree, {name}:")
        engine = prepare(url)
        session = db.session_factory(engine)()  # type: ignore[arg-type]
        ours, base = [], []
        for _ in range(RUNS):
            started = time.perf_counter()
            report = progress(session, "vn-2026", None, AT.in_timezone("UTC"), LEVELS)
            ours.append(time.perf_counter() - started)
            started = time.perf_counter()
            levels = text(BASELINE_LEVELS).bindparams(bindparam("now", type_=UTCDateTime()))
            session.execute(levels, {"now": AT.in_timezone("UTC")}).all()
            session.execute(text(BASELINE_RESULTS)).all()
            base.append(time.perf_counter() - started)
        members = report.results["member"]
        print(
            f"  members {members.evaluated:,}/{members.total:,} evaluated, {members.good_or_above_pct}% good or above"
        )
        print(f"  kiemdiem progress  median {statistics.median(ours):6.2f} s")
        print(f"  raw SQL baseline   median {statistics.median(base):6.2f} s")
        print(f"  ratio              {statistics.median(ours) / statistics.median(base):6.2f}×")
        session.close()
        engine.dispose()  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
