"""The organization tree's import: the row checks (models.tree_rows), the checks across rows (models.tree_shape),
then the all-or-nothing upsert that follows them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import pendulum
from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from models.schemas import ImportSummary, UnitIn
from models.tables import OrgUnit
from models.tree_rows import (
    MAX_MEMBERS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    RawRow,
    UrlCheck,
    check_columns,
    code_problem,
    parse_rows,
)
from models.tree_shape import MAX_DEPTH, Placed, check_tree, shape

# The checks are imported from here by the file reader and the tests.
__all__ = [
    "MAX_DEPTH",
    "MAX_MEMBERS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "Placed",
    "RawRow",
    "check_columns",
    "check_tree",
    "code_problem",
    "import_units",
    "parse_rows",
    "shape",
]

_STORED = (
    OrgUnit.id,
    OrgUnit.code,
    OrgUnit.parent_id,
    OrgUnit.name,
    OrgUnit.level,
    OrgUnit.members,
    OrgUnit.contacts,
    OrgUnit.path,
)


def import_units(
    session: Session,
    rows: Sequence[RawRow],
    levels: tuple[str, ...],
    url_ok: UrlCheck,
    now: pendulum.DateTime,
    allow_many_roots: bool = False,
) -> ImportSummary:
    """Validate every row, then insert or update the units, in the caller's transaction (it commits or rolls back).

    Writes in bulk (one INSERT … RETURNING for the new units, one executemany UPDATE for the changed ones): a
    tree of tens of thousands of units is written in seconds, not the minutes one ORM object per unit takes.
    """
    units = parse_rows(rows, levels, url_ok)
    stored = {row.code: row for row in session.execute(select(*_STORED))}
    code_of = {row.id: row.code for row in stored.values()}
    existing = {
        code: Placed(code_of[row.parent_id] if row.parent_id is not None else None, row.level)
        for code, row in stored.items()
    }
    check_tree(units, rows, existing, levels, allow_many_roots)

    new = [u for u in units if u.code not in stored]
    changed = [u for u in units if u.code in stored and _differs(stored[u.code], u, existing[u.code].parent)]
    summary = ImportSummary(
        rows=len(units), created=len(new), updated=len(changed), unchanged=len(units) - len(new) - len(changed)
    )
    if not new and not changed:
        return summary
    ids = {code: row.id for code, row in stored.items()}
    table = cast(Table, OrgUnit.__table__)
    if new:
        fresh = [dict(_values(u, now), path="", depth=0, created_at=now) for u in new]
        inserted = session.execute(insert(table).returning(table.c.id, table.c.code), fresh)
        ids.update({code: id_ for id_, code in inserted})
    parents = {row.id: row.parent_id for row in stored.values()}
    parents.update({ids[u.code]: ids[u.parent] if u.parent else None for u in units})
    edited = {ids[u.code]: _values(u, now) for u in changed}
    placed = []
    for id_, (path, depth) in _paths(parents).items():
        if id_ in edited:
            edited[id_].update(parent_id=parents[id_], path=path, depth=depth)
        elif code_of.get(id_) not in stored or stored[code_of[id_]].path != path:  # new, or under a unit that moved
            placed.append({"_id": id_, "parent_id": parents[id_], "path": path, "depth": depth})
    by_id = table.c.id == bindparam("_id")
    if edited:
        session.execute(update(table).where(by_id), [{"_id": id_, **values} for id_, values in edited.items()])
    if placed:
        session.execute(update(table).where(by_id), placed)
    return summary


def _values(unit: UnitIn, now: pendulum.DateTime) -> dict[str, Any]:
    return {
        "code": unit.code,
        "name": unit.name,
        "level": unit.level,
        "members": unit.members,
        "contacts": list(unit.contacts),
        "updated_at": now,
    }


def _differs(row: Any, unit: UnitIn, parent_code: str | None) -> bool:
    return (row.name, row.level, row.members, tuple(row.contacts), parent_code) != (
        unit.name,
        unit.level,
        unit.members,
        unit.contacts,
        unit.parent,
    )


def _paths(parents: dict[int, int | None]) -> dict[int, tuple[str, int]]:
    """Materialized paths (`/1/7/42/`) and depths, top-down, so a subtree is one `path LIKE` away."""
    children: dict[int | None, list[int]] = {}
    for id_, parent in parents.items():
        children.setdefault(parent, []).append(id_)
    found: dict[int, tuple[str, int]] = {}
    stack: list[tuple[int, str, int]] = [(root, "/", 0) for root in children.get(None, [])]
    while stack:
        id_, prefix, depth = stack.pop()
        path = f"{prefix}{id_}/"
        found[id_] = (path, depth)
        stack.extend((child, path, depth + 1) for child in children.get(id_, []))
    return found
