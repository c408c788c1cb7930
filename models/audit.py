"""The audit log's one writer: who did what, when, from which state to which, and why, in the caller's transaction."""

from __future__ import annotations

from typing import Any

import pendulum
from sqlalchemy.orm import Session

from models.tables import AuditEntry


def audit(
    session: Session,
    *,
    at: pendulum.DateTime,
    actor: str,
    action: str,
    entity: str,
    entity_key: str,
    campaign_id: int | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one audit entry to the session (it is written with the change, at the caller's next flush)."""
    entry = AuditEntry(
        at=at,
        actor=actor,
        action=action,
        campaign_id=campaign_id,
        entity=entity,
        entity_key=entity_key,
        from_state=None if from_state is None else str(from_state),
        to_state=None if to_state is None else str(to_state),
        reason=reason,
        details=dict(details or {}),
    )
    session.add(entry)
    return entry
