"""What changed while a campaign ran, from the audit log, for a view (a subtree): the deadlines amended (điều chỉnh
thời hạn) and the ratings decided again (xếp loại lại). Shown in progress, on the unit page and in the board report."""

from __future__ import annotations

import datetime as dt

import pendulum
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.tables import AuditEntry, Campaign, OrgUnit


class AmendmentRow(BaseModel):
    at: str
    milestone: str
    unit: str | None  # None: the whole campaign
    old_deadline: dt.date
    new_deadline: dt.date
    document: str
    reason: str
    units: int


class RerateRow(BaseModel):
    at: str
    unit: str
    decider: str
    previous: str
    rating: str
    reason: str


def amendments(session: Session, campaign: Campaign, root: OrgUnit) -> list[AmendmentRow]:
    """The amendments that touch the view: the campaign's own, and those of a subtree above, in or below it."""
    rows = session.execute(
        select(AuditEntry.at, AuditEntry.entity_key, AuditEntry.from_state, AuditEntry.to_state, AuditEntry.reason,
               AuditEntry.details)
        .where(AuditEntry.campaign_id == campaign.id, AuditEntry.action == "campaign.amend")
        .order_by(AuditEntry.at, AuditEntry.id)
    ).tuples().all()  # fmt: skip
    scoped = {str(details.get("unit")) for *_, details in rows if details.get("unit")}
    paths = dict(session.execute(select(OrgUnit.code, OrgUnit.path).where(OrgUnit.code.in_(scoped))).tuples().all())
    found = []
    for at, milestone, old, new, reason, details in rows:
        unit = details.get("unit")
        path = paths.get(unit, "") if unit else ""
        if unit and not (path.startswith(root.path) or root.path.startswith(path)):
            continue
        found.append(
            AmendmentRow(
                at=pendulum.instance(at).isoformat(),
                milestone=milestone,
                unit=unit,
                old_deadline=dt.date.fromisoformat(str(old)),
                new_deadline=dt.date.fromisoformat(str(new)),
                document=str(details.get("document", "")),
                reason=reason or "",
                units=int(details.get("units", 0)),
            )
        )
    return found


def reclassifications(session: Session, campaign: Campaign, root: OrgUnit) -> list[RerateRow]:
    """The ratings decided again (Quy định 366-QĐ/TW, Điều 15) of units in the view, oldest first."""
    query = (
        select(AuditEntry.at, AuditEntry.entity_key, AuditEntry.from_state, AuditEntry.to_state, AuditEntry.reason,
               AuditEntry.details)
        .join(OrgUnit, OrgUnit.code == AuditEntry.entity_key)
        .where(
            AuditEntry.campaign_id == campaign.id,
            AuditEntry.action == "rating.rerate",
            OrgUnit.path.startswith(root.path, autoescape=True),
        )
        .order_by(AuditEntry.at, AuditEntry.id)
    )  # fmt: skip
    return [
        RerateRow(
            at=pendulum.instance(at).isoformat(),
            unit=unit,
            decider=str(details.get("decider", "")),
            previous=previous or "",
            rating=rating or "",
            reason=reason or "",
        )
        for at, unit, previous, rating, reason, details in session.execute(query).tuples()
    ]
