"""Amending a running campaign (SPEC §5): a milestone's deadline moved, for the whole campaign or one subtree, by a
numbered document (công văn), audited and announced once to every unit still concerned.

From the amendment on, every notice follows the new date: its reminder ladder is new (a notice's key names its
deadline, models.schedule), the points of the new date already past are not sent late, and the notices for the
old date not yet delivered are dropped. On time is judged against the deadline in force when the unit submits.
A plan nested in another (a commune's plan under the province's) may set earlier dates, never later ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pendulum
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from models.audit import audit
from models.calendar import deadline_day
from models.enums import OPEN_STATUSES, NoticeKind, NoticeStatus
from models.errors import fail
from models.lookup import milestone_by_key
from models.outbox_keys import notice_key
from models.status import lock_campaign
from models.tables import Assignment, AuditEntry, Campaign, Milestone, OrgUnit, OutboxEntry

OPEN = [s.value for s in OPEN_STATUSES]
# What an amendment replaces: the countdown notices of the old date still waiting to go out.
COUNTDOWN = [NoticeKind.REMINDER, NoticeKind.DUE_TODAY, NoticeKind.OVERDUE, NoticeKind.ESCALATION, NoticeKind.CATCH_UP]


@dataclass(frozen=True)
class Amendment:
    """What to change: `unit` None for the whole campaign; `confirmed` the admin's yes to an earlier date."""

    milestone: str
    deadline: dt.date
    document: str
    reason: str
    unit: str | None = None
    confirmed: bool = False


@dataclass(frozen=True)
class Amended:
    campaign: str
    milestone: str
    unit: str | None
    old_deadline: dt.date
    new_deadline: dt.date
    units: int  # open assignments moved, each told once
    overdue_now: int  # of those, past the new deadline already


def amend(session: Session, campaign: Campaign, change: Amendment, now: pendulum.DateTime, actor: str) -> Amended:
    lock_campaign(session, campaign.id)
    for field, text in (("document", change.document), ("reason", change.reason)):
        if not text.strip():
            raise fail(
                "required",
                f"sửa thời hạn cần số văn bản và lý do ({field})",
                f"an amendment needs its document number and reason ({field})",
                field=field,
            )
    milestone = milestone_by_key(session, campaign, change.milestone)
    root = _scope(session, campaign, change.unit)
    new_due = due_before(campaign.timezone, change.deadline)
    check_within_plans_above(session, campaign, root, milestone.key, change.deadline, field="deadline")
    query = (
        select(Assignment)
        .join(OrgUnit, OrgUnit.id == Assignment.unit_id)
        .where(
            Assignment.milestone_id == milestone.id,
            Assignment.status.in_(OPEN),
            OrgUnit.path.startswith(root.path, autoescape=True),
        )
        .order_by(Assignment.id)
    )
    if change.unit is None:  # a whole-campaign change leaves the units whose track sets this milestone's date
        own = [t["name"] for t in campaign.config.get("tracks", []) if milestone.key in t.get("deadlines", {})]
        query = query.where(or_(Assignment.track.is_(None), Assignment.track.not_in(own)))
    moved = list(session.scalars(query))
    old = deadline_day(moved[0].due_before, campaign.timezone) if moved else milestone.deadline
    earlier = [a for a in moved if new_due < a.due_before]
    overdue_now = sum(1 for a in earlier if new_due <= now < a.due_before)
    if (earlier or new_due <= now) and not change.confirmed:
        raise fail(
            "confirm_earlier",
            f"hạn mới {change.deadline:%d/%m/%Y} sớm hơn hạn hiện hành của {len(earlier)} đơn vị, {overdue_now} đơn vị "
            "sẽ quá hạn ngay; xác nhận bằng --yes",
            f"the new deadline {change.deadline} is earlier than the one in force for {len(earlier)} units, "
            f"{overdue_now} of which become overdue at once; confirm with --yes",
            field="deadline",
        )
    sequence = 1 + (
        session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.campaign_id == campaign.id, AuditEntry.action == "campaign.amend")
        )
        or 0
    )
    _drop_old_notices(session, [a.id for a in moved])
    codes = dict(
        session.execute(select(OrgUnit.id, OrgUnit.code).where(OrgUnit.id.in_([a.unit_id for a in moved])))
        .tuples()
        .all()
    )
    for assignment in moved:
        previous = deadline_day(assignment.due_before, campaign.timezone)
        assignment.due_before, assignment.notified_through, assignment.updated_at = new_due, now, now
        session.add(
            _notice(campaign, milestone, assignment, codes[assignment.unit_id], sequence, previous, change, now)
        )
    if change.unit is None:
        milestone.deadline, milestone.due_before = change.deadline, new_due
    audit(
        session,
        at=now,
        actor=actor,
        action="campaign.amend",
        campaign_id=campaign.id,
        entity="milestone",
        entity_key=milestone.key,
        from_state=old.isoformat(),
        to_state=change.deadline.isoformat(),
        reason=change.reason,
        details={"document": change.document, "unit": change.unit, "units": len(moved), "sequence": sequence},
    )
    session.flush()
    return Amended(
        campaign=campaign.key,
        milestone=milestone.key,
        unit=change.unit,
        old_deadline=old,
        new_deadline=change.deadline,
        units=len(moved),
        overdue_now=overdue_now,
    )


def due_before(timezone: str, deadline: dt.date) -> pendulum.DateTime:
    local = pendulum.datetime(deadline.year, deadline.month, deadline.day, tz=timezone)
    return local.add(days=1).in_timezone("UTC")


def check_within_plans_above(
    session: Session, campaign: Campaign, root: OrgUnit, milestone: str, deadline: dt.date, field: str
) -> None:
    """A plan nested under another active campaign's subtree sets dates no later than the plan above: the same
    milestone's deadline there, else that plan's last deadline."""
    for above in _plans_above(session, campaign, root):
        limits = dict(
            session.execute(select(Milestone.key, Milestone.deadline).where(Milestone.campaign_id == above.id))
            .tuples()
            .all()
        )
        if not limits:
            continue
        limit = limits.get(milestone, max(limits.values()))
        if deadline > limit:
            raise fail(
                "later_than_plan_above",
                f"hạn {deadline:%d/%m/%Y} muộn hơn kế hoạch cấp trên {above.plan_number} ({above.key}): "
                f"muộn nhất {limit:%d/%m/%Y}",
                f"the deadline {deadline} is later than the plan above, {above.plan_number} ({above.key}): "
                f"at most {limit}",
                field=field,
            )


def check_launch_within_plans_above(
    session: Session, campaign: Campaign, root: OrgUnit, deadlines: list[tuple[str, dt.date]]
) -> None:
    """At launch: every milestone of a nested plan within the plans above it."""
    for position, (key, deadline) in enumerate(deadlines):
        check_within_plans_above(session, campaign, root, key, deadline, field=f"milestones[{position}].deadline")


def _plans_above(session: Session, campaign: Campaign, root: OrgUnit) -> list[Campaign]:
    """Active campaigns of other issuers whose subtree holds `root` (the issuer's own units' paths start with
    theirs)."""
    ancestors = [int(part) for part in root.path.strip("/").split("/") if part]
    return list(
        session.scalars(
            select(Campaign).where(
                Campaign.id != campaign.id,
                Campaign.status == "active",
                Campaign.root_unit_id.in_(ancestors),
                Campaign.root_unit_id != campaign.root_unit_id,
            )
        )
    )


def _scope(session: Session, campaign: Campaign, unit: str | None) -> OrgUnit:
    top = session.get(OrgUnit, campaign.root_unit_id)
    assert top is not None
    if unit is None:
        return top
    found = session.scalar(select(OrgUnit).where(OrgUnit.code == unit))
    if found is None or not found.path.startswith(top.path):
        raise fail(
            "not_in_campaign",
            f"«{unit}» không thuộc phạm vi đợt {campaign.key}",
            f"'{unit}' is not in campaign {campaign.key}'s tree",
            field="unit",
        )
    return found


def _drop_old_notices(session: Session, assignment_ids: list[int]) -> None:
    session.execute(
        update(OutboxEntry)
        .where(
            OutboxEntry.assignment_id.in_(assignment_ids),
            OutboxEntry.status == NoticeStatus.PENDING.value,
            OutboxEntry.attempts == 0,
            OutboxEntry.kind.in_([k.value for k in COUNTDOWN]),
        )
        .values(status=NoticeStatus.SKIPPED.value, last_error="deadline changed")
        .execution_options(synchronize_session=False)
    )


def _notice(
    campaign: Campaign,
    milestone: Milestone,
    assignment: Assignment,
    code: str,
    sequence: int,
    previous: dt.date,
    change: Amendment,
    now: pendulum.DateTime,
) -> OutboxEntry:
    kind = NoticeKind.DEADLINE_CHANGED.value
    return OutboxEntry(
        key=notice_key(campaign.key, code, milestone.key, kind, f"{sequence}@{change.deadline.isoformat()}"),
        campaign_id=campaign.id,
        unit_id=assignment.unit_id,
        milestone_id=milestone.id,
        assignment_id=assignment.id,
        kind=kind,
        days=0,
        recipients=[code],
        status=NoticeStatus.PENDING.value,
        created_at=now,
        deliver_after=now,
        attempts=0,
        details={"old": previous.isoformat(), "document": change.document, "reason": change.reason},
    )
