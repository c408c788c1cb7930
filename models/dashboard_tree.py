"""The dashboard's reads of the tree: each child of a node with its whole subtree's figures (one query over the
node's subtree, so the national tree's top page reads every assignment once), units found by code or name, and
the campaigns a unit takes part in."""

from __future__ import annotations

from typing import Any

import pendulum
from pydantic import BaseModel
from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select
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


def children_figures(session: Session, campaign_id: int, node: OrgUnit, now: pendulum.DateTime) -> list[NodeFigures]:
    """The node's children in code order, each with the figures of its subtree in this campaign: one pass over the
    node's subtree, grouped by each unit's path cut after the child's id (`/1/5/` + `23/`)."""
    done = Assignment.status.in_(DONE)
    open_ = ~Assignment.status.in_((*DONE, EXEMPT))

    def count(condition: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    length = len(node.path)
    find = func.strpos if session.bind is not None and session.bind.dialect.name == "postgresql" else func.instr
    prefix = func.substr(OrgUnit.path, 1, length + find(func.substr(OrgUnit.path, length + 1), "/"))
    figures = (
        select(
            prefix,
            func.count(Assignment.id),
            count(done),
            count(and_(open_, Assignment.due_before <= now)),
            count(and_(open_, Assignment.due_before > now)),
            count(Assignment.status == EXEMPT),
        )
        .join(OrgUnit, OrgUnit.id == Assignment.unit_id)
        .where(
            Assignment.campaign_id == campaign_id,
            OrgUnit.path.startswith(node.path, autoescape=True),
            OrgUnit.id != node.id,
        )
        .group_by(prefix)
    )
    by_path = {row[0]: row[1:] for row in session.execute(figures).tuples()}
    child, grandchildren = aliased(OrgUnit), aliased(OrgUnit)
    kids = (
        select(child.path, child.code, child.name, child.level, func.count(grandchildren.id))
        .outerjoin(grandchildren, grandchildren.parent_id == child.id)
        .where(child.parent_id == node.id)
        .group_by(child.id, child.path, child.code, child.name, child.level)
        .order_by(child.code)
    )
    found = []
    for path, code, name, level, below in session.execute(kids).tuples():
        numbers = by_path.get(path)
        if numbers is None:
            continue  # no assignment in that subtree (added after the launch, or outside the campaign's levels)
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
    return found


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
