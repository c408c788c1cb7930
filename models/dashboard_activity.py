"""The dashboard's reads of what happened: submissions per day (the burn-up chart), the notices units received and
whether they were delivered, a unit's audit trail and its current reports. (The overdue units: models.overdue.)"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import pendulum
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.enums import AssignmentStatus, NoticeStatus
from models.tables import Assignment, AuditEntry, Campaign, Milestone, OrgUnit, OutboxEntry, Report

DONE = (AssignmentStatus.SUBMITTED.value, AssignmentStatus.ACCEPTED.value)


def submissions_per_day(session: Session, campaign: Campaign, root: OrgUnit) -> dict[str, dict[dt.date, int]]:
    """Per milestone key, the number of submissions (still standing) on each local day of the campaign."""
    local = _local_day(session, Assignment.submitted_at, campaign.timezone, campaign.launched_at)
    query = (
        select(Milestone.key, local, func.count())
        .join(Milestone, Milestone.id == Assignment.milestone_id)
        .join(OrgUnit, OrgUnit.id == Assignment.unit_id)
        .where(
            Assignment.campaign_id == campaign.id,
            Assignment.status.in_(DONE),
            Assignment.submitted_at.is_not(None),
            OrgUnit.path.startswith(root.path, autoescape=True),
        )
        .group_by(Milestone.key, local)
    )
    found: dict[str, dict[dt.date, int]] = defaultdict(dict)
    for key, day, count in session.execute(query).tuples():
        found[key][day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))] = count
    return dict(found)


def _local_day(session: Session, column: Any, timezone: str, at: pendulum.DateTime) -> Any:
    """The local calendar day of a UTC instant: PostgreSQL converts in the zone; SQLite shifts by the zone's offset
    at the launch (Vietnam keeps one offset all year)."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        return func.date(func.timezone(timezone, func.timezone("UTC", column)))
    offset = int(at.in_timezone(timezone).utcoffset().total_seconds())  # type: ignore[union-attr]
    return func.date(column, f"{offset:+d} seconds")


class NoticeRow(BaseModel):
    unit: str
    kind: str
    days: int
    milestone: str | None
    status: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    board_reminder: bool = False

    @property
    def delivered(self) -> bool:
        return self.status == NoticeStatus.SENT.value


def notices_for(session: Session, campaign_id: int, codes: list[str]) -> dict[str, list[NoticeRow]]:
    """Every notice to these units (by code) in the campaign, oldest first (no recipients, no addresses)."""
    if not codes:
        return {}
    query = (
        select(OutboxEntry, OrgUnit.code, Milestone.key)
        .join(OrgUnit, OrgUnit.id == OutboxEntry.unit_id)
        .outerjoin(Milestone, Milestone.id == OutboxEntry.milestone_id)
        .where(OutboxEntry.campaign_id == campaign_id, OrgUnit.code.in_(codes))
        .order_by(OutboxEntry.created_at, OutboxEntry.id)
    )
    found: dict[str, list[NoticeRow]] = defaultdict(list)
    for entry, code, milestone in session.execute(query).tuples():
        found[code].append(
            NoticeRow(
                unit=code,
                kind=entry.kind,
                days=entry.days,
                milestone=milestone,
                status=entry.status,
                created_at=entry.created_at,
                sent_at=entry.sent_at,
                board_reminder=bool(entry.details.get("board_reminder")),
            )
        )
    return dict(found)


class AuditRow(BaseModel):
    at: dt.datetime
    actor: str
    action: str
    milestone: str | None
    from_state: str | None
    to_state: str | None
    reason: str | None


def audit_trail(session: Session, campaign_id: int, assignments: dict[int, str], limit: int = 200) -> list[AuditRow]:
    """The audit entries of these assignments (id → milestone key), newest first."""
    if not assignments:
        return []
    query = (
        select(AuditEntry)
        .where(
            AuditEntry.campaign_id == campaign_id,
            AuditEntry.entity == "assignment",
            AuditEntry.entity_key.in_([str(i) for i in assignments]),
        )
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    return [
        AuditRow(
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            milestone=assignments.get(int(entry.entity_key)),
            from_state=entry.from_state,
            to_state=entry.to_state,
            reason=entry.reason,
        )
        for entry in session.scalars(query)
    ]


def current_reports(session: Session, assignment_ids: list[int]) -> dict[int, tuple[int, dict[str, Any]]]:
    """Each assignment's current report: (version, payload as submitted)."""
    if not assignment_ids:
        return {}
    query = select(Report.assignment_id, Report.version, Report.payload).where(
        Report.assignment_id.in_(assignment_ids), Report.current.is_(True)
    )
    return {assignment: (version, payload) for assignment, version, payload in session.execute(query).tuples()}
