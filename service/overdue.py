"""Units not yet reported, as a service operation: the whole campaign (the board) or a subtree an actor may read."""

from __future__ import annotations

import pendulum
from sqlalchemy.orm import Session

from models.lookup import campaign_by_key, unit_by_code
from models.overdue import OverdueList, OverdueUnit, overdue_list, overdue_units
from models.tables import OrgUnit
from service.access import Actor
from service.bootstrap import App


def subtree_overdue(
    app: App, actor: Actor, campaign: str, root: str | None, now: pendulum.DateTime, limit: int | None = None
) -> list[OverdueUnit]:
    """Every unit past a deadline without reporting, longest first (the first `limit`; None: all), under `root`:
    a subtree the actor may read (a unit sees its own subtree, by default its own)."""
    with app.unit_of_work() as session:
        found = campaign_by_key(session, campaign)
        return overdue_units(session, found, _readable(session, actor, root), now, limit)


def subtree_overdue_listed(
    app: App, actor: Actor, campaign: str, root: str | None, now: pendulum.DateTime, limit: int
) -> OverdueList:
    """The first `limit` of `subtree_overdue`, with the count of all (the dashboard lists the longest overdue)."""
    with app.unit_of_work() as session:
        found = campaign_by_key(session, campaign)
        return overdue_list(session, found, _readable(session, actor, root), now, limit)


def _readable(session: Session, actor: Actor, root: str | None) -> OrgUnit | None:
    code = root or (None if actor.admin else actor.unit_code)
    if code is None:
        return None
    unit = unit_by_code(session, code, field="root")
    actor.require_read(unit)
    return unit
