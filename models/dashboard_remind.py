"""The board's "remind the overdue units of this subtree now": one `overdue` notice per overdue assignment, keyed
on the local day (`…|overdue|board@2026-12-14`), so pressing the button twice, from two browsers or two servers,
writes each notice once; audited with who asked, for which subtree, and how many notices it wrote."""

from __future__ import annotations

from dataclasses import dataclass

import pendulum
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.audit import audit
from models.calendar import after_quiet_hours
from models.campaign_config import CampaignConfig
from models.enums import CampaignStatus, NoticeKind, NoticeStatus
from models.errors import fail
from models.outbox_keys import notice_key
from models.tables import Assignment, Campaign, Milestone, OrgUnit, OutboxEntry

OPEN = ("pending", "in_progress", "returned")
OCCURRENCE = "board@{day}"


@dataclass(frozen=True)
class Reminded:
    overdue: int  # overdue assignments in the subtree
    created: int  # notices written now
    already: int  # notices the board had already sent today (not written again)


def remind_overdue(session: Session, campaign: Campaign, root: OrgUnit, now: pendulum.DateTime, actor: str) -> Reminded:
    if campaign.status == CampaignStatus.CLOSED:
        raise fail(
            "campaign_closed",
            "đợt đã kết thúc: không gửi nhắc việc",
            "the campaign is closed: no reminders are sent",
            field="campaign",
        )
    config = CampaignConfig.model_validate(campaign.config)
    today = now.in_timezone(campaign.timezone).date()
    occurrence = OCCURRENCE.format(day=today.isoformat())
    rows = session.execute(
        select(Assignment.id, Assignment.milestone_id, Assignment.due_before, OrgUnit.id, OrgUnit.code, Milestone.key)
        .join(OrgUnit, OrgUnit.id == Assignment.unit_id)
        .join(Milestone, Milestone.id == Assignment.milestone_id)
        .where(
            Assignment.campaign_id == campaign.id,
            Assignment.status.in_(OPEN),
            Assignment.due_before <= now,
            OrgUnit.path.startswith(root.path, autoescape=True),
        )
        .order_by(OrgUnit.code)
    ).tuples()
    wanted = {
        notice_key(campaign.key, code, milestone, NoticeKind.OVERDUE.value, occurrence): (a, m, due, u, code)
        for a, m, due, u, code, milestone in rows
    }
    existing = set()
    keys = list(wanted)
    for start in range(0, len(keys), 500):
        existing |= set(session.scalars(select(OutboxEntry.key).where(OutboxEntry.key.in_(keys[start : start + 500]))))
    deliver_after = after_quiet_hours(now, config.reminders.quiet_hours, campaign.timezone)
    for key, (assignment_id, milestone_id, due_before, unit_id, code) in wanted.items():
        if key in existing:
            continue
        deadline = due_before.in_timezone(campaign.timezone).subtract(days=1).date()
        session.add(
            OutboxEntry(
                key=key,
                campaign_id=campaign.id,
                unit_id=unit_id,
                milestone_id=milestone_id,
                assignment_id=assignment_id,
                kind=NoticeKind.OVERDUE.value,
                days=max(1, (today - deadline).days),
                recipients=[code],
                status=NoticeStatus.PENDING.value,
                created_at=now,
                deliver_after=deliver_after,
                attempts=0,
                details={"board_reminder": True, "requested_by": actor},
            )
        )
    result = Reminded(overdue=len(wanted), created=len(wanted) - len(existing), already=len(existing))
    audit(
        session,
        at=now,
        actor=actor,
        action="outbox.remind_overdue",
        campaign_id=campaign.id,
        entity="campaign",
        entity_key=campaign.key,
        details={"root": root.code, "overdue": result.overdue, "created": result.created, "already": result.already},
    )
    session.flush()
    return result
