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


def web_app(app: App) -> Any:
    """The HTTP API with the dashboard mounted beside it: /api/… and /docs are the API's, every other path the
    dashboard's (a mount: the API's OpenAPI schema is unchanged)."""
    from entrypoints.api import create_api
    from entrypoints.dashboard import create_dashboard

    api = create_api(app)
    api.mount("/", create_dashboard(app))
    return api


def run_dashboard(app: App, host: str | None, port: int | None) -> None:
    """`kiemdiem dashboard`: the dashboard alone, in the foreground."""
    import uvicorn

    from entrypoints.dashboard import create_dashboard

    app.engine  # migrate before the first request, not during it  # noqa: B018
    host, port = host or app.settings.api_host, port or app.settings.api_port
    print(f"kiemdiem dashboard: http://{host}:{port}/", flush=True)
    uvicorn.run(create_dashboard(app), host=host, port=port, log_level="warning")


def start_api(app: App) -> Any:
    """The HTTP API and the dashboard in a thread beside the Prefect runner (same process, same database)."""
    import threading

    import uvicorn

    server = uvicorn.Server(
        uvicorn.Config(web_app(app), host=app.settings.api_host, port=app.settings.api_port, log_level="warning")
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
