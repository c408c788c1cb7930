"""The one clock of the program.

Every rule takes "now" from here. Tests, the simulator and the `--at` option set it; nothing else reads the
system clock, so a whole campaign can be replayed at any instant.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pendulum

_frozen: pendulum.DateTime | None = None
_ticking_from: tuple[pendulum.DateTime, float] | None = None


def now() -> pendulum.DateTime:
    """The current instant, in UTC: the frozen one if set, else a clock started at a chosen instant, else the
    system's."""
    if _frozen is not None:
        return _frozen
    if _ticking_from is not None:
        start, started = _ticking_from
        return start.add(microseconds=round((time.monotonic() - started) * 1_000_000))
    return pendulum.now("UTC")


def run_from(instant: pendulum.DateTime | None) -> None:
    """Let the clock run from `instant` at real speed (a load test that crosses a deadline minute); None stops."""
    global _ticking_from
    _ticking_from = None if instant is None else (instant.in_timezone("UTC"), time.monotonic())


def set_now(instant: pendulum.DateTime | None) -> None:
    """Freeze the clock at `instant` (any timezone); `None` goes back to the system clock."""
    global _frozen
    _frozen = None if instant is None else instant.in_timezone("UTC")


@contextmanager
def travel_to(instant: pendulum.DateTime) -> Iterator[pendulum.DateTime]:
    """Freeze the clock at `instant` for the duration of a block, then restore what was there."""
    previous = _frozen
    set_now(instant)
    try:
        yield now()
    finally:
        set_now(previous)


def parse_instant(text: str) -> pendulum.DateTime:
    """Parse an ISO 8601 instant that carries its offset (`2026-12-10T23:59:59+07:00`).

    A naive time is refused: "10 December 23:59" means different instants in Hanoi and in UTC.
    """
    parsed = pendulum.parse(text, exact=True)
    if not isinstance(parsed, pendulum.DateTime):
        raise ValueError(f"not a date and time: {text!r}")
    if parsed.tzinfo is None or "T" not in text.upper() or not _has_offset(text):
        raise ValueError(f"time has no UTC offset: {text!r}")
    return parsed.in_timezone("UTC")


def _has_offset(text: str) -> bool:
    tail = text.upper().split("T", 1)[1]
    return tail.endswith("Z") or "+" in tail or "-" in tail
