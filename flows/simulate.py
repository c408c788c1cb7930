"""The simulate flow: a whole campaign in simulated time, through the same launch and sweep flows as production.

Simulated time is our clock's, never the system's (Prefect keeps real time: PREFECT-NOTES.md). Units submit on a
seeded schedule; deliveries go to an in-memory capture sink.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
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
from service.campaigns import read_config
from service.progress_view import campaign_progress, progress_lines
from service.simulation import plan_submissions, sweep_slots
from service.status import submit_status

SIMULATED_UNIT = Actor.operator("simulated-unit")
SIMULATED_BOARD = Actor.operator("simulated-board")


@flow(name="simulate", log_prints=False)
def simulate(
    config_path: str, seed: int = 2026, profile: str = "realistic", amend: str | None = None
) -> dict[str, Any]:
    """Launch, then step hour by hour to the day after the last deadline: units submit, sweeps run on schedule;
    with `amend` (MILESTONE:DATE[:UNIT]) the board moves that deadline on the sixth day, 09:00 local."""
    console = Console(width=None if Console().is_terminal else 160)
    app = process_app()
    config = read_config(__import__("pathlib").Path(config_path), app.settings.levels)
    start = local_instant(config.launch, dt.time(8), config.timezone)
    launch(config_path, start.isoformat())
    sink = CaptureSender()
    install_sender(sink)
    try:
        amendment = _amendment(config, amend)
        submissions = plan_submissions(app, config.key, seed, profile)
        track_days = [day for track in config.tracks for day in track.deadlines.values()]
        last = max([m.deadline for m in config.milestones] + track_days) + dt.timedelta(days=1)
        slots = sweep_slots(config, last)
        sent_by_kind = _run(console, app, config, submissions, slots, sink, amendment)
    finally:
        install_sender(None)
    clock.set_now(slots[-1])
    report = campaign_progress(app, config.key, None, clock.now())
    delivered = sent_by_kind.pop("delivered_messages", 0)
    console.print(
        f"\n[bold]Tổng kết / summary[/] — {config.key}, {len(submissions)} lần nộp / submissions, "
        f"{sum(sent_by_kind.values())} thông báo đã quyết định / notices decided, "
        f"{delivered} tin đã gửi / messages delivered"
    )
    for line in progress_lines(report):
        console.print(line, highlight=False)
    return {
        "campaign": config.key,
        "notices": dict(sent_by_kind),
        "messages_delivered": delivered,
        "progress": report.model_dump(),
    }


def _submit_until(app: Any, key: str, pending: list[Any], until: Any) -> None:
    """The simulated units whose turn has come submit, each at its own instant (taken off `pending`)."""
    while pending and pending[0].at <= until:
        done = pending.pop(0)
        clock.set_now(done.at)
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
                result = sweep(config.key, slot.isoformat())
                kinds.update(result["campaigns"][config.key]["decided"])
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
