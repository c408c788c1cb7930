"""Launch on the example province (1,879 units, 577 grassroots organizations) on SQLite, against raw SQL that
inserts the same assignments with one INSERT … SELECT per milestone. Target (issue 2): under 5 s."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import pendulum
from sqlalchemy import func, select, text

from models import clock
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


if __name__ == "__main__":
    main()
