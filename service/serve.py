"""`kiemdiem serve`: the long-running service. Serves a sweep deployment per active campaign, on the campaign's
schedule in its own timezone: every day at the send time, and hourly on each deadline day."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from models.campaign_config import CampaignConfig
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
        rows = session.scalars(select(Campaign).where(Campaign.status == "active").order_by(Campaign.key))
        return [CampaignConfig.model_validate(c.config) for c in rows]


def deployments(app: App) -> list[Any]:
    from prefect.schedules import Cron

    from flows.sweep import sweep

    return [
        sweep.to_deployment(
            name=f"sweep-{config.key}",
            parameters={"campaign": config.key},
            schedules=[Cron(line, timezone=config.timezone) for line in schedules(config)],
            description=f"Quét nhắc việc / reminder sweep: {config.title} ({config.plan_number})",
            tags=["kiemdiem", config.key],
        )
        for config in active_configs(app)
    ]


def start_api(app: App) -> Any:
    """The HTTP API in a thread beside the Prefect runner (same process, same database)."""
    import threading

    import uvicorn

    from service.api import create_api

    server = uvicorn.Server(
        uvicorn.Config(create_api(app), host=app.settings.api_host, port=app.settings.api_port, log_level="warning")
    )
    threading.Thread(target=server.run, name="kiemdiem-api", daemon=True).start()
    return server


def serve(app: App) -> None:
    from prefect import serve as prefect_serve

    found = deployments(app)
    if not found:
        from models.errors import fail

        raise fail(
            "no_active_campaign",
            "chưa có đợt nào đang chạy: kiemdiem campaign launch CONFIG.yaml",
            "no active campaign: kiemdiem campaign launch CONFIG.yaml",
        )
    start_api(app)
    prefect_serve(*found)
