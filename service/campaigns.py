"""Service operations on campaigns: read a config file, launch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pendulum

from models import db
from models.campaign_config import CampaignConfig, parse_campaign_config
from models.launch import LaunchSummary, launch_campaign
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
