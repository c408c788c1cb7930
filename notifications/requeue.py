"""Notices sent again by the admin's decision: the failed ones (`outbox retry`), the uncertain ones (`outbox resend
--uncertain`). Each returns how many it put back in the queue; the caller audits and commits."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from models.enums import AttemptStatus, NoticeStatus
from models.tables import DeliveryAttempt, OutboxEntry


def requeue_failed(session: Session, campaign_id: int) -> int:
    """Failed notices back to pending with a fresh count of attempts; channels that accepted them keep them."""
    requeued = session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.campaign_id == campaign_id, OutboxEntry.status == NoticeStatus.FAILED.value)
        .values(status=NoticeStatus.PENDING.value, attempts=0, next_attempt_at=None)
        .returning(OutboxEntry.id)
        .execution_options(synchronize_session=False)
    )
    return len(list(requeued))


def resend_uncertain(session: Session, campaign_id: int) -> int:
    """The admin's explicit choice to send uncertain notices again, to the uncertain channels too (a person may
    then receive one twice: better than not at all). Their uncertain attempts no longer count as done."""
    ids = list(
        session.scalars(
            update(OutboxEntry)
            .where(OutboxEntry.campaign_id == campaign_id, OutboxEntry.status == NoticeStatus.UNCERTAIN.value)
            .values(status=NoticeStatus.PENDING.value, attempts=0, next_attempt_at=None)
            .returning(OutboxEntry.id)
            .execution_options(synchronize_session=False)
        )
    )
    if ids:
        session.execute(
            update(DeliveryAttempt)
            .where(DeliveryAttempt.outbox_id.in_(ids), DeliveryAttempt.status == AttemptStatus.UNCERTAIN.value)
            .values(status=AttemptStatus.REQUEUED.value)
            .execution_options(synchronize_session=False)
        )
    return len(ids)
