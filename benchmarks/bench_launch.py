"""Launch on the example province (1,879 units, 577 grassroots organizations) on SQLite, against raw SQL that
inserts the same assignments with one INSERT … SELECT per milestone (target, issue 2: under 5 s); then the national
launch (~322,000 units, benchmarks.national) on SQLite and PostgreSQL, against raw SQL writing the same campaign,
milestones, assignments and plan notices with one INSERT … SELECT each (target, issue 15: under 10 s)."""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pendulum
from sqlalchemy import Engine, bindparam, func, select, text

from benchmarks.bench_sweep import CONFIG as NATIONAL_CONFIG
from benchmarks.bench_sweep import databases
from benchmarks.national import LEVELS, cpu_seconds, generate, national_engine
from models import clock, db
from models.base import UTCDateTime
from models.campaign_config import CampaignConfig, parse_campaign_config
from models.launch import launch_campaign
from models.tables import Assignment
from service.access import Actor
from service.bootstrap import build_app
from service.campaigns import launch, read_config
from service.settings import Settings
from service.units import import_tree

ROOT = Path(__file__).resolve().parent.parent
TREE = ROOT / "deploy" / "examples" / "province.csv"
CONFIG = ROOT / "deploy" / "campaign.province.yaml"
RUNS = 5


def _fresh_app(folder: Path, name: str):  # type: ignore[no-untyped-def]
    app = build_app(Settings(home=folder, database_url=f"sqlite:///{folder / name}"))
    import_tree(app, TREE, clock.now(), "bench", allow_many_roots=False)
    return app


def _product(folder: Path, run: int) -> tuple[float, int]:
    app = _fresh_app(folder, f"product-{run}.db")
    started = time.perf_counter()
    launch(app, Actor.operator("bench"), CONFIG, clock.now())
    elapsed = time.perf_counter() - started
    with app.unit_of_work() as session:
        count = session.scalar(select(func.count()).select_from(Assignment)) or 0
    return elapsed, count


def _baseline(folder: Path, run: int) -> tuple[float, int]:
    """The least a launch must do: one INSERT … SELECT per milestone, no validation, no notices, no audit."""
    app = _fresh_app(folder, f"baseline-{run}.db")
    config = read_config(CONFIG, app.settings.levels)
    started = time.perf_counter()
    with app.engine.begin() as connection:
        root_path = connection.execute(text("SELECT path FROM org_unit WHERE code = :c"), {"c": config.root}).scalar()
        connection.execute(
            text(
                "INSERT INTO campaign (key, title, year, plan_number, root_unit_id, timezone, "
                "launch_date, launched_at, status, config) SELECT 'b', 't', 2026, 'p', id, 'UTC', "
                "'2026-11-23', '2026-11-23', 'active', '{}' FROM org_unit WHERE code = :c"
            ),
            {"c": config.root},
        )
        for position, milestone in enumerate(config.milestones):
            due = config.due_before(milestone.deadline).naive().isoformat(" ")
            connection.execute(
                text(
                    "INSERT INTO milestone (campaign_id, key, title, position, levels, scope, "
                    "deadline, due_before) VALUES (1, :k, :k, :p, '[]', 'subtree', :d, :u)"
                ),
                {"k": milestone.key, "p": position, "d": milestone.deadline, "u": due},
            )
            levels = milestone.levels or list(app.settings.levels)
            scope = {
                "root": "AND depth = (SELECT depth FROM org_unit WHERE code = :c)",
                "below_root": "AND code <> :c",
                "subtree": "",
            }[milestone.scope]
            marks = ", ".join(f":l{i}" for i in range(len(levels)))
            connection.execute(
                text(
                    f"INSERT INTO assignment (campaign_id, milestone_id, unit_id, status, due_before, updated_at) "
                    f"SELECT 1, (SELECT id FROM milestone WHERE key = :k), id, 'pending', :u, :u FROM org_unit "
                    f"WHERE path LIKE :p AND level IN ({marks}) {scope}"
                ),
                {
                    "k": milestone.key,
                    "u": due,
                    "p": f"{root_path}%",
                    "c": config.root,
                    **{f"l{i}": level for i, level in enumerate(levels)},
                },
            )
        count = connection.execute(text("SELECT count(*) FROM assignment")).scalar() or 0
    return time.perf_counter() - started, count


def main() -> None:
    province()
    national()


def province() -> None:
    clock.set_now(pendulum.datetime(2026, 11, 23, 8, tz="Asia/Ho_Chi_Minh"))
    with tempfile.TemporaryDirectory() as folder:
        product = [_product(Path(folder), run) for run in range(RUNS)]
        baseline = [_baseline(Path(folder), run) for run in range(RUNS)]
    p = statistics.median(t for t, _ in product)
    b = statistics.median(t for t, _ in baseline)
    print(f"launch (example province, SQLite): {product[0][1]} assignments and one plan notice per unit")
    print(f"  kiemdiem launch   median {p * 1000:8.1f} ms over {RUNS} runs   (target < 5000 ms)")
    print(f"  raw SQL baseline  median {b * 1000:8.1f} ms ({baseline[0][1]} assignments)")
    print(f"  ratio             {p / b:8.2f}×")


NATIONAL_AT = pendulum.datetime(2026, 11, 23, 8, tz="Asia/Ho_Chi_Minh")
NATIONAL_ROUNDS = 2
WRITTEN = ("outbox", "assignment", "milestone", "audit_log", "campaign")


def national() -> None:
    """Rounds alternate baseline and product on one generated tree (each round's rows deleted before the next); the
    least time of each is printed, the figure least disturbed by other work on a shared machine."""
    for name, url in databases():
        engine = national_engine(url)
        db.upgrade(engine)
        started = time.perf_counter()
        units = generate(engine)
        print(f"launch, national tree, {name}: {units:,} units (generated in {time.perf_counter() - started:.1f} s)")
        config = parse_campaign_config(NATIONAL_CONFIG, LEVELS)
        product: list[tuple[Spent, Spent]] = []
        baseline: list[Spent] = []
        counts: dict[str, tuple[int, int]] = {}
        figures: dict[str, tuple[float, float, float]] = {}
        for _ in range(NATIONAL_ROUNDS):
            baseline.append(_national_baseline(engine, config))
            counts["baseline"] = _written(engine)
            _clear(engine)
            product.append(_national_product(engine, config))
            counts["product"] = _written(engine)
            _clear(engine)
        assert counts["product"] == counts["baseline"], counts
        rows, notices = counts["product"]
        print(f"  {rows:,} assignments, {notices:,} plan notices; least of {NATIONAL_ROUNDS} rounds, machine shared")
        print("                     wall s    CPU s (this process + its PostgreSQL backend)")
        for what in ("wall", "cpu"):
            launch, stats = min((getattr(a, what), getattr(b, what)) for a, b in product)
            figures[what] = (launch, stats, min(getattr(b, what) for b in baseline))
        (lw, sw, bw), (lc, sc, bc) = figures["wall"], figures["cpu"]
        print(f"  kiemdiem launch   {lw + sw:7.2f}   {lc + sc:7.2f}   (the transaction, then the planner's statistics)")
        print(f"    transaction     {lw:7.2f}   {lc:7.2f}")
        print(f"    statistics      {sw:7.2f}   {sc:7.2f}")
        print(f"  raw SQL baseline  {bw:7.2f}   {bc:7.2f}   (INSERT … SELECT per milestone and for the notices)")
        print(f"  ratio, in all     {(lw + sw) / bw:7.2f}×  {(lc + sc) / bc:7.2f}×")
        print(f"  ratio, transaction{lw / bw:7.2f}×  {lc / bc:7.2f}×")
        print("  target            < 10 s in all")
        engine.dispose()


@dataclass(frozen=True)
class Spent:
    wall: float
    cpu: float


def _since(engine: Engine, wall: float, cpu: float) -> Spent:
    return Spent(time.perf_counter() - wall, cpu_seconds(engine) - cpu)


def _national_product(engine: Engine, config: CampaignConfig) -> tuple[Spent, Spent]:
    """What `kiemdiem campaign launch` does (service.campaigns.launch_config): the launch in one transaction, then
    the planner's statistics."""
    wall, cpu = time.perf_counter(), cpu_seconds(engine)
    with db.session_factory(engine)() as session:
        launch_campaign(session, config, NATIONAL_AT, "bench")
        session.commit()
    launched = _since(engine, wall, cpu)
    wall, cpu = time.perf_counter(), cpu_seconds(engine)
    db.refresh_statistics(engine)
    return launched, _since(engine, wall, cpu)


def _national_baseline(engine: Engine, config: CampaignConfig) -> Spent:
    """The same rows with no checks and no summary: the campaign, its milestones, one INSERT … SELECT per milestone
    and one for the plan notices (key, recipients as a JSON array of the code)."""
    postgres = engine.dialect.name == "postgresql"
    recipients = "json_build_array(u.code)" if postgres else "json_array(u.code)"
    details = "CAST('{}' AS JSON)" if postgres else "'{}'"
    instant = {"now": NATIONAL_AT}
    wall, cpu = time.perf_counter(), cpu_seconds(engine)
    with engine.begin() as connection:
        root_id, root_path = connection.execute(
            text("SELECT id, path FROM org_unit WHERE code = :c"), {"c": config.root}
        ).one()
        campaign_id = connection.execute(
            text(
                "INSERT INTO campaign (key, title, year, plan_number, root_unit_id, timezone, launch_date, "
                "launched_at, status, config) VALUES (:k, 't', 2026, 'p', :r, 'UTC', :d, :now, 'active', "
                + ("CAST('{}' AS JSON)" if postgres else "'{}'")
                + ") RETURNING id"
            ).bindparams(bindparam("now", type_=UTCDateTime())),
            {"k": config.key, "r": root_id, "d": config.launch, **instant},
        ).scalar_one()
        subtree = (
            "u.path >= :lo AND u.path < :hi"
            if not postgres
            else 'u.path COLLATE "C" >= :lo AND u.path COLLATE "C" < :hi'
        )
        within = {"lo": root_path, "hi": root_path[:-1] + "0"}
        for position, milestone in enumerate(config.milestones):
            due = config.due_before(milestone.deadline)
            milestone_id = connection.execute(
                text(
                    "INSERT INTO milestone (campaign_id, key, title, position, levels, scope, deadline, due_before) "
                    f"VALUES (:c, :k, :k, :p, {details.replace('{}', '[]')}, 'subtree', :d, :u) RETURNING id"
                ).bindparams(bindparam("u", type_=UTCDateTime())),
                {"c": campaign_id, "k": milestone.key, "p": position, "d": milestone.deadline, "u": due},
            ).scalar_one()
            levels = list(milestone.levels or LEVELS)
            connection.execute(
                text(
                    "INSERT INTO assignment (campaign_id, milestone_id, unit_id, status, due_before, updated_at) "
                    f"SELECT :c, :m, u.id, 'pending', :u, :now FROM org_unit u WHERE {subtree} AND u.level IN :levels"
                ).bindparams(
                    bindparam("u", type_=UTCDateTime()),
                    bindparam("now", type_=UTCDateTime()),
                    bindparam("levels", expanding=True),
                ),
                {"c": campaign_id, "m": milestone_id, "u": due, "levels": levels, **within, **instant},
            )
        connection.execute(
            text(
                "INSERT INTO outbox (key, campaign_id, unit_id, kind, days, recipients, status, created_at, "
                "deliver_after, attempts, details) "
                f"SELECT :k || '|' || u.code || '|-|plan_issued|2026-11-23', :c, u.id, 'plan_issued', 0, {recipients}, "
                f"'pending', :now, :now, 0, {details} FROM org_unit u WHERE {subtree} AND u.id <> :r"
            ).bindparams(bindparam("now", type_=UTCDateTime())),
            {"k": config.key, "c": campaign_id, "r": root_id, **within, **instant},
        )
    return _since(engine, wall, cpu)


def _written(engine: Engine) -> tuple[int, int]:
    with engine.connect() as connection:
        assignments = connection.execute(text("SELECT count(*) FROM assignment")).scalar_one()
        notices = connection.execute(text("SELECT count(*) FROM outbox")).scalar_one()
    return int(assignments), int(notices)


def _clear(engine: Engine) -> None:
    """The tree as generated: no campaign. On PostgreSQL by TRUNCATE, as DELETE would check each assignment's
    references in the outbox (unindexed) against all its dead rows."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(WRITTEN)} CASCADE"))
        else:
            for table in WRITTEN:
                connection.execute(text(f"DELETE FROM {table}"))
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))


if __name__ == "__main__":
    main()
