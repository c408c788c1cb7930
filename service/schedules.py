"""When a campaign is swept: its schedule as cron lines in its own timezone, for `serve` and deployments."""

from __future__ import annotations

from sqlalchemy import select

from models.campaign_config import CampaignConfig
from models.enums import CampaignStatus
from models.tables import Campaign
from service.bootstrap import App


def schedules(config: CampaignConfig) -> list[str]:
    """Cron lines (minute hour day month weekday) of a campaign's sweeps, local to `config.timezone`. No two
    fire at one instant: the hourly deadline-day lines leave out the daily send hour."""
    send_at = config.reminders.send_at
    lines = [f"{send_at.minute} {send_at.hour} * * *"]
    other_hours = ",".join(str(hour) for hour in range(24) if hour != send_at.hour)
    for deadline in sorted({m.deadline for m in config.milestones}):
        lines.append(f"{send_at.minute} {other_hours} {deadline.day} {deadline.month} *")
    return lines


def active_configs(app: App) -> list[CampaignConfig]:
    with app.unit_of_work() as session:
        rows = session.scalars(select(Campaign).where(Campaign.status == CampaignStatus.ACTIVE).order_by(Campaign.key))
        return [CampaignConfig.model_validate(c.config) for c in rows]
