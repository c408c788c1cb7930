"""Units not yet reported (đơn vị chưa báo cáo): every open assignment past its deadline in a subtree, named, with its
parent and the days overdue, longest first. For the board's report and the dashboard.

Open means pending, in progress or returned (exempt, submitted and accepted are not listed). The deadline is the
unit's own (an extension moves it), as a local date in the campaign's timezone; days overdue count local days after
it: 1 on the day after the deadline, as the overdue notices do.
"""

from __future__ import annotations

import datetime as dt

import pendulum
from pydantic import BaseModel
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, aliased

from models.enums import OPEN_STATUSES
from models.tables import Assignment, Campaign, Milestone, OrgUnit


class OverdueUnit(BaseModel):
    unit_code: str
    unit_name: str
    level: str
    parent_code: str | None
    parent_name: str | None
    milestone: str
    milestone_title: str
    deadline: dt.date
    days_overdue: int
    status: str


class OverdueList(BaseModel):
    """The longest-overdue units (at most the limit asked for) and how many are overdue in all."""

    total: int
    rows: list[OverdueUnit]


def overdue_units(
    session: Session, campaign: Campaign, root: OrgUnit | None, now: pendulum.DateTime, limit: int | None = None
) -> list[OverdueUnit]:
    """Open assignments of `campaign` under `root` (default: the campaign's root) whose deadline has passed at `now`,
    longest overdue first, then by milestone and unit code; the first `limit` of them (None: all).

    Deadlines are local midnights in the campaign's timezone, so the database's order by `due_before` is the order
    by days overdue; unit codes are compared bytewise on every database (as Python compares them)."""
    parent = aliased(OrgUnit)
    bytewise = OrgUnit.code.collate("C") if session.get_bind().dialect.name == "postgresql" else OrgUnit.code
    query = (
        select(
            Assignment.due_before,
            Assignment.status,
            Milestone.position,
            Milestone.key,
            Milestone.title,
            OrgUnit.code,
            OrgUnit.name,
            OrgUnit.level,
            parent.code,
            parent.name,
        )
        .join(Milestone, Milestone.id == Assignment.milestone_id)
        .join(OrgUnit, OrgUnit.id == Assignment.unit_id)
        .outerjoin(parent, parent.id == OrgUnit.parent_id)
        .where(*_overdue(campaign, root, now))
        .order_by(Assignment.due_before, Milestone.position, bytewise)
        .limit(limit)
    )
    today = now.in_timezone(campaign.timezone).date()
    found, deadlines = [], {}
    rows = session.execute(query).tuples()
    for due_before, status, position, key, title, code, name, level, parent_code, parent_name in rows:
        if due_before not in deadlines:  # a few distinct deadlines; pendulum is slow on 13,000 rows
            deadlines[due_before] = deadline_date(due_before, campaign.timezone)
        deadline = deadlines[due_before]
        row = OverdueUnit(
            unit_code=code,
            unit_name=name,
            level=level,
            parent_code=parent_code,
            parent_name=parent_name,
            milestone=key,
            milestone_title=title,
            deadline=deadline,
            days_overdue=today.toordinal() - deadline.toordinal(),
            status=status,
        )
        found.append((position, row))
    found.sort(key=lambda pair: (-pair[1].days_overdue, pair[0], pair[1].unit_code))
    return [row for _, row in found]


def overdue_count(session: Session, campaign: Campaign, root: OrgUnit | None, now: pendulum.DateTime) -> int:
    """How many rows `overdue_units` has in all."""
    query = select(func.count()).select_from(Assignment).where(*_overdue(campaign, root, now))
    if root is not None:
        query = query.join(OrgUnit, OrgUnit.id == Assignment.unit_id)
    return session.scalar(query) or 0


def overdue_list(
    session: Session, campaign: Campaign, root: OrgUnit | None, now: pendulum.DateTime, limit: int
) -> OverdueList:
    """The first `limit` overdue units, longest first, and the count of all."""
    rows = overdue_units(session, campaign, root, now, limit)
    total = len(rows) if len(rows) < limit else overdue_count(session, campaign, root, now)
    return OverdueList(total=total, rows=rows)


def _overdue(campaign: Campaign, root: OrgUnit | None, now: pendulum.DateTime) -> list[ColumnElement[bool]]:
    conditions = [
        Assignment.campaign_id == campaign.id,
        Assignment.status.in_([s.value for s in OPEN_STATUSES]),
        Assignment.due_before <= now,
    ]
    if root is not None:
        conditions.append(OrgUnit.path.startswith(root.path, autoescape=True))
    return conditions


def deadline_date(due_before: pendulum.DateTime, timezone: str) -> dt.date:
    """The local deadline day: `due_before` is the first late instant, local midnight after that day."""
    local = pendulum.instance(due_before).in_timezone(timezone)
    day = (local - dt.timedelta(seconds=1)).date()
    return dt.date(day.year, day.month, day.day)
