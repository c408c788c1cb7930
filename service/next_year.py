"""Next year's campaign config from a closed campaign (issue 16): reads the campaign and the tree as it is now, and
lets models.next_year write the config. Nothing is launched and nothing is written to the database."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from models.campaign_config import CampaignConfig
from models.enums import CampaignStatus
from models.errors import fail
from models.next_year import NextYear, UnitChange, next_year
from models.tables import Assignment, Campaign, OrgUnit
from service.bootstrap import App


def from_last_year(app: App, key: str, year: int) -> NextYear:
    """Next year's config from the closed campaign `key`, with its dates, flags and changed units."""
    with app.unit_of_work() as session:
        campaign = session.scalar(select(Campaign).where(Campaign.key == key))
        if campaign is None:
            raise fail("unknown_campaign", f"không có đợt «{key}»", f"no campaign '{key}'", field="--from")
        if campaign.status != CampaignStatus.CLOSED:
            raise fail(
                "campaign_not_closed",
                f"đợt «{key}» chưa kết thúc; chỉ lập đợt mới từ đợt đã đóng (kiemdiem campaign close {key})",
                f"campaign '{key}' is not closed; next year's is written from a closed one "
                f"(kiemdiem campaign close {key})",
                field="--from",
            )
        if not campaign.year < year <= 2100:
            raise fail(
                "year_not_after",
                f"năm {year} phải sau năm của đợt «{key}» ({campaign.year})",
                f"year {year} must come after the year of '{key}' ({campaign.year})",
                field="--year",
            )
        changes = changed_units(session, campaign)
        source = CampaignConfig.model_validate(campaign.config)
    return next_year(source, year, changes)


def changed_units(session: Session, campaign: Campaign) -> list[UnitChange]:
    """The units the campaign covered (its assignments) that are no longer under its root, or whose parent now is
    a unit the campaign did not know: created after its launch or outside it (the tree was re-imported).

    The tree keeps no history of parents: a move between two units that both existed then is not seen."""
    root = session.get(OrgUnit, campaign.root_unit_id)
    assert root is not None
    parent = aliased(OrgUnit)
    covered = set(session.scalars(select(Assignment.unit_id).where(Assignment.campaign_id == campaign.id)))
    rows = list(
        session.execute(
            select(OrgUnit.id, OrgUnit.code, OrgUnit.path, OrgUnit.level, parent.id, parent.code, parent.level)
            .add_columns(parent.created_at)
            .outerjoin(parent, parent.id == OrgUnit.parent_id)
            .where(OrgUnit.id.in_(covered))
        ).tuples()
    )
    levels = {row[3] for row in rows}  # a parent of these levels outside the campaign was not there at its launch
    found = []
    for unit_id, code, path, _level, parent_id, parent_code, parent_level, parent_created in rows:
        if not path.startswith(root.path):
            found.append(UnitChange(code, "removed"))
        elif unit_id != root.id and parent_id is not None:
            unknown = parent_id not in covered and parent_level in levels
            if unknown or (parent_created is not None and parent_created > campaign.launched_at):
                found.append(UnitChange(code, "moved", parent_code))
    return found
