"""Service operations on campaigns: read a config file, launch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pendulum
from pydantic import BaseModel
from sqlalchemy import func, select, update

from models import db
from models.audit import audit
from models.campaign_config import CampaignConfig, parse_campaign_config
from models.enums import CampaignStatus
from models.errors import fail
from models.launch import LaunchSummary, launch_campaign
from models.lookup import campaign_by_key
from models.tables import Assignment, AuditEntry, Campaign
from service import faults
from service.access import Actor
from service.bootstrap import App
from service.documents import read_document

MAX_CONFIG_BYTES = 20 * 1024 * 1024  # a config is a page of YAML; the hostile-input corpus sends 10 MB strings


def read_config(path: Path, levels: tuple[str, ...]) -> CampaignConfig:
    return parse_campaign_config(read_document(path, MAX_CONFIG_BYTES), levels)


def launch(app: App, actor: Actor, config_path: Path, now: pendulum.DateTime) -> LaunchSummary:
    """Launch from a config file (the command line, the simulator, flows)."""
    return launch_config(app, actor, read_config(config_path, app.settings.levels), now)


def launch_document(app: App, actor: Actor, document: Any, now: pendulum.DateTime) -> LaunchSummary:
    """Launch from a config already read as data (the API's JSON body)."""
    actor.require_admin("triển khai đợt", "launch a campaign")
    return launch_config(app, actor, parse_campaign_config(document, app.settings.levels), now)


def launch_config(app: App, actor: Actor, config: CampaignConfig, now: pendulum.DateTime) -> LaunchSummary:
    """Create the campaign, its assignments and the plan notices in one transaction (the admin only), then let the
    planner see the new rows before the first sweep."""
    actor.require_admin("triển khai đợt", "launch a campaign")
    with app.unit_of_work() as session:
        summary = launch_campaign(session, config, now, actor.name)
        faults.reach("launch.before-commit")
    db.refresh_statistics(app.engine)
    return summary


def close(app: App, actor: Actor, key: str, now: pendulum.DateTime) -> CampaignState:
    """Close a campaign (the admin): results frozen, no more sweeps or notices, every change to an assignment
    refused until it is reopened. Audited."""
    return _move(app, actor, key, now, CampaignStatus.CLOSED, None)


def reopen(app: App, actor: Actor, key: str, reason: str, now: pendulum.DateTime) -> CampaignState:
    """Reopen a closed campaign (the admin, with a reason kept in the audit log)."""
    if not reason.strip():
        raise fail("reason_required", "mở lại đợt cần ghi lý do", "reopening needs a reason", field="reason")
    return _move(app, actor, key, now, CampaignStatus.ACTIVE, reason)


class CampaignState(BaseModel):
    campaign: str
    status: str
    changed: bool


AUTO_CLOSE = Actor.operator("system:auto-close")


def close_expired(app: App, now: pendulum.DateTime) -> list[str]:
    """Close every active campaign whose last deadline in force (tracks and extensions too) plus `close_after_days`
    has passed, unless the board reopened it after that instant (then the board closes it by hand). Audited as the
    system's act."""
    with app.unit_of_work() as session:
        last_due = dict(
            session.execute(
                select(Campaign.id, func.max(Assignment.due_before))
                .join(Assignment, Assignment.campaign_id == Campaign.id)
                .where(Campaign.status == CampaignStatus.ACTIVE)
                .group_by(Campaign.id)
            )
            .tuples()
            .all()
        )
        closing = {
            campaign.id: (campaign.key, _close_instant(campaign.config, last_due[campaign.id]))
            for campaign in session.scalars(select(Campaign).where(Campaign.id.in_(list(last_due))))
            if now >= _close_instant(campaign.config, last_due[campaign.id])
        }
        reopened = {
            campaign_id
            for campaign_id, at in session.execute(
                select(AuditEntry.campaign_id, AuditEntry.at).where(
                    AuditEntry.campaign_id.in_(list(closing)), AuditEntry.action == "campaign.reopen"
                )
            ).tuples()
            if campaign_id is not None and at >= closing[campaign_id][1]
        }
    closed = sorted(key for campaign_id, (key, _) in closing.items() if campaign_id not in reopened)
    for key in closed:
        _move(app, AUTO_CLOSE, key, now, CampaignStatus.CLOSED, None)
    return closed


def _close_instant(config: dict[str, Any], last_due: pendulum.DateTime) -> pendulum.DateTime:
    days = config.get("close_after_days", CampaignConfig.model_fields["close_after_days"].default)
    return pendulum.instance(last_due).add(days=int(days))


def _move(
    app: App, actor: Actor, key: str, now: pendulum.DateTime, to: CampaignStatus, reason: str | None
) -> CampaignState:
    actor.require_admin("đóng hoặc mở lại đợt", "close or reopen a campaign")
    with app.unit_of_work() as session:
        campaign = campaign_by_key(session, key)
        session.execute(  # the campaign row's lock: a change to an assignment under way finishes first
            update(Campaign).where(Campaign.id == campaign.id).values(status=campaign.status)
        )
        session.refresh(campaign)
        previous = campaign.status
        if previous == to:
            return CampaignState(campaign=key, status=previous, changed=False)
        campaign.status = to.value
        audit(
            session,
            at=now,
            actor=actor.name,
            action="campaign.close" if to == CampaignStatus.CLOSED else "campaign.reopen",
            campaign_id=campaign.id,
            entity="campaign",
            entity_key=key,
            from_state=previous,
            to_state=to.value,
            reason=reason,
        )
        return CampaignState(campaign=key, status=to.value, changed=True)
