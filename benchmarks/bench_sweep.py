"""One sweep over the national tree (~323,000 units) on SQLite and on PostgreSQL, against a raw-SQL baseline that
computes the same due set and writes it in one INSERT … SELECT. Targets (issue 3): within 3× the baseline and under
30 s on PostgreSQL on this machine."""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pendulum
from sqlalchemy import bindparam, create_engine, text

from benchmarks.national import LEVELS, generate
from models import clock, db
from models.base import UTCDateTime
from models.campaign_config import parse_campaign_config
from models.launch import launch_campaign
from models.sweep import plan_batches, sweep_batch
from models.tables import Campaign, OrgUnit

POSTGRES = os.environ.get("KIEMDIEM_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
CONFIG = {
    "key": "vn-2026",
    "title": "Toàn quốc 2026",
    "year": 2026,
    "plan_number": "1-KH/TW",
    "root": "TW",
    "launch": "2026-11-23",
    "milestones": [
        {"key": "grassroots_review", "levels": ["branch", "grassroots"], "deadline": "2026-12-15"},
        {
            "key": "commune_review",
            "levels": ["commune"],
            "deadline": "2026-12-31",
            "after_children": "grassroots_review",
        },
        {
            "key": "province_review",
            "levels": ["province"],
            "deadline": "2026-12-31",
            "after_children": "commune_review",
        },
    ],
}
# 7 days before the grassroots deadline: every open branch and grassroots assignment is due a reminder.
SWEEP_AT = pendulum.datetime(2026, 12, 8, 7, 30, tz="Asia/Ho_Chi_Minh")


def databases() -> Iterator[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as folder:
        yield "SQLite", f"sqlite:///{Path(folder) / 'national.db'}"
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as error:
        print(f"PostgreSQL: skipped, no server at {POSTGRES} ({type(error).__name__})")
        return
    try:
        yield "PostgreSQL", f"{POSTGRES}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def prepare(url: str) -> tuple[object, float, float]:
    engine = db.make_engine(url)
    db.upgrade(engine)
    started = time.perf_counter()
    units = generate(engine)
    generated = time.perf_counter() - started
    config = parse_campaign_config(CONFIG, LEVELS)
    session = db.session_factory(engine)()
    started = time.perf_counter()
    launch_campaign(session, config, pendulum.datetime(2026, 11, 23, 8, tz="Asia/Ho_Chi_Minh"), "bench")
    session.commit()
    db.refresh_statistics(engine)  # as `kiemdiem campaign launch` does
    launched = time.perf_counter() - started
    print(f"  tree: {units:,} units generated in {generated:.1f} s; launch: {launched:.1f} s")
    return engine, generated, launched


def product(engine: object, max_units: int) -> tuple[float, int, int]:
    session = db.session_factory(engine)()  # type: ignore[arg-type]
    campaign = session.query(Campaign).one()
    root = session.get(OrgUnit, campaign.root_unit_id)
    started = time.perf_counter()
    batches = plan_batches(session, root, max_units)
    for batch in batches:
        sweep_batch(session, campaign, batch, SWEEP_AT.in_timezone("UTC"))
        session.commit()
    elapsed = time.perf_counter() - started
    count = session.execute(text("SELECT count(*) FROM outbox WHERE kind = 'reminder'")).scalar()
    session.close()
    return elapsed, count or 0, len(batches)


def baseline(engine: object) -> tuple[float, int]:
    """The same due set in one statement: open assignments whose deadline is 7 days ahead get a reminder row."""
    due = pendulum.datetime(2026, 12, 16, tz="Asia/Ho_Chi_Minh").in_timezone("UTC")
    cast = "CAST({} AS JSON)" if str(engine.url).startswith("postgresql") else "{}"  # type: ignore[attr-defined]
    sql = text(
        "INSERT INTO outbox (key, campaign_id, unit_id, milestone_id, assignment_id, kind, days, recipients, status, "
        "created_at, deliver_after, attempts, details) "
        "SELECT 'base|' || u.code || '|' || m.key, a.campaign_id, a.unit_id, a.milestone_id, a.id, 'reminder', 7, "
        f"{cast.format(chr(39) + '[' + chr(34) + chr(39) + ' || u.code || ' + chr(39) + chr(34) + ']' + chr(39))}, "
        f"'pending', :now, :now, 0, {cast.format(chr(39) + '{}' + chr(39))} "
        "FROM assignment a JOIN org_unit u ON u.id = a.unit_id JOIN milestone m ON m.id = a.milestone_id "
        "WHERE a.status IN ('pending', 'in_progress', 'returned') AND a.due_before = :due "
        "ON CONFLICT (key) DO NOTHING"
    ).bindparams(bindparam("due", type_=UTCDateTime()), bindparam("now", type_=UTCDateTime()))
    with engine.begin() as connection:  # type: ignore[attr-defined]
        started = time.perf_counter()
        count = connection.execute(sql, {"due": due, "now": SWEEP_AT.in_timezone("UTC")}).rowcount
        elapsed = time.perf_counter() - started
        connection.execute(text("DELETE FROM outbox WHERE key LIKE 'base|%'"))
    return elapsed, count


def main() -> None:
    clock.set_now(SWEEP_AT)
    for name, url in databases():
        print(f"sweep, national tree, {name}:")
        engine, _generated, _launched = prepare(url)
        base, base_rows = baseline(engine)
        elapsed, rows, batches = product(engine, max_units=20_000)
        print(f"  kiemdiem sweep   {elapsed:7.2f} s  {rows:,} reminders, {batches} batches of whole subtrees")
        print(f"  raw SQL baseline {base:7.2f} s  {base_rows:,} reminders in one INSERT … SELECT")
        print(f"  ratio            {elapsed / base:7.2f}×   (target ≤ 3×; PostgreSQL target < 30 s)")
        engine.dispose()  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
