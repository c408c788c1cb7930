"""A unit's page: what the unit, its parents and the board see of one unit in one campaign."""

from __future__ import annotations

from sqlalchemy import select

from models.lookup import campaign_by_key, unit_by_code
from models.tables import Assignment, Milestone, OutboxEntry
from service.access import Actor
from service.bootstrap import App
from service.views import AssignmentView, NoticeView, UnitPage


def unit_page(app: App, actor: Actor, campaign: str, unit: str) -> UnitPage:
    """Its assignments and notices, never its contact addresses; for an actor that may read that unit."""
    with app.unit_of_work() as session:
        found = campaign_by_key(session, campaign)
        target = unit_by_code(session, unit, field="unit")
        actor.require_read(target)
        assignments = session.execute(
            select(Assignment, Milestone.key)
            .join(Milestone)
            .where(Assignment.campaign_id == found.id, Assignment.unit_id == target.id)
            .order_by(Milestone.position)
        ).tuples()
        notices = session.scalars(
            select(OutboxEntry)
            .where(OutboxEntry.campaign_id == found.id, OutboxEntry.unit_id == target.id)
            .order_by(OutboxEntry.id)
        )
        return UnitPage(
            unit=target.code,
            name=target.name,
            level=target.level,
            assignments=[AssignmentView.of(a, campaign, unit, key) for a, key in assignments],
            notices=[
                NoticeView(
                    key=n.key, kind=n.kind, days=n.days, status=n.status, deliver_after=n.deliver_after.isoformat()
                )
                for n in notices
            ],
        )
