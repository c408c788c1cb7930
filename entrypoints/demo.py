"""`kiemdiem simulate` and `kiemdiem demo`: a whole campaign in simulated time, on a database of its own."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pendulum

from models import clock
from service.bootstrap import App, build_app, install_app
from service.campaigns import read_config
from service.settings import load_settings
from service.units import import_tree

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
EXAMPLE_TREE = DEPLOY / "examples" / "district.csv"
EXAMPLE_CAMPAIGN = DEPLOY / "campaign.example.yaml"


def prefect_environment() -> None:
    """Settings Prefect needs on these machines (PREFECT-NOTES.md), unless the operator set them."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def run_simulation(
    config_path: Path, units_path: Path, seed: int, profile: str, amend: str | None = None
) -> dict[str, Any]:
    """Import the units and run the simulate flow on `simulations/<campaign>.db` under KIEMDIEM_HOME, fresh."""
    settings = load_settings()
    config = read_config(config_path, settings.levels)
    database = settings.home / "simulations" / f"{config.key}.db"
    database.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    app = build_app(settings.model_copy(update={"database_url": f"sqlite:///{database}"}))
    install_app(app)  # the flows of this process use the simulation's database
    try:
        return _simulate(app, config_path, units_path, config, seed, profile, amend)
    finally:
        clock.set_now(None)
        install_app(None)
        app.engine.dispose()


def _simulate(
    app: App, config_path: Path, units_path: Path, config: Any, seed: int, profile: str, amend: str | None
) -> dict[str, Any]:
    launch_day = pendulum.datetime(config.launch.year, config.launch.month, config.launch.day, 7, tz=config.timezone)
    import_tree(app, units_path, launch_day, "simulator", allow_many_roots=False)
    prefect_environment()
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    from flows.simulate import simulate

    # Heartbeats cost a second per flow run here and tell a one-process simulation nothing.
    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        return simulate(str(config_path.resolve()), seed, profile, amend)


def run_demo(seed: int) -> dict[str, Any]:
    result = run_simulation(EXAMPLE_CAMPAIGN, EXAMPLE_TREE, seed, "realistic")
    return result | {"dashboard": dashboard_hint(result)}


def dashboard_hint(result: dict[str, Any]) -> dict[str, str]:
    """How to open the dashboard on the simulated campaign: the command that serves it on the simulation's database
    at the simulation's last instant, and a sign-in link for the board (a token issued now, in that database)."""
    import shlex
    import sys

    from service.dashboard_auth import sign_in_link
    from service.tokens import issue_token

    settings = load_settings()
    url = f"sqlite:///{settings.home / 'simulations' / (result['campaign'] + '.db')}"
    app = build_app(settings.model_copy(update={"database_url": url}))
    try:
        at = result["progress"]["at"]
        token = issue_token(app, None, clock.parse_instant(at))
        link = sign_in_link(app, token)
    finally:
        app.engine.dispose()
    env = f"KIEMDIEM_HOME={shlex.quote(str(settings.home))} KIEMDIEM_DATABASE_URL={shlex.quote(url)}"
    program = sys.argv[0] if Path(sys.argv[0]).name == "kiemdiem" else "kiemdiem"
    return {"command": f"{env} {shlex.quote(program)} dashboard --at {at}", "link": link}
