"""The board amends a running campaign's deadline (điều chỉnh thời hạn), for the whole campaign or one subtree."""

from __future__ import annotations

import pendulum
from pydantic import BaseModel

from models.amend import Amendment, amend

__all__ = ["AmendedView", "Amendment", "amend_deadline"]  # Amendment: what the entry points fill in
from models.lookup import campaign_by_key
from service.access import Actor
from service.bootstrap import App


class AmendedView(BaseModel):
    campaign: str
    milestone: str
    unit: str | None
    old_deadline: str
    new_deadline: str
    units: int
    overdue_now: int


def amend_deadline(app: App, actor: Actor, campaign: str, change: Amendment, now: pendulum.DateTime) -> AmendedView:
    """Audited; one `deadline_changed` notice per unit still concerned; the admin only."""
    actor.require_admin("điều chỉnh thời hạn của đợt", "amend a campaign's deadlines")
    with app.unit_of_work() as session:
        done = amend(session, campaign_by_key(session, campaign), change, now, actor.name)
    return AmendedView(
        campaign=done.campaign,
        milestone=done.milestone,
        unit=done.unit,
        old_deadline=done.old_deadline.isoformat(),
        new_deadline=done.new_deadline.isoformat(),
        units=done.units,
        overdue_now=done.overdue_now,
    )
