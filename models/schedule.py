"""Which notices an open assignment is due, and when: the deadline rules of SPEC §3 and §5 as pure functions.

A notice is a *point*: a kind (reminder, due_today, overdue, escalation), a number of days, and the instant it
becomes due. Points depend only on the deadline and the campaign's policy, never on the unit, so a sweep computes
them once per deadline and applies the decision to every assignment that shares it.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field

import pendulum

from models.calendar import (
    after_quiet_hours,
    deadline_day,
    local_instant,
    working_day_on_or_after,
    working_day_on_or_before,
)
from models.campaign_config import ReminderPolicy
from models.enums import NoticeKind


class Stream(enum.StrEnum):
    """Notices to the unit itself, and escalations to the level above: each stream sends its own latest point."""

    UNIT = "unit"
    ESCALATION = "escalation"


# When two points of one stream fall at the same instant, the more urgent one is sent.
URGENCY = {NoticeKind.REMINDER: 0, NoticeKind.DUE_TODAY: 1, NoticeKind.OVERDUE: 2, NoticeKind.ESCALATION: 3}


@dataclass(frozen=True, order=True)
class Point:
    at: pendulum.DateTime
    urgency: int
    kind: NoticeKind = field(compare=False)
    days: int = field(compare=False)
    deadline: dt.date = field(compare=False)

    @property
    def stream(self) -> Stream:
        return Stream.ESCALATION if self.kind == NoticeKind.ESCALATION else Stream.UNIT

    @property
    def occurrence(self) -> str:
        """`7@2026-12-10`: seven days from the 10 December deadline. A new deadline makes new occurrences."""
        return f"{self.days}@{self.deadline.isoformat()}"


@dataclass(frozen=True)
class Notice:
    """A decision: create this outbox entry (or record it as skipped) for every assignment of the group."""

    kind: NoticeKind
    days: int
    occurrence: str
    deliver_after: pendulum.DateTime
    escalate: bool
    skipped: bool = False
    replaces: tuple[str, ...] = ()


@dataclass(frozen=True)
class Decision:
    notices: tuple[Notice, ...]
    # Every point up to this instant has been decided (sent, merged into a catch-up, or skipped).
    watermark: pendulum.DateTime | None


def points(deadline: dt.date, policy: ReminderPolicy, tz: str, until: pendulum.DateTime) -> list[Point]:
    """Every point of a deadline up to `until`, in time order. Overdue notices repeat weekly after the ladder."""
    days: list[tuple[NoticeKind, int, dt.date]] = []
    days += [(NoticeKind.REMINDER, d, deadline - dt.timedelta(days=d)) for d in policy.before_days]
    days.append((NoticeKind.DUE_TODAY, 0, deadline))
    last_day = local_instant(until.in_timezone(tz).date(), dt.time(0), tz)
    overdue = list(policy.overdue_days) or [1]
    while local_instant(deadline + dt.timedelta(days=overdue[-1]), dt.time(0), tz) <= last_day:
        overdue.append(overdue[-1] + 7)
    days += [(NoticeKind.OVERDUE, d, deadline + dt.timedelta(days=d)) for d in overdue]
    escalate_from = policy.escalate_after_days
    ladder = sorted({escalate_from, *(d for d in overdue if d > escalate_from)})
    days += [(NoticeKind.ESCALATION, d, deadline + dt.timedelta(days=d)) for d in ladder]

    found = []
    for kind, count, day in days:
        if policy.skip_non_working_days:
            # Before and on the deadline a notice moves earlier; after it, later (never "overdue" before the end).
            day = working_day_on_or_before(day) if day <= deadline else working_day_on_or_after(day)
        at = after_quiet_hours(local_instant(day, policy.send_at, tz), policy.quiet_hours, tz)
        if at <= until:
            found.append(Point(at=at, urgency=URGENCY[kind], kind=kind, days=count, deadline=deadline))
    return sorted(found)


def decide(
    due_before: pendulum.DateTime,
    watermark: pendulum.DateTime | None,
    policy: ReminderPolicy,
    tz: str,
    launched_at: pendulum.DateTime,
    now: pendulum.DateTime,
) -> Decision:
    """What a sweep at `now` does for open assignments with this deadline, whose points up to `watermark` are done.

    Points due since the watermark (and after the launch) are sent, the latest of each stream; earlier ones of the
    same sweep are recorded as skipped. If any of them is stale (due more than `catch_up_after_hours` ago: the
    service was down), one `catch_up` notice replaces them all and each is recorded as skipped.
    """
    deadline = deadline_day(due_before, tz)
    due = [
        p for p in points(deadline, policy, tz, now) if p.at >= launched_at and (watermark is None or p.at > watermark)
    ]
    if not due:
        return Decision((), watermark)
    # Nothing is delivered in quiet hours: a notice decided then waits for their end.
    held = after_quiet_hours(now, policy.quiet_hours, tz)
    if any(p.at < now.subtract(hours=policy.catch_up_after_hours) for p in due):
        return Decision((_catch_up(due, policy, held), *(_notice(p, p.at, skipped=True) for p in due)), due[-1].at)
    notices: list[Notice] = []
    for stream in Stream:
        mine = [p for p in due if p.stream == stream]
        if mine:
            *older, latest = mine
            notices.append(_notice(latest, latest.at if held == now else held))
            notices.extend(_notice(p, p.at, skipped=True) for p in older)
    return Decision(tuple(notices), due[-1].at)


def _catch_up(due: list[Point], policy: ReminderPolicy, deliver_after: pendulum.DateTime) -> Notice:
    """One notice for all the missed points: it says where the assignment stands now (the latest point)."""
    latest = max(due)
    escalate = any(p.stream == Stream.ESCALATION for p in due) or (
        latest.kind == NoticeKind.OVERDUE and latest.days >= policy.escalate_after_days
    )
    return Notice(
        kind=NoticeKind.CATCH_UP,
        days=latest.days,
        occurrence=f"{latest.kind.value}-{latest.occurrence}",
        deliver_after=deliver_after,
        escalate=escalate,
        replaces=tuple(f"{p.kind.value}:{p.occurrence}" for p in due),
    )


def _notice(point: Point, deliver_after: pendulum.DateTime, skipped: bool = False) -> Notice:
    return Notice(
        kind=point.kind,
        days=point.days,
        occurrence=point.occurrence,
        deliver_after=deliver_after,
        escalate=point.kind == NoticeKind.ESCALATION,
        skipped=skipped,
    )
