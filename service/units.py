"""Service operations on the org tree: import a file, show the tree. Each owns its transaction."""

from __future__ import annotations

from pathlib import Path

import pendulum
from sqlalchemy import select

from models.audit import audit
from models.lookup import unit_by_code
from models.schemas import ImportSummary, UnitOut
from models.tables import OrgUnit
from models.tree import import_units
from service.bootstrap import App
from service.tree_files import read_tree_file


def apprise_url_ok(url: str) -> bool:
    from models.campaign_contacts import apprise_accepts

    return apprise_accepts(url)


def import_tree(app: App, path: Path, now: pendulum.DateTime, actor: str, allow_many_roots: bool) -> ImportSummary:
    rows = read_tree_file(path)
    with app.unit_of_work() as session:
        summary = import_units(session, rows, app.settings.levels, apprise_url_ok, now, allow_many_roots)
        if summary.created or summary.updated:
            audit(
                session,
                at=now,
                actor=actor,
                action="units.import",
                entity="file",
                entity_key=path.name,
                details=summary.model_dump(),
            )
    return summary


def tree(app: App, root_code: str | None) -> list[UnitOut]:
    """The tree (or the subtree under `root_code`) with member and unit totals per subtree."""
    with app.unit_of_work() as session:
        query = select(OrgUnit)
        if root_code is not None:
            root = unit_by_code(session, root_code, field="root")
            query = query.where(OrgUnit.path.startswith(root.path, autoescape=True))
        units = list(session.scalars(query.order_by(OrgUnit.depth.desc(), OrgUnit.code)))
    by_id = {u.id: u for u in units}
    children: dict[int, list[UnitOut]] = {}
    roots: list[UnitOut] = []
    for unit in units:  # deepest first, so a unit's children are built before it
        below = sorted(children.pop(unit.id, []), key=lambda n: n.code)
        node = UnitOut(
            code=unit.code,
            name=unit.name,
            level=unit.level,
            members=unit.members,
            contacts=len(unit.contacts),
            parent=by_id[unit.parent_id].code if unit.parent_id in by_id else None,
            subtree_members=unit.members + sum(c.subtree_members for c in below),
            subtree_units=1 + sum(c.subtree_units for c in below),
            children=below,
        )
        if unit.parent_id in by_id:
            children.setdefault(unit.parent_id, []).append(node)  # type: ignore[arg-type]
        else:
            roots.append(node)
    return sorted(roots, key=lambda n: n.code)
