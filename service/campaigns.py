"""Service operations on campaigns: read a config file, launch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pendulum

from models import db
from models.campaign_config import CampaignConfig, parse_campaign_config
from models.errors import fail
from models.launch import LaunchSummary, launch_campaign
from service import faults
from service.access import Actor
from service.bootstrap import App

MAX_CONFIG_BYTES = 20_000_000  # a config is a page of YAML; the hostile-input corpus sends 10 MB strings


def read_config(path: Path, levels: tuple[str, ...]) -> CampaignConfig:
    from service.tree_files import load_plain_yaml

    if not path.is_file():
        raise fail("file_not_found", f"không tìm thấy tệp {path}", f"file not found: {path}")
    if path.stat().st_size > MAX_CONFIG_BYTES:
        raise fail(
            "file_too_large",
            f"tệp {path.name} quá lớn (tối đa {MAX_CONFIG_BYTES // 1_000_000} MB)",
            f"file {path.name} is too large (at most {MAX_CONFIG_BYTES // 1_000_000} MB)",
        )
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise fail("not_utf8", f"tệp {path.name} không phải UTF-8", f"file {path.name} is not UTF-8") from None
    raw, _node = load_plain_yaml(text, path.name, numbers_as_written=False)
    return parse_campaign_config(raw, levels)


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
