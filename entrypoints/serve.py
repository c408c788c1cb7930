"""`kiemdiem serve`: the long-running service. Serves a sweep deployment per active campaign, on the campaign's
schedule in its own timezone: every day at the send time, and hourly on each deadline day."""

from __future__ import annotations

from typing import Any

from service.bootstrap import App
from service.schedules import active_configs, schedules


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

    from entrypoints.api import create_api

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
