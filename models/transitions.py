"""The upward chain (tự đánh giá → thẩm định → quyết định): the level above accepts or returns a submission, the
admin exempts a unit or extends its deadline. Every transition is written to the audit log with who, when and why."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pendulum
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.audit import audit
from models.enums import AssignmentStatus, NoticeKind, NoticeStatus
from models.errors import fail
from models.outbox_keys import notice_key
from models.states import NEEDS_REASON, check_settable, check_transition
from models.status import hold, require_children_done
from models.tables import Assignment, Campaign, Milestone, OrgUnit, OutboxEntry

S = AssignmentStatus


def set_state(
    session: Session,
    assignment: Assignment,
    state: str,
    now: pendulum.DateTime,
    actor: str,
    reason: str | None = None,
    until: dt.date | None = None,
    override: bool = False,
    meeting_date: dt.date | None = None,
) -> Assignment:
    """Move an assignment to `state` as the state machine allows (models.states); `until` gives a new (grace)
    deadline, `meeting_date` the day of the unit's self-review meeting (with in_progress), `override` lets the
    admin accept a parent before all its children have submitted (the reason is kept)."""
    hold(session, assignment)
    check_settable(state, field="state")
    target = check_transition(assignment.status, state, field="state")
    if (target in NEEDS_REASON or override) and not (reason or "").strip():
        raise fail(
            "reason_required",
            f"chuyển sang «{target}» cần ghi lý do (--reason)",
            f"'{target}' needs a reason (--reason)",
            field="reason",
        )
    campaign = session.get(Campaign, assignment.campaign_id)
    milestone = session.get(Milestone, assignment.milestone_id)
    assert campaign is not None and milestone is not None
    if target == S.ACCEPTED and milestone.after_children:
        _children_done(session, assignment, milestone, override)
    previous = assignment.status
    assignment.status, assignment.updated_at = target.value, now
    if target == S.IN_PROGRESS:
        assignment.started_at = assignment.started_at or now
    elif target == S.ACCEPTED:
        assignment.accepted_at = now
    elif target == S.RETURNED:
        assignment.submitted_at, assignment.on_time = None, None
    if until is not None:
        _move_deadline(assignment, campaign, until, now)
    if target == S.RETURNED:
        _notify_returned(session, campaign, milestone, assignment, reason or "", now)
    audit(
        session,
        at=now,
        actor=actor,
        action=f"assignment.{target.value}",
        campaign_id=campaign.id,
        entity="assignment",
        entity_key=str(assignment.id),
        from_state=previous,
        to_state=target.value,
        reason=reason,
        details=_details(until, override, meeting_date),
    )
    session.flush()
    return assignment


def extend(
    session: Session, assignment: Assignment, until: dt.date, now: pendulum.DateTime, actor: str, reason: str
) -> Assignment:
    """The admin's extension (gia hạn): a new deadline for one unit; its notices are rescheduled from now."""
    if not reason.strip():
        raise fail(
            "reason_required",
            "gia hạn cần ghi lý do (--reason)",
            "an extension needs a reason (--reason)",
            field="reason",
        )
    hold(session, assignment)
    campaign = session.get(Campaign, assignment.campaign_id)
    assert campaign is not None
    _move_deadline(assignment, campaign, until, now)
    audit(
        session,
        at=now,
        actor=actor,
        action="assignment.extend",
        campaign_id=campaign.id,
        entity="assignment",
        entity_key=str(assignment.id),
        from_state=assignment.status,
        to_state=assignment.status,
        reason=reason,
        details={"until": until.isoformat()},
    )
    session.flush()
    return assignment


def _move_deadline(assignment: Assignment, campaign: Campaign, until: dt.date, now: pendulum.DateTime) -> None:
    latest = dt.date(campaign.year + 1, 12, 31)  # well before the end of the calendar (9999-12-31 overflows)
    if until > latest:
        raise fail(
            "deadline_too_late",
            f"hạn mới (until) {until:%d/%m/%Y} quá xa: muộn nhất là {latest:%d/%m/%Y}, cuối năm sau năm của đợt "
            f"({campaign.year})",
            f"the new deadline (until) {until} is too far: at most {latest}, the end of the year after the "
            f"campaign's ({campaign.year})",
            field="until",
        )
    due_before = pendulum.datetime(until.year, until.month, until.day, tz=campaign.timezone).add(days=1)
    if due_before <= now:
        raise fail(
            "deadline_past", f"hạn mới {until:%d/%m/%Y} đã qua", f"the new deadline {until} has passed", field="until"
        )
    assignment.due_before = due_before.in_timezone("UTC")
    # Points of the new deadline that lie in the past are not sent late: the schedule restarts from now.
    assignment.notified_through = now


def _children_done(session: Session, assignment: Assignment, milestone: Milestone, override: bool) -> None:
    needed = session.scalar(
        select(Milestone.id).where(
            Milestone.campaign_id == milestone.campaign_id, Milestone.key == milestone.after_children
        )
    )
    if needed is not None and not override:
        require_children_done(session, assignment.unit_id, needed, "state")


def _notify_returned(
    session: Session,
    campaign: Campaign,
    milestone: Milestone,
    assignment: Assignment,
    reason: str,
    now: pendulum.DateTime,
) -> None:
    unit = session.get(OrgUnit, assignment.unit_id)
    assert unit is not None
    times = 1 + (
        session.scalar(
            select(func.count())
            .select_from(OutboxEntry)
            .where(OutboxEntry.assignment_id == assignment.id, OutboxEntry.kind == NoticeKind.RETURNED.value)
        )
        or 0
    )
    session.add(
        OutboxEntry(
            key=notice_key(campaign.key, unit.code, milestone.key, NoticeKind.RETURNED.value, str(times)),
            campaign_id=campaign.id,
            unit_id=unit.id,
            milestone_id=milestone.id,
            assignment_id=assignment.id,
            kind=NoticeKind.RETURNED.value,
            days=0,
            recipients=[unit.code],
            status=NoticeStatus.PENDING.value,
            created_at=now,
            deliver_after=now,
            attempts=0,
            details={"reason": reason},
        )
    )


def _details(until: dt.date | None, override: bool, meeting_date: dt.date | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if until is not None:
        found["until"] = until.isoformat()
    if override:
        found["override"] = True
    if meeting_date is not None:
        found["meeting_date"] = meeting_date.isoformat()
    return found
