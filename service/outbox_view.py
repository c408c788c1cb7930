"""The outbox as people read it: one row per notice, no secrets (recipients are unit codes, not URLs)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from models.lookup import campaign_by_key
from models.tables import Milestone, OrgUnit, OutboxEntry
from service.bootstrap import App


def list_outbox(app: App, campaign_key: str, status: str | None) -> list[dict[str, Any]]:
    with app.unit_of_work() as session:
        campaign = campaign_by_key(session, campaign_key)
        unit = aliased(OrgUnit)
        query = (
            select(OutboxEntry, unit.code, Milestone.key)
            .join(unit, unit.id == OutboxEntry.unit_id)
            .outerjoin(Milestone, Milestone.id == OutboxEntry.milestone_id)
            .where(OutboxEntry.campaign_id == campaign.id)
            .order_by(OutboxEntry.deliver_after, OutboxEntry.id)
        )
        if status:
            query = query.where(OutboxEntry.status == status)
        return [
            {
                "key": entry.key,
                "unit": code,
                "milestone": milestone,
                "kind": entry.kind,
                "days": entry.days,
                "recipients": entry.recipients,
                "status": entry.status,
                "attempts": entry.attempts,
                "created_at": entry.created_at.isoformat(),
                "deliver_after": entry.deliver_after.isoformat(),
                "sent_at": entry.sent_at.isoformat() if entry.sent_at else None,
                "last_error": entry.last_error,
                "details": {k: v for k, v in entry.details.items() if k != "delivered"},
            }
            for entry, code, milestone in session.execute(query).tuples()
        ]
