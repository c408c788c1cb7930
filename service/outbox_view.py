"""The outbox as people read it: one row per notice, no secrets (recipients are unit codes, not URLs)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pendulum
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from models.audit import audit
from models.lookup import campaign_by_key, unit_by_code
from models.tables import Milestone, OrgUnit, OutboxEntry
from notifications import requeue
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


def retry_failed(app: App, campaign_key: str, now: pendulum.DateTime, actor: str) -> int:
    """Failed notices back to pending with a fresh count of attempts; channels that accepted them are not resent."""
    return _requeue(app, campaign_key, now, actor, "outbox.retry", requeue.requeue_failed)


def resend_uncertain(app: App, campaign_key: str, now: pendulum.DateTime, actor: str) -> int:
    """The admin's choice to send the uncertain notices again, to every channel (notifications.outbox)."""
    return _requeue(app, campaign_key, now, actor, "outbox.resend_uncertain", requeue.resend_uncertain)


def _requeue(
    app: App,
    campaign_key: str,
    now: pendulum.DateTime,
    actor: str,
    action: str,
    put_back: Callable[[Session, int], int],
) -> int:
    with app.unit_of_work() as session:
        campaign = campaign_by_key(session, campaign_key)
        count = put_back(session, campaign.id)
        audit(
            session,
            at=now,
            actor=actor,
            action=action,
            campaign_id=campaign.id,
            entity="campaign",
            entity_key=campaign_key,
            details={"requeued": count},
        )
        return count


def test_contacts(app: App, unit_code: str, now: pendulum.DateTime) -> list[dict[str, Any]]:
    from notifications.redact import redact_url

    with app.unit_of_work() as session:
        unit = unit_by_code(session, unit_code, field="UNIT")
        contacts, name = list(unit.contacts), unit.name
    sender = app.sender
    title = "[kiemdiem] Thử kênh thông báo / channel test"
    body = f"Kính gửi {name} ({unit_code}): đây là tin thử lúc {now.in_timezone('Asia/Ho_Chi_Minh'):%H:%M %d/%m/%Y}."
    results = []
    from notifications.contacts import split_contact

    for contact in contacts:
        _tags, url = split_contact(contact)
        error = sender.send(url, title, body)
        results.append({"target": redact_url(url), "ok": error is None, "error": error})
    return results
