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
from sqlalchemy import select
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


def overdue_units(
    session: Session, campaign: Campaign, root: OrgUnit | None, now: pendulum.DateTime
) -> list[OverdueUnit]:
    """Open assignments of `campaign` under `root` (default: the campaign's root) whose deadline has passed at `now`,
    longest overdue first, then by milestone and unit code."""
    parent = aliased(OrgUnit)
    query = (
        select(Assignment.due_before, Assignment.status, Milestone, OrgUnit, parent.code, parent.name)
        .join(Milestone, Milestone.id == Assignment.milestone_id)
        .join(OrgUnit, OrgUnit.id == Assignment.unit_id)
        .outerjoin(parent, parent.id == OrgUnit.parent_id)
        .where(
            Assignment.campaign_id == campaign.id,
            Assignment.status.in_([s.value for s in OPEN_STATUSES]),
            Assignment.due_before <= now,
        )
    )
    if root is not None:
        query = query.where(OrgUnit.path.startswith(root.path, autoescape=True))
    today = now.in_timezone(campaign.timezone).date()
    found = []
    for due_before, status, milestone, unit, parent_code, parent_name in session.execute(query).tuples():
        deadline = deadline_date(due_before, campaign.timezone)
        row = OverdueUnit(
            unit_code=unit.code,
            unit_name=unit.name,
            level=unit.level,
            parent_code=parent_code,
            parent_name=parent_name,
            milestone=milestone.key,
            milestone_title=milestone.title,
            deadline=deadline,
            days_overdue=today.toordinal() - deadline.toordinal(),
            status=status,
        )
        found.append((milestone.position, row))
    found.sort(key=lambda pair: (-pair[1].days_overdue, pair[0], pair[1].unit_code))
    return [row for _, row in found]


def deadline_date(due_before: pendulum.DateTime, timezone: str) -> dt.date:
    """The local deadline day: `due_before` is the first late instant, local midnight after that day."""
    local = pendulum.instance(due_before).in_timezone(timezone)
    day = (local - dt.timedelta(seconds=1)).date()
    return dt.date(day.year, day.month, day.day)
