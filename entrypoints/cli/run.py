"""Top-level commands: progress, serve, simulate, demo."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from entrypoints.cli.common import At, CampaignKey, Fmt, Format, actor, command, print_json, process_app
from models.errors import InputError, Problem


@command
def progress_cmd(
    campaign: CampaignKey,
    root: Annotated[str | None, typer.Option("--root", help="Only the subtree under this unit.")] = None,
    at_risk: Annotated[
        bool,
        typer.Option(
            "--at-risk",
            help="Instead: the open assignments at risk of missing their deadline, high first, each with its reasons.",
        ),
    ] = False,
    from_days: Annotated[
        int,
        typer.Option(
            "--from-days", min=0, max=366, help="With --at-risk: watch from this many days before a deadline."
        ),
    ] = 7,
    at: At = None,
    output: Fmt = Format.table,
) -> None:
    """Per-level progress and results (tiến độ theo cấp), beside last year's on the same day of its campaign (so
    với năm trước); with --at-risk, the units at risk of missing their
    deadline and why (đơn vị có nguy cơ chậm)."""
    if at_risk:
        from service.risk import risk_lines, units_at_risk

        risks = units_at_risk(process_app(), actor(), campaign, root, at, from_days)
        if output == Format.json:
            print_json(risks.model_dump())
            return
        typer.echo(f"{risks.campaign} · {risks.root} · {risks.at}")
        for line in risk_lines(risks):
            typer.echo(line)
        return
    from service import year_over_year
    from service.progress_view import progress_lines, subtree_progress

    app, who = process_app(), actor()
    report = subtree_progress(app, who, campaign, root, at)
    last_year = year_over_year.compare(app, campaign, root, at, who)
    if output == Format.json:
        print_json(report.model_dump() | {"year_over_year": last_year.model_dump() if last_year else None})
        return
    typer.echo(f"{report.campaign} · {report.root} · {report.at}")
    for line in [*progress_lines(report), *year_over_year.lines(last_year)]:
        typer.echo(line)


@command
def serve_cmd(at: At = None) -> None:
    """The long-running service: scheduled sweeps of every active campaign through Prefect, the HTTP API and the
    dashboard (chạy dịch vụ)."""
    from entrypoints.demo import prefect_environment
    from entrypoints.serve import active_configs, schedules, serve

    prefect_environment()
    app = process_app()
    for config in active_configs(app):
        typer.echo(f"sweep-{config.key}: {', '.join(schedules(config))} ({config.timezone})", err=True)
    serve(app)


@command
def dashboard_cmd(
    host: Annotated[
        str | None, typer.Option("--host", help="Address to listen on (default KIEMDIEM_API_HOST).")
    ] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port (default KIEMDIEM_API_PORT).")] = None,
    at: At = None,
) -> None:
    """The web dashboard alone, without sweeps (bảng theo dõi); `serve` also serves it beside the API. With --at,
    its pages see the clock run from TIME (a simulated campaign, as `kiemdiem demo` prints)."""
    from entrypoints.serve import run_dashboard
    from models import clock

    clock.run_from(at)
    run_dashboard(process_app(), host, port)


@command
def simulate_cmd(
    config: Annotated[Path, typer.Argument(help="Campaign config YAML.")],
    units: Annotated[Path, typer.Option("--units", help="Org tree file (CSV, XLSX or YAML).")],
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulated units' behaviour.")] = 2026,
    profile: Annotated[
        str, typer.Option("--profile", help="realistic, all-on-time, all-late or silent.")
    ] = "realistic",
    amend: Annotated[
        str | None,
        typer.Option(
            "--amend",
            help="MILESTONE:DATE[:UNIT]: the board moves that deadline on the campaign's sixth day, as a dispatch "
            "would (điều chỉnh thời hạn).",
        ),
    ] = None,
    history: Annotated[
        bool,
        typer.Option(
            "--history",
            help="Two consecutive years: the config's, then next year's written from it (launch --from), and the "
            "back-test of the units-at-risk levels on the second (lịch sử hai năm).",
        ),
    ] = False,
    persistence: Annotated[
        float,
        typer.Option(
            "--persistence", min=0.0, max=1.0, help="With --history: P(late again | late or never done last year)."
        ),
    ] = 0.6,
    at: At = None,
    output: Fmt = Format.table,
) -> None:
    """Run a whole campaign in simulated time with simulated units, on a database of its own (mô phỏng); with
    --history, two consecutive years and the back-test of the risk levels."""
    from entrypoints.demo import run_simulation
    from service.simulation import PROFILES

    if profile not in PROFILES:
        raise InputError(
            [
                Problem(
                    rule="unknown_profile",
                    field="--profile",
                    vi=f"không có kịch bản «{profile}» (có: {', '.join(PROFILES)})",
                    en=f"no profile '{profile}' (have: {', '.join(PROFILES)})",
                )
            ]
        )
    if history and amend:
        raise InputError(
            [
                Problem(
                    rule="history_with_amend",
                    field="--amend",
                    vi="--amend không dùng cùng --history",
                    en="--amend is not taken with --history",
                )
            ]
        )
    result = (
        _history(config, units, seed, profile, persistence)
        if history
        else run_simulation(config, units, seed, profile, amend)
    )
    if output == Format.json:
        print_json(result)


def _history(config_path: Path, units: Path, seed: int, profile: str, persistence: float) -> dict[str, Any]:
    """The history mode on `simulations/<campaign>-history.db` under KIEMDIEM_HOME, fresh (as run_simulation)."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    from entrypoints.demo import prefect_environment
    from flows.simulate import simulate_history
    from models import clock
    from service.bootstrap import build_app, install_app
    from service.campaigns import read_config
    from service.settings import load_settings
    from service.units import import_tree

    settings = load_settings()
    config = read_config(config_path, settings.levels)
    database = settings.home / "simulations" / f"{config.key}-history.db"
    database.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    app = build_app(settings.model_copy(update={"database_url": f"sqlite:///{database}"}))
    install_app(app)
    try:
        before = clock.parse_instant(f"{config.launch.isoformat()}T07:00:00+00:00").subtract(days=1)
        import_tree(app, units, before, "simulator", allow_many_roots=False)
        prefect_environment()
        with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            return simulate_history(str(config_path.resolve()), seed, profile, persistence)
    finally:
        clock.set_now(None)
        install_app(None)
        app.engine.dispose()


@command
def demo(
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulated units' behaviour.")] = 2026,
    at: At = None,
    output: Fmt = Format.table,
) -> None:
    """`simulate` on the built-in example: the seed district (Huyện ủy Củ Chi) and its campaign."""
    from entrypoints.demo import run_demo

    result = run_demo(seed)
    if output == Format.json:
        print_json(result)
        return
    hint = result["dashboard"]
    typer.echo("\nBảng theo dõi đợt mô phỏng / the dashboard on the simulated campaign:")
    typer.echo(f"  {hint['command']}")
    typer.echo(f"  Đăng nhập (ban tổ chức) / sign in (the board): {hint['link']}")
