"""The simulate flow: a whole campaign in simulated time, through the same launch and sweep flows as production.

Simulated time is our clock's, never the system's (Prefect keeps real time: PREFECT-NOTES.md). Units submit on a
seeded schedule; deliveries go to an in-memory capture sink. History mode (`simulate_history`): two consecutive
years, the second written from the first, and the back-test of the risk levels on the second (service.simulation).
`run_year` and `run_history` take the launch and the sweep as functions: the flows pass Prefect's, the forecast
benchmark the service's own (benchmarks/bench_forecast.py).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pendulum
from prefect import flow
from rich.console import Console
from rich.progress import Progress as Bar

from flows.launch import launch
from flows.sweep import sweep
from models import clock
from models.calendar import local_instant
from models.errors import fail
from notifications.senders import CaptureSender, install_sender
from service.access import Actor
from service.amend import Amendment, amend_deadline
from service.bootstrap import process_app
from service.campaigns import close, read_config
from service.progress_view import campaign_progress, progress_lines
from service.simulation import (
    PROFILES,
    History,
    Score,
    backtest,
    check_instants,
    daily_slots,
    late_assignments,
    next_year_file,
    plan_submissions,
    risk_levels,
    sweep_slots,
)
from service.status import StateChange, set_status, submit_status

SIMULATED_UNIT = Actor.operator("simulated-unit")
SIMULATED_BOARD = Actor.operator("simulated-board")


Launcher = Callable[[str, pendulum.DateTime], Any]  # (config path, instant): launch the campaign
Sweeper = Callable[[str, pendulum.DateTime], dict[str, int]]  # (campaign key, instant) → notices decided per kind


def _launch_flow(config_path: str, at: pendulum.DateTime) -> Any:
    return launch(config_path, at.isoformat())


def _sweep_flow(key: str, at: pendulum.DateTime) -> dict[str, int]:
    return dict(sweep(key, at.isoformat())["campaigns"][key]["decided"])


@flow(name="simulate", log_prints=False)
def simulate(
    config_path: str, seed: int = 2026, profile: str = "realistic", amend: str | None = None
) -> dict[str, Any]:
    """Launch, then step hour by hour to the day after the last deadline: units submit, sweeps run on schedule;
    with `amend` (MILESTONE:DATE[:UNIT]) the board moves that deadline on the sixth day, 09:00 local."""
    console = Console(width=None if Console().is_terminal else 160)
    return run_year(console, process_app(), config_path, seed, profile, amend)


@flow(name="simulate-history", log_prints=False)
def simulate_history(
    config_path: str, seed: int = 2026, profile: str = "realistic", persistence: float = 0.6
) -> dict[str, Any]:
    """Two consecutive years on one tree (history mode): the config's campaign, closed, then next year's written
    from it as `campaign launch --from` writes it; a unit late last year is late again with probability
    `persistence`. Prints the back-test of the risk levels on the second year."""
    console = Console(width=None if Console().is_terminal else 160)
    app = process_app()
    folder = app.settings.home / "simulations"
    folder.mkdir(parents=True, exist_ok=True)
    return run_history(console, app, config_path, seed, profile, History(persistence=persistence), folder)


def run_history(
    console: Console,
    app: Any,
    config_path: str,
    seed: int,
    profile: str,
    history: History,
    folder: Path,
    launch_at: Launcher = _launch_flow,
    sweep_at: Sweeper = _sweep_flow,
    hourly: bool = True,
) -> dict[str, Any]:
    """Year one, closed; year two written from it, run with last year's lateness persisting; the back-test."""
    first = run_year(console, app, config_path, seed, profile, None, history, None, launch_at, sweep_at, hourly)
    clock.set_now(clock.parse_instant(first["progress"]["at"]).add(hours=1))
    close(app, SIMULATED_BOARD, first["campaign"], clock.now())
    late_before = late_assignments(app, first["campaign"])
    path = next_year_file(app, first["campaign"], folder)
    second = run_year(
        console, app, str(path), seed + 1, profile, None, history, late_before, launch_at, sweep_at, hourly
    )
    levels: dict[tuple[str, str], str | None] = {}
    for pair, level in second.pop("risk").items():
        unit, _, milestone = pair.partition("@")
        levels[(unit, milestone)] = level
    scores = backtest(levels, late_before, late_assignments(app, second["campaign"]))
    console.print(f"\n[bold]Kiểm chứng dự báo / back-test[/] — {first['campaign']} → {second['campaign']}")
    for line in backtest_lines(history, profile, len(levels), scores):
        console.print(line, highlight=False)
    return {
        "years": [first, second],
        "parameters": {"profile": profile, "seed": seed, **asdict(history)},
        "assessed": len(levels),
        "backtest": [asdict(s) | {"precision": s.precision, "recall": s.recall} for s in scores],
    }


def backtest_lines(history: History, profile: str, assessed: int, scores: list[Score]) -> list[str]:
    on_time, late, never = PROFILES[profile]
    lines = [
        f"kịch bản / profile {profile} (đúng hạn / on time {on_time:.0%}, chậm / late {late:.0%}, không nộp / never "
        f"{never:.0%}); chậm lại nếu năm trước chậm / late again after a late year: {history.persistence:.0%}; "
        f"báo đang thực hiện sớm / marked in progress early: {history.start_on_time:.0%} of on-time units, "
        f"{history.start_late:.0%} of late units; đọc danh sách / list read {history.check_days} days before each "
        f"deadline, {assessed} open assignments",
        f"{'rule':<24} {'marked':>7} {'late':>6} {'precision':>10} {'recall':>8}",
    ]
    for s in scores:
        lines.append(f"{s.rule:<24} {s.marked:>7} {s.hits:>6} {s.precision:>10.1%} {s.recall:>8.1%}")
    return lines


def run_year(
    console: Console,
    app: Any,
    config_path: str,
    seed: int,
    profile: str,
    amend: str | None = None,
    history: History | None = None,
    late_before: set[tuple[str, str]] | None = None,
    launch_at: Launcher = _launch_flow,
    sweep_at: Sweeper = _sweep_flow,
    hourly: bool = True,
) -> dict[str, Any]:
    """One campaign from launch to the day after its last deadline. With `history`, units start their work early
    or not, their lateness follows `late_before`, and the risk levels are read at each milestone's check instant
    (`risk`: "UNIT@MILESTONE" → level or None)."""
    config = read_config(Path(config_path), app.settings.levels)
    start = local_instant(config.launch, dt.time(8), config.timezone)
    clock.set_now(start)
    launch_at(config_path, start)
    sink = CaptureSender()
    install_sender(sink)
    risk: dict[str, str | None] = {}
    try:
        amendment = _amendment(config, amend)
        submissions = plan_submissions(app, config.key, seed, profile, history, late_before)
        track_days = [day for track in config.tracks for day in track.deadlines.values()]
        last = max([m.deadline for m in config.milestones] + track_days) + dt.timedelta(days=1)
        slots = sweep_slots(config, last) if hourly else daily_slots(config, last)
        checks = sorted((at, key) for key, at in check_instants(config, history).items()) if history else []

        def read_risk(now: pendulum.DateTime) -> None:
            while checks and checks[0][0] <= now:
                _, key = checks.pop(0)
                assert history is not None
                for (unit, milestone), level in risk_levels(app, config.key, key, now, history.check_days).items():
                    risk[f"{unit}@{milestone}"] = level

        sent_by_kind = _run(console, app, config, submissions, slots, sink, amendment, sweep_at, read_risk)
    finally:
        install_sender(None)
    clock.set_now(slots[-1])
    report = campaign_progress(app, config.key, None, clock.now())
    delivered = sent_by_kind.pop("delivered_messages", 0)
    done = sum(1 for s in submissions if s.kind == "submit")
    console.print(
        f"\n[bold]Tổng kết / summary[/] — {config.key}, {done} lần nộp / submissions, "
        f"{sum(sent_by_kind.values())} thông báo đã quyết định / notices decided, "
        f"{delivered} tin đã gửi / messages delivered"
    )
    for line in progress_lines(report):
        console.print(line, highlight=False)
    result = {
        "campaign": config.key,
        "notices": dict(sent_by_kind),
        "messages_delivered": delivered,
        "progress": report.model_dump(),
    }
    return result | {"risk": risk} if history is not None else result


def _submit_until(app: Any, key: str, pending: list[Any], until: Any) -> None:
    """The simulated units whose turn has come submit (or mark their work in progress), each at its own instant
    (taken off `pending`)."""
    while pending and pending[0].at <= until:
        done = pending.pop(0)
        clock.set_now(done.at)
        if done.kind == "start":
            set_status(app, SIMULATED_UNIT, key, done.unit, done.milestone, StateChange("in_progress"), done.at)
        else:
            submit_status(app, SIMULATED_UNIT, key, done.unit, done.milestone, done.at, None)


def _amendment(config: Any, amend: str | None) -> tuple[pendulum.DateTime, Amendment] | None:
    """`MILESTONE:DATE[:UNIT]` → when (the sixth day, 09:00 local) and what the simulated board amends."""
    if not amend:
        return None
    milestone, _, rest = amend.partition(":")
    day, _, unit = rest.partition(":")
    try:
        deadline = dt.date.fromisoformat(day)
    except ValueError:
        raise fail(
            "invalid_amend",
            "--amend cần dạng MỐC:YYYY-MM-DD[:ĐƠN_VỊ]",
            "--amend takes MILESTONE:YYYY-MM-DD[:UNIT]",
            field="--amend",
        ) from None
    at = local_instant(config.launch + dt.timedelta(days=5), dt.time(9), config.timezone)
    change = Amendment(milestone, deadline, "MP-01/CV", "Mô phỏng: điều chỉnh thời hạn", unit or None, confirmed=True)
    return at, change


def _run(
    console: Console,
    app: Any,
    config: Any,
    submissions: list[Any],
    slots: list[Any],
    sink: CaptureSender,
    amendment: tuple[pendulum.DateTime, Amendment] | None = None,
    sweep_at: Sweeper = _sweep_flow,
    before_sweep: Callable[[pendulum.DateTime], None] | None = None,
) -> Counter[str]:
    total: Counter[str] = Counter()
    pending = list(submissions)
    by_day: dict[dt.date, list[Any]] = {}
    for slot in slots:
        by_day.setdefault(slot.in_timezone(config.timezone).date(), []).append(slot)
    with Bar(console=console, transient=True) as bar:
        task = bar.add_task("mô phỏng / simulating", total=len(by_day))
        for day, day_slots in by_day.items():
            kinds: Counter[str] = Counter()
            for slot in day_slots:
                if amendment is not None and amendment[0] <= slot:
                    clock.set_now(amendment[0])
                    done = amend_deadline(app, SIMULATED_BOARD, config.key, amendment[1], amendment[0])
                    bar.console.print(
                        f"{day:%d/%m} điều chỉnh / amended {done.milestone}: {done.old_deadline} → "
                        f"{done.new_deadline} ({done.units} đơn vị / units)",
                        highlight=False,
                    )
                    amendment = None
                _submit_until(app, config.key, pending, slot)
                clock.set_now(slot)
                if before_sweep is not None:
                    before_sweep(slot)
                kinds.update(sweep_at(config.key, slot))
            day_end = local_instant(day, dt.time(23, 59), config.timezone)
            _submit_until(app, config.key, pending, day_end)
            sent = {k: v for k, v in kinds.items() if not k.startswith("skipped")}
            total.update(sent)
            clock.set_now(day_end)
            report = campaign_progress(app, config.key, None, clock.now())
            done_pct = " · ".join(
                f"{row.milestone}/{row.level} {row.completion_pct:.0f}%" for row in report.levels if row.units > 1
            )
            line = ", ".join(f"{k} {v}" for k, v in sorted(sent.items())) or "—"
            bar.console.print(f"{day:%d/%m} {line:<40} {done_pct}", highlight=False)
            bar.advance(task)
    total["delivered_messages"] = len(sink.messages)
    return total
