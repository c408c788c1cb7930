"""What every step of one sweep needs of its campaign, read and validated once per sweep (not per batch, chunk or
message): the batches, the claims, the messages and the settling all take it."""

from __future__ import annotations

from dataclasses import dataclass

import pendulum
from sqlalchemy.orm import Session

from models.campaign_config import CampaignConfig
from models.lookup import campaign_by_key
from models.tables import OrgUnit


@dataclass(frozen=True)
class SweepContext:
    id: int
    key: str
    title: str
    plan_number: str
    timezone: str
    launched_at: pendulum.DateTime
    root_id: int
    root_path: str
    config: CampaignConfig

    @classmethod
    def load(cls, session: Session, key: str) -> SweepContext:
        campaign = campaign_by_key(session, key)
        root = session.get(OrgUnit, campaign.root_unit_id)
        assert root is not None
        return cls(
            id=campaign.id,
            key=campaign.key,
            title=campaign.title,
            plan_number=campaign.plan_number,
            timezone=campaign.timezone,
            launched_at=campaign.launched_at,
            root_id=root.id,
            root_path=root.path,
            config=CampaignConfig.model_validate(campaign.config),
        )
