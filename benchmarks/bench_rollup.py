"""Roll-up over the national tree (~322,000 units) with reports from every grassroots organization: `progress` (per
level and milestone, and results per subject) against raw SQL computing the same figures in two GROUP BY queries.
Then 95% of the branches report as well (~250,000 more reports, each covered by its grassroots organization's): the
results with the topmost-report rule (`_results`) against raw SQL that knows the tree's depth and checks each report's
four ancestors, and the whole `progress` again."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from typing import Any

import pendulum
from sqlalchemy import bindparam, insert, select, text, update

from benchmarks.bench_sweep import CONFIG, databases
from benchmarks.national import LEVELS, generate
from models import db
from models.base import UTCDateTime
from models.campaign_config import parse_campaign_config
from models.launch import launch_campaign
from models.lookup import campaign_by_key
from models.progress import _results, progress
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
    analyze(engine)
    print(f"  {len(grassroots):,} grassroots reports, {len(lines):,} report lines")
    return engine


def analyze(engine: Any) -> None:
    """Statistics for every table the roll-up reads (db.refresh_statistics covers the sweep's): right after a bulk
    load PostgreSQL's planner would otherwise guess, until autovacuum's ANALYZE comes round."""
    db.refresh_statistics(engine)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("ANALYZE milestone, report, report_line, rating_decision"))


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


BASELINE_TOPMOST = """
WITH rep AS (
  SELECT a.unit_id, u.parent_id, l.subject, l.total, l.evaluated, l.excellent, l.good
  FROM report_line l JOIN report r ON r.id = l.report_id JOIN assignment a ON a.id = r.assignment_id
  JOIN org_unit u ON u.id = a.unit_id
  WHERE r.current AND a.status IN ('submitted', 'accepted') AND l.subject <> 'organization'),
reporters AS (SELECT DISTINCT unit_id, subject FROM rep)
SELECT rep.subject, sum(rep.total), sum(rep.evaluated), sum(rep.excellent), sum(rep.good)
FROM rep LEFT JOIN org_unit p1 ON p1.id = rep.parent_id LEFT JOIN org_unit p2 ON p2.id = p1.parent_id
LEFT JOIN org_unit p3 ON p3.id = p2.parent_id
WHERE NOT EXISTS (SELECT 1 FROM reporters x WHERE x.subject = rep.subject AND x.unit_id = rep.parent_id)
  AND NOT EXISTS (SELECT 1 FROM reporters x WHERE x.subject = rep.subject AND x.unit_id = p1.parent_id)
  AND NOT EXISTS (SELECT 1 FROM reporters x WHERE x.subject = rep.subject AND x.unit_id = p2.parent_id)
  AND NOT EXISTS (SELECT 1 FROM reporters x WHERE x.subject = rep.subject AND x.unit_id = p3.parent_id)
GROUP BY rep.subject"""


def median_of(runs: int, step: Callable[[], Any]) -> tuple[float, Any]:
    timings, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = step()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), result


def compare(label: str, ours: float, base: float) -> None:
    print(f"  {label:<34} median {ours:6.2f} s   raw SQL {base:6.2f} s   ratio {ours / base:5.2f}×")


def main() -> None:
    for name, url in databases():
        national(name, url)


def national(name: str, url: str) -> None:
    from benchmarks.bench_dashboard import submit_most

    print(f"roll-up, national tree, {name}:")
    engine = prepare(url)
    session = db.session_factory(engine)()  # type: ignore[arg-type]
    now = AT.in_timezone("UTC")
    levels = text(BASELINE_LEVELS).bindparams(bindparam("now", type_=UTCDateTime()))
    ours, report = median_of(RUNS, lambda: progress(session, "vn-2026", None, now, LEVELS))
    base_levels, _ = median_of(RUNS, lambda: session.execute(levels, {"now": now}).all())
    base_results, _ = median_of(RUNS, lambda: session.execute(text(BASELINE_RESULTS)).all())
    members = report.results["member"]
    print(f"  members {members.evaluated:,}/{members.total:,} evaluated, {members.good_or_above_pct}% good or above")
    compare("progress (grassroots reports)", ours, base_levels + base_results)
    days = [pendulum.datetime(2026, 12, d, 10, tz="Asia/Ho_Chi_Minh") for d in range(1, 15)]
    branches = submit_most(engine, "grassroots_review", ("branch",), 0.95, days)  # type: ignore[arg-type]
    analyze(engine)
    campaign = campaign_by_key(session, "vn-2026")
    root = session.get(OrgUnit, campaign.root_unit_id)
    assert root is not None
    topmost, found = median_of(RUNS, lambda: _results(session, campaign, root))
    base_topmost, rows = median_of(RUNS, lambda: session.execute(text(BASELINE_TOPMOST)).all())
    ours, report = median_of(RUNS, lambda: progress(session, "vn-2026", None, now, LEVELS))
    base_levels, _ = median_of(RUNS, lambda: session.execute(levels, {"now": now}).all())
    expected = {subject: total for subject, total, *_ in rows}
    print(
        f"  {branches:,} branch reports more: members {found['member'].total:,} counted once "
        f"(raw SQL {expected.get('member', 0):,}), the branches' covered by their grassroots organization's"
    )
    compare("results, topmost rule", topmost, base_topmost)
    compare("progress (and branch reports)", ours, base_levels + base_topmost)
    session.close()
    engine.dispose()  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
