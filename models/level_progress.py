"""Progress per milestone and level (SPEC §7 `levels`), over every unit of a view and, apart, over the units of each
track of the campaign (diện riêng), each unit against its own deadline (`Assignment.due_before`).

`overdue` = not submitted and past the deadline; `pending` = not submitted and not yet due; completion is of the
units that must report (exempt units do not count), one decimal."""

from __future__ import annotations

from typing import Any

import pendulum
from pydantic import BaseModel
from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from models.calendar import deadline_day
from models.enums import DONE_STATUSES, AssignmentStatus
from models.levels import level_rank
from models.tables import Assignment, Campaign, Milestone, OrgUnit, RatingDecision

DONE = tuple(s.value for s in DONE_STATUSES)


class LevelProgress(BaseModel):
    level: str
    milestone: str
    deadline: str
    units: int
    submitted: int
    on_time: int
    late: int
    overdue: int
    pending: int
    exempt: int
    completion_pct: float
    # The decision step (self-assessed = submitted): units whose rating the competent level has decided, and, past
    # the milestone's decision_deadline, the units still without a decision.
    decided: int = 0
    decision_deadline: str | None = None
    decision_overdue: int = 0


class TrackProgress(BaseModel):
    """The units on one track of the campaign (diện riêng), against their own deadlines."""

    title: str
    levels: list[LevelProgress]


def pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def level_progress(
    session: Session, campaign: Campaign, root: OrgUnit, now: pendulum.DateTime, levels: tuple[str, ...]
) -> tuple[list[LevelProgress], dict[str, TrackProgress]]:
    """Per milestone and level over every unit; and the same for the units of each track, dated by their track."""
    done = Assignment.status.in_(DONE)
    exempt = Assignment.status == AssignmentStatus.EXEMPT.value
    open_ = ~Assignment.status.in_((*DONE, AssignmentStatus.EXEMPT.value))
    decided = select(RatingDecision.unit_id).where(
        RatingDecision.campaign_id == campaign.id, RatingDecision.current.is_(True)
    )

    def count(condition: ColumnElement[bool]) -> Any:
        return func.sum(case((condition, 1), else_=0))

    query = (
        select(
            Milestone.key,
            Milestone.position,
            Milestone.deadline,
            OrgUnit.level,
            Assignment.track,
            func.max(Assignment.due_before),
            func.count(),
            count(done),
            count(and_(done, Assignment.on_time.is_(True))),
            count(and_(open_, Assignment.due_before <= now)),
            count(and_(open_, Assignment.due_before > now)),
            count(exempt),
            count(Assignment.unit_id.in_(decided)),
        )
        .join(Milestone, Milestone.id == Assignment.milestone_id)
        .join(OrgUnit, OrgUnit.id == Assignment.unit_id)
        .where(Assignment.campaign_id == campaign.id, OrgUnit.path.startswith(root.path, autoescape=True))
        .group_by(Milestone.key, Milestone.position, Milestone.deadline, OrgUnit.level, Assignment.track)
    )
    every: dict[tuple[int, int, str, str], tuple[str, list[int]]] = {}
    tracked: dict[str, dict[tuple[int, int, str, str], tuple[str, list[int]]]] = {}
    for key, position, deadline, level, track, latest, *counts in session.execute(query).tuples():
        order = (position, -level_rank(levels, level), key, level)
        date, summed = every.get(order, (deadline.isoformat(), [0] * len(counts)))
        every[order] = (date, [a + b for a, b in zip(summed, counts, strict=True)])
        if track is not None:
            own = deadline_day(pendulum.instance(latest), campaign.timezone).isoformat()
            tracked.setdefault(track, {})[order] = (own, list(counts))
    # In the config's order, with their titles.
    titles = {str(t.get("name")): str(t.get("title") or t.get("name")) for t in campaign.config.get("tracks") or []}
    named = [name for name in titles if name in tracked] + sorted(set(tracked) - set(titles))
    due = _decision_due(campaign)
    return _rows(every, due, now), {
        name: TrackProgress(title=titles.get(name, name), levels=_rows(tracked[name], due, now)) for name in named
    }


def _decision_due(campaign: Campaign) -> dict[str, tuple[str, pendulum.DateTime]]:
    """Milestone key → its decision deadline, and the first instant past it (local midnight after, in UTC)."""
    found = {}
    for milestone in campaign.config.get("milestones") or []:
        day = milestone.get("decision_deadline")
        if day:
            local = pendulum.parse(str(day), tz=campaign.timezone)
            assert isinstance(local, pendulum.DateTime)
            found[str(milestone["key"])] = (str(day), local.add(days=1).in_timezone("UTC"))
    return found


def _rows(
    found: dict[tuple[int, int, str, str], tuple[str, list[int]]],
    due: dict[str, tuple[str, pendulum.DateTime]],
    now: pendulum.DateTime,
) -> list[LevelProgress]:
    rows = []
    for (_, _, key, level), (deadline, counts) in sorted(found.items()):
        units, submitted, on_time, overdue, pending, exempted, decided = counts
        decision_day, late_from = due.get(key, (None, None))
        rows.append(
            LevelProgress(
                level=level,
                milestone=key,
                deadline=deadline,
                units=units,
                submitted=submitted,
                on_time=on_time,
                late=submitted - on_time,
                overdue=overdue,
                pending=pending,
                exempt=exempted,
                completion_pct=pct(submitted, units - exempted),
                decided=decided,
                decision_deadline=decision_day,
                decision_overdue=units - exempted - decided if late_from is not None and now >= late_from else 0,
            )
        )
    return rows
