"""The launch flow: `kiemdiem campaign launch` as a Prefect flow run, for deployments and the simulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow

from models import clock
from service.access import Actor
from service.bootstrap import process_app
from service.campaigns import launch as launch_campaign


@flow(name="launch", log_prints=False)
def launch(config_path: str, at: str | None = None) -> dict[str, Any]:
    """Create the campaign, its assignments and the plan notices (one transaction); returns the launch summary."""
    now = clock.parse_instant(at) if at else clock.now()
    summary = launch_campaign(process_app(), Actor.operator("prefect:launch"), Path(config_path), now)
    return summary.model_dump()
