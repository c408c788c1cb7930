"""Finding a campaign, a milestone or a unit by the key people type, with the one error message for each when there
is none."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.errors import fail
from models.tables import Campaign, Milestone, OrgUnit


def campaign_by_key(session: Session, key: str) -> Campaign:
    campaign = session.scalar(select(Campaign).where(Campaign.key == key))
    if campaign is None:
        raise fail("unknown_campaign", f"không có đợt «{key}»", f"no campaign '{key}'", field="campaign")
    return campaign


def milestone_by_key(session: Session, campaign: Campaign, key: str) -> Milestone:
    milestone = session.scalar(select(Milestone).where(Milestone.campaign_id == campaign.id, Milestone.key == key))
    if milestone is None:
        raise fail(
            "unknown_milestone",
            f"đợt «{campaign.key}» không có mốc «{key}»",
            f"campaign '{campaign.key}' has no milestone '{key}'",
            field="milestone",
        )
    return milestone


def unit_by_code(session: Session, code: str, field: str = "unit") -> OrgUnit:
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == code))
    if unit is None:
        raise fail("unknown_unit", f"không có đơn vị «{code}»", f"no unit '{code}'", field=field)
    return unit
