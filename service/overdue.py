"""Units not yet reported, as a service operation: the whole campaign (the board) or a subtree an actor may read."""

from __future__ import annotations

import pendulum

from models.lookup import campaign_by_key, unit_by_code
from models.overdue import OverdueUnit, overdue_units
from service.access import Actor
from service.bootstrap import App


def campaign_overdue(app: App, campaign: str, root: str | None, now: pendulum.DateTime) -> list[OverdueUnit]:
    """Every unit past a deadline without reporting, under `root` (default: the campaign's root), longest first."""
    with app.unit_of_work() as session:
        found = campaign_by_key(session, campaign)
        unit = unit_by_code(session, root, field="root") if root is not None else None
        return overdue_units(session, found, unit, now)


def subtree_overdue(
    app: App, actor: Actor, campaign: str, root: str | None, now: pendulum.DateTime
) -> list[OverdueUnit]:
    """The same for a subtree the actor may read: a unit sees its own subtree (by default, its own)."""
    with app.unit_of_work() as session:
        found = campaign_by_key(session, campaign)
        code = root or (None if actor.admin else actor.unit_code)
        unit = None
        if code is not None:
            unit = unit_by_code(session, code, field="root")
            actor.require_read(unit)
        return overdue_units(session, found, unit, now)
