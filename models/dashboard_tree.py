"""The dashboard's reads of the tree: each child of a node with its whole subtree's figures (one query, by path
ranges, so the national tree's top page reads every assignment once), units found by code or name, and the
campaigns a unit takes part in."""

from __future__ import annotations

from typing import Any

import pendulum
from pydantic import BaseModel
from sqlalchemy import ColumnElement, String, and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from models.enums import AssignmentStatus
from models.tables import Assignment, Campaign, OrgUnit

DONE = (AssignmentStatus.SUBMITTED.value, AssignmentStatus.ACCEPTED.value)
EXEMPT = AssignmentStatus.EXEMPT.value


class NodeFigures(BaseModel):
    """A unit with the figures of its whole subtree (every milestone of the campaign together)."""

    code: str
    name: str
    level: str
    children: int = 0
    assignments: int = 0
    submitted: int = 0
    overdue: int = 0
    pending: int = 0
    exempt: int = 0

    @property
    def completion_pct(self) -> float:
        due = self.assignments - self.exempt
        return round(100.0 * self.submitted / due, 1) if due else 0.0


def path_column(session: Session, column: Any) -> Any:
    """The path compared bytewise: PostgreSQL's `COLLATE "C"` (its index ix_org_unit_path_c), SQLite's default."""
    return column.collate("C") if session.bind is not None and session.bind.dialect.name == "postgresql" else column


def subtree_range(session: Session, column: Any, path: Any) -> ColumnElement[bool]:
    """`column` lies in the subtree of `path` (`/1/5/`): `/1/5/` ≤ column < `/1/50` ('0' follows '/'), a range an
    index answers, where a LIKE with a pattern from another row is not."""
    upper = func.substr(path, 1, func.length(path) - 1).op("||")(literal("0", String))
    col = path_column(session, column)
    return and_(col >= path_column(session, path), col < path_column(session, upper))


def children_figures(session: Session, campaign_id: int, node: OrgUnit, now: pendulum.DateTime) -> list[NodeFigures]:
    """The node's children in code order, each with the figures of its subtree in this campaign."""
    child, unit = aliased(OrgUnit), aliased(OrgUnit)
    done = Assignment.status.in_(DONE)
    open_ = ~Assignment.status.in_((*DONE, EXEMPT))

    def count(condition: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    figures = (
        select(
            child.id,
            func.count(Assignment.id),
            count(done),
            count(and_(open_, Assignment.due_before <= now)),
            count(and_(open_, Assignment.due_before > now)),
            count(Assignment.status == EXEMPT),
        )
        .select_from(child)
        .join(unit, subtree_range(session, unit.path, child.path))
        .join(Assignment, and_(Assignment.unit_id == unit.id, Assignment.campaign_id == campaign_id))
        .where(child.parent_id == node.id)
        .group_by(child.id)
    )
    by_id = {row[0]: row[1:] for row in session.execute(figures).tuples()}
    grandchildren = aliased(OrgUnit)
    kids = (
        select(child.id, child.code, child.name, child.level, func.count(grandchildren.id))
        .outerjoin(grandchildren, grandchildren.parent_id == child.id)
        .where(child.parent_id == node.id)
        .group_by(child.id, child.code, child.name, child.level)
        .order_by(child.code)
    )
    found = []
    for child_id, code, name, level, below in session.execute(kids).tuples():
        numbers = by_id.get(child_id, (0, 0, 0, 0, 0))
        found.append(
            NodeFigures(
                code=code,
                name=name,
                level=level,
                children=below,
                assignments=numbers[0],
                submitted=numbers[1],
                overdue=numbers[2],
                pending=numbers[3],
                exempt=numbers[4],
            )
        )
    return [f for f in found if f.assignments]


def ancestors(session: Session, unit: OrgUnit, top_path: str | None) -> list[OrgUnit]:
    """The units from `top_path` (the reader's own unit, or the root) down to `unit`'s parent: the breadcrumb."""
    ids = [int(part) for part in unit.path.strip("/").split("/")[:-1] if part]
    rows = {u.id: u for u in session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids)))}
    chain = [rows[i] for i in ids if i in rows]
    return [u for u in chain if top_path is None or u.path.startswith(top_path)]


def search_units(session: Session, campaign_id: int, within: str, text: str, limit: int = 50) -> list[OrgUnit]:
    """Units of the campaign under the path `within` whose code or name holds `text` (any case)."""
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    query = (
        select(OrgUnit)
        .where(
            OrgUnit.path.startswith(within, autoescape=True),
            or_(OrgUnit.code.ilike(pattern, escape="\\"), OrgUnit.name.ilike(pattern, escape="\\")),
            exists().where(Assignment.unit_id == OrgUnit.id, Assignment.campaign_id == campaign_id),
        )
        .order_by(OrgUnit.depth, OrgUnit.code)
        .limit(limit)
    )
    return list(session.scalars(query))


def campaigns_for(session: Session, unit: OrgUnit | None) -> list[Campaign]:
    """Campaigns the reader takes part in: all for the board (None), else those with an assignment for the unit."""
    query = select(Campaign).order_by(Campaign.year.desc(), Campaign.key)
    if unit is not None:
        query = query.where(
            exists().where(Assignment.campaign_id == Campaign.id, Assignment.unit_id == unit.id)
            | (Campaign.root_unit_id == unit.id)
        )
    return list(session.scalars(query))
