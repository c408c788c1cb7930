"""Back-test of the units-at-risk levels (models.risk, issue 16 item 4) on the simulator's history mode: two
consecutive years of the seed district (270 units; KIEMDIEM_BENCH_TREE=province for the example province's 1,879),
the second written from the first by `campaign launch --from`, a unit late last year late again with probability
KIEMDIEM_BENCH_PERSISTENCE (default 0.6). At 07:30 seven days before each deadline (the sweep that sends the early
notices) the risk list is read; after the year, each open assignment read then was late or not. Printed: of those
marked high (and high or medium, and with any reason), how many were late (precision), of the late ones how many
were marked (recall), beside the naive rule "late last year" on the same assignments; and the parameters.

Not a timing: the baseline is the naive rule. Sweeps run once a day in this process (the service's sweep, not a
Prefect flow run): about a minute of work per seed on the district, most of an hour on the province; `kiemdiem
simulate --history` runs the same two years through Prefect, hourly on deadline days."""

from __future__ import annotations

import io
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import pendulum
from rich.console import Console

from flows.simulate import backtest_lines, run_history
from models import clock
from notifications.senders import CaptureSender
from service.access import Actor
from service.bootstrap import build_app
from service.campaigns import launch, read_config
from service.settings import Settings
from service.simulation import History, Score
from service.sweeps import sweep
from service.units import import_tree

ROOT = Path(__file__).resolve().parent.parent
TREES = {
    "province": (ROOT / "deploy" / "examples" / "province.csv", ROOT / "deploy" / "campaign.province.yaml"),
    "district": (ROOT / "deploy" / "examples" / "district.csv", ROOT / "deploy" / "campaign.example.yaml"),
}
BENCH = Actor.operator("bench")


def back_test(tree: str, seed: int, profile: str, history: History) -> dict[str, Any]:
    units, config_path = TREES[tree]
    with tempfile.TemporaryDirectory() as folder:
        app = build_app(Settings(home=Path(folder), database_url=f"sqlite:///{Path(folder) / 'forecast.db'}"))
        config = read_config(config_path, app.settings.levels)
        day_before = pendulum.datetime(config.launch.year, config.launch.month, config.launch.day, tz=config.timezone)
        import_tree(app, units, day_before.subtract(days=1), "bench", allow_many_roots=False)
        sender = CaptureSender()

        def launch_at(path: str, at: pendulum.DateTime) -> Any:
            return launch(app, BENCH, Path(path), at)

        def sweep_at(key: str, at: pendulum.DateTime) -> dict[str, int]:
            sender.messages.clear()
            return dict(sweep(app, key, at, sender)["campaigns"][key]["decided"])

        quiet = Console(file=io.StringIO(), width=200)
        try:
            return run_history(
                quiet, app, str(config_path), seed, profile, history, Path(folder), launch_at, sweep_at, hourly=False
            )
        finally:
            clock.set_now(None)
            app.engine.dispose()


def main() -> None:
    tree = os.environ.get("KIEMDIEM_BENCH_TREE", "district")
    history = History(persistence=float(os.environ.get("KIEMDIEM_BENCH_PERSISTENCE", "0.6")))
    seeds = [int(s) for s in os.environ.get("KIEMDIEM_BENCH_SEEDS", "2026,2027,2028").split(",")]
    profile = "realistic"
    print(f"forecast back-test: {tree}, seeds {', '.join(map(str, seeds))}")
    totals: dict[str, list[int]] = {}
    assessed = 0
    for seed in seeds:
        started = time.perf_counter()
        result = back_test(tree, seed, profile, history)
        assessed += result["assessed"]
        for s in result["backtest"]:
            counts = totals.setdefault(s["rule"], [0, 0, 0])
            for i, name in enumerate(("marked", "hits", "late")):
                counts[i] += s[name]
        print(f"  seed {seed}: {result['assessed']} open assignments read, {time.perf_counter() - started:.0f} s")
    scores = [Score(rule, *counts) for rule, counts in totals.items()]
    for line in backtest_lines(history, profile, assessed, scores):
        print(line)


if __name__ == "__main__":
    main()
