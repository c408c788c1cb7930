"""Progress per milestone and level, and results per subject, for a campaign's whole tree or one subtree (SPEC §7).

`overdue` = not submitted and past the deadline; `pending` = not submitted and not yet due; percentages are of
those evaluated (results) or of the units that must report (progress: exempt units do not count), one decimal.
"""

from __future__ import annotations

from typing import Any

import pendulum
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Integer, and_, case, func, select
from sqlalchemy.orm import Session

from models.enums import AssignmentStatus, NoticeStatus
from models.levels import level_rank
from models.lookup import campaign_by_key, unit_by_code
from models.tables import Assignment, Campaign, Milestone, OrgUnit, OutboxEntry, Report, ReportLine

DONE = (AssignmentStatus.SUBMITTED.value, AssignmentStatus.ACCEPTED.value)
SUBJECTS = ("organization", "member", "leadership_collective", "leader")


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


class SubjectResults(BaseModel):
    total: int = 0
    evaluated: int = 0
    excellent: int = 0
    good: int = 0
    completed: int = 0
    not_completed: int = 0
    good_or_above_pct: float = 0.0


class Progress(BaseModel):
    campaign: str
    at: str
    root: str
    levels: list[LevelProgress]
    results: dict[str, SubjectResults]
    # Units that no notice can reach, per level: reported, never silently skipped.
    no_contact: dict[str, int] = {}
    # Units of the subtree added after the launch: not in the campaign's denominators (the tree as launched).
    added_after_launch: dict[str, int] = {}
    # Notices to the subtree that need a person: `failed` (every retry refused) and `uncertain` (the deliverer
    # stopped while sending: may not have arrived). Only the states present are listed.
    notices: dict[str, int] = {}


def pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def progress(
    session: Session, campaign_key: str, root_code: str | None, now: pendulum.DateTime, levels: tuple[str, ...]
) -> Progress:
    campaign = campaign_by_key(session, campaign_key)
    root = session.get(OrgUnit, campaign.root_unit_id)
    if root_code is not None:
        root = unit_by_code(session, root_code, field="root")
    assert root is not None
    return Progress(
        campaign=campaign.key,
        at=now.isoformat(),
        root=root.code,
        levels=_levels(session, campaign, root, now, levels),
        results=_results(session, campaign, root),
        no_contact=_no_contact(session, root),
        added_after_launch=_added_after_launch(session, campaign, root),
        notices=_notices_needing_attention(session, campaign, root),
    )


def _levels(
    session: Session, campaign: Campaign, root: OrgUnit, now: pendulum.DateTime, levels: tuple[str, ...]
) -> list[LevelProgress]:
    done = Assignment.status.in_(DONE)
    exempt = Assignment.status == AssignmentStatus.EXEMPT.value
    open_ = ~Assignment.status.in_((*DONE, AssignmentStatus.EXEMPT.value))

    def count(condition: ColumnElement[bool]) -> Any:
        return func.sum(case((condition, 1), else_=0))

    query = (
        select(
            Milestone.key,
            Milestone.position,
            Milestone.deadline,
            OrgUnit.level,
            func.count(),
            count(done),
            count(and_(done, Assignment.on_time.is_(True))),
            count(and_(open_, Assignment.due_before <= now)),
            count(and_(open_, Assignment.due_before > now)),
            count(exempt),
        )
        .join(Milestone, Milestone.id == Assignment.milestone_id)
        .join(OrgUnit, OrgUnit.id == Assignment.unit_id)
        .where(Assignment.campaign_id == campaign.id, OrgUnit.path.startswith(root.path, autoescape=True))
        .group_by(Milestone.key, Milestone.position, Milestone.deadline, OrgUnit.level)
    )
    rows = []
    for key, position, deadline, level, units, submitted, on_time, overdue, pending, exempted in session.execute(
        query
    ).tuples():
        rows.append(
            (
                position,
                level_rank(levels, level),
                LevelProgress(
                    level=level,
                    milestone=key,
                    deadline=deadline.isoformat(),
                    units=units,
                    submitted=submitted,
                    on_time=on_time,
                    late=submitted - on_time,
                    overdue=overdue,
                    pending=pending,
                    exempt=exempted,
                    completion_pct=pct(submitted, units - exempted),
                ),
            )
        )
    return [row for _, _, row in sorted(rows, key=lambda r: (r[0], -r[1]))]


def _results(session: Session, campaign: Campaign, root: OrgUnit) -> dict[str, SubjectResults]:
    columns = (
        ReportLine.total,
        ReportLine.evaluated,
        ReportLine.excellent,
        ReportLine.good,
        ReportLine.completed,
        ReportLine.not_completed,
    )
    query = (
        select(ReportLine.subject, *(func.coalesce(func.sum(c), 0) for c in columns))
        .join(Report, Report.id == ReportLine.report_id)
        .join(Assignment, Assignment.id == Report.assignment_id)
        .join(OrgUnit, OrgUnit.id == Assignment.unit_id)
        .where(
            Assignment.campaign_id == campaign.id,
            Report.current.is_(True),
            Assignment.status.in_(DONE),
            OrgUnit.path.startswith(root.path, autoescape=True),
        )
        .group_by(ReportLine.subject)
    )
    found = {subject: SubjectResults() for subject in SUBJECTS}
    for subject, total, evaluated, excellent, good, completed, not_completed in session.execute(query).tuples():
        found[subject] = SubjectResults(
            total=total,
            evaluated=evaluated,
            excellent=excellent,
            good=good,
            completed=completed,
            not_completed=not_completed,
            good_or_above_pct=pct(excellent + good, evaluated),
        )
    return found


def _no_contact(session: Session, root: OrgUnit) -> dict[str, int]:
    query = (
        select(OrgUnit.level, func.count())
        .where(
            OrgUnit.path.startswith(root.path, autoescape=True),
            func.json_array_length(OrgUnit.contacts, type_=Integer) == 0,
        )
        .group_by(OrgUnit.level)
    )
    return {level: count for level, count in session.execute(query).tuples()}


def _added_after_launch(session: Session, campaign: Campaign, root: OrgUnit) -> dict[str, int]:
    query = (
        select(OrgUnit.level, func.count())
        .where(OrgUnit.path.startswith(root.path, autoescape=True), OrgUnit.created_at > campaign.launched_at)
        .group_by(OrgUnit.level)
    )
    return {level: count for level, count in session.execute(query).tuples()}


def _notices_needing_attention(session: Session, campaign: Campaign, root: OrgUnit) -> dict[str, int]:
    states = (NoticeStatus.FAILED.value, NoticeStatus.UNCERTAIN.value)
    query = (
        select(OutboxEntry.status, func.count())
        .join(OrgUnit, OrgUnit.id == OutboxEntry.unit_id)
        .where(
            OutboxEntry.campaign_id == campaign.id,
            OutboxEntry.status.in_(states),
            OrgUnit.path.startswith(root.path, autoescape=True),
        )
        .group_by(OutboxEntry.status)
    )
    return {status: count for status, count in session.execute(query).tuples()}
