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
from service.bootstrap import App


def read_config(path: Path, levels: tuple[str, ...]) -> CampaignConfig:
    import yaml

    if not path.is_file():
        raise fail("file_not_found", f"không tìm thấy tệp {path}", f"file not found: {path}")
    try:
        raw: Any = yaml.safe_load(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise fail("not_utf8", f"tệp {path.name} không phải UTF-8", f"file {path.name} is not UTF-8") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise fail(
            "invalid_yaml",
            f"tệp {path.name} không phải YAML hợp lệ",
            f"file {path.name} is not valid YAML",
            row=mark.line + 1 if mark else None,
        ) from None
    return parse_campaign_config(raw, levels)


def launch(app: App, config_path: Path, now: pendulum.DateTime, actor: str) -> LaunchSummary:
    config = read_config(config_path, app.settings.levels)
    with app.unit_of_work() as session:
        summary = launch_campaign(session, config, now, actor)
        faults.reach("launch.before-commit")
    db.refresh_statistics(app.engine)
    return summary
