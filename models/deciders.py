"""Who decides a unit's rating (cấp có thẩm quyền quyết định), by the management line (Quy định 366-QĐ/TW): the
committee directly above; but a unit below grassroots (a branch, or one under a đảng bộ bộ phận) is decided by its
grassroots committee, the intermediate committee only proposing. A grassroots organization placed directly under
the province is decided by the province, its parent."""

from __future__ import annotations

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session, aliased

from models.levels import level_rank
from models.tables import Assignment, OrgUnit

GRASSROOTS = "grassroots"


def decider_of(session: Session, unit: OrgUnit, levels: tuple[str, ...]) -> OrgUnit | None:
    """The unit that decides `unit`'s rating; None for the top of the tree."""
    if unit.parent_id is None:
        return None
    if level_rank(levels, unit.level) > level_rank(levels, GRASSROOTS):
        ids = [int(part) for part in unit.path.strip("/").split("/")[:-1]]
        grassroots = session.scalar(
            select(OrgUnit).where(OrgUnit.id.in_(ids), OrgUnit.level == GRASSROOTS).order_by(OrgUnit.depth.desc())
        )
        if grassroots is not None:
            return grassroots
    return session.get(OrgUnit, unit.parent_id)


def decided_by(campaign_id: int, decider: OrgUnit, levels: tuple[str, ...]) -> Select[tuple[OrgUnit]]:
    """The units of the campaign whose rating `decider` decides (its group, over which the quota is counted)."""
    assigned = select(Assignment.unit_id).where(Assignment.campaign_id == campaign_id)
    query = select(OrgUnit).where(OrgUnit.id.in_(assigned)).order_by(OrgUnit.code)
    if decider.level == GRASSROOTS:
        below = [level for level in levels if level_rank(levels, level) > level_rank(levels, GRASSROOTS)]
        return query.where(
            OrgUnit.path.startswith(decider.path, autoescape=True), OrgUnit.id != decider.id, OrgUnit.level.in_(below)
        )
    if level_rank(levels, decider.level) > level_rank(levels, GRASSROOTS):
        # Below grassroots (a đảng bộ bộ phận): its units are its grassroots committee's to decide, if it has one.
        ancestor = aliased(OrgUnit)
        ids = [int(part) for part in decider.path.strip("/").split("/")[:-1]]
        under_grassroots = exists().where(ancestor.id.in_(ids), ancestor.level == GRASSROOTS)
        return query.where(OrgUnit.parent_id == decider.id, ~under_grassroots)
    return query.where(OrgUnit.parent_id == decider.id)
