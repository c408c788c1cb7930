"""`kiemdiem deploy …`: a production set-up (deploy/README.md). `check` verifies it, `migrate` brings the database to
the newest revision, `schedules` writes each active campaign's sweep schedules onto the work pool."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer

from entrypoints.cli.common import At, Fmt, Format, command, print_json, process_app
from models.errors import InputError, Problem

deploy_app = typer.Typer(no_args_is_help=True, help="Triển khai / a production set-up: check, migrate, schedules.")

Pool = Annotated[str, typer.Option("--pool", help="Prefect work pool (as in deploy/prefect.yaml).")]
MARKS = {"ok": "✓", "fail": "✗", "skipped": "·"}


def _settings() -> Any:
    from pydantic import ValidationError

    from service.settings import load_settings

    try:
        return load_settings()
    except ValidationError as error:
        raise InputError(
            [
                Problem(
                    rule="invalid_setting",
                    field="KIEMDIEM_" + str(e["loc"][0]).upper(),
                    vi=f"giá trị không hợp lệ: {e['msg']}",
                    en=f"invalid value: {e['msg']}",
                )
                for e in error.errors()
            ]
        ) from None


def _pool(pool: str) -> str:
    if not pool.strip():
        raise InputError([Problem(rule="required", field="--pool", vi="cần tên work pool", en="a work pool name")])
    return pool.strip()


@deploy_app.command("check")
@command
def check_cmd(
    pool: Pool = "kiemdiem",
    code_dir: Annotated[
        str | None, typer.Option("--code-dir", help="The workers' code folder (default KIEMDIEM_CODE_DIR).")
    ] = None,
    at: At = None,
    output: Fmt = Format.table,
) -> None:
    """Check a production set-up, one line per check: database reachable and migrated, Prefect API healthy, work
    pool with live workers, code directory, each active campaign's schedules (kiểm tra triển khai). Exit 1 when a
    check fails. Run it on every worker machine, with that machine's environment."""
    from service.deploy_check import Target, configured_api_url, run_checks

    target = Target(
        settings=_settings(),
        api_url=configured_api_url(),
        pool=_pool(pool),
        code_dir=code_dir or os.environ.get("KIEMDIEM_CODE_DIR"),
        now=at,
    )
    checks = run_checks(target)
    if output == Format.json:
        print_json([c.as_dict() for c in checks])
    else:
        for c in checks:
            fix = f" → {c.fix_vi} / {c.fix_en}" if c.fix_en else ""
            typer.echo(f"{MARKS[c.status]} {c.name}: {c.vi} / {c.en}{fix}")
        passed = sum(c.ok for c in checks)
        typer.echo(f"{passed}/{len(checks)} đạt / passed")
    if not all(c.ok for c in checks):
        raise typer.Exit(1)


@deploy_app.command("migrate")
@command
def migrate_cmd(at: At = None) -> None:
    """Bring KIEMDIEM_DATABASE_URL to the newest schema revision (chuyển đổi lược đồ); every command does it first,
    this does only that. Run it once, from one machine, before starting the rest."""
    from notifications.redact import redact_url
    from service.deploy_check import migrate

    app = process_app()
    revision = migrate(app)
    shown = redact_url(app.settings.resolved_database_url)
    typer.echo(f"cơ sở dữ liệu {shown} ở bản mới nhất / database at the newest revision: {revision}")


@deploy_app.command("schedules")
@command
def schedules_cmd(pool: Pool = "kiemdiem", at: At = None) -> None:
    """Write each active campaign's sweep schedules (its own timezone) as a deployment on the work pool, and remove
    those of campaigns no longer active (lịch quét theo đợt); set up the automations of deploy/automations.yaml (a
    lost run marked Crashed) and one concurrency limit per channel. Run it after a launch, or every few minutes."""
    from service.deploy_check import configured_api_url, prefect_client
    from service.deploy_schedules import lost_run_seconds, sync_automations, sync_channel_limits, sync_schedules

    api_url = configured_api_url()
    if not api_url:
        raise InputError(
            [
                Problem(
                    rule="required",
                    field="PREFECT_API_URL",
                    vi="chưa đặt PREFECT_API_URL (máy chủ Prefect dùng chung)",
                    en="PREFECT_API_URL is not set (the shared Prefect server)",
                )
            ]
        )
    try:
        within = lost_run_seconds()
    except ValueError as error:
        raise InputError(
            [
                Problem(
                    rule="invalid_setting",
                    field="KIEMDIEM_LOST_RUN_SECONDS",
                    vi=f"giá trị không hợp lệ: {error}",
                    en=f"invalid value: {error}",
                )
            ]
        ) from None
    app = process_app()
    with prefect_client(api_url) as client:
        synced = [
            sync_schedules(client, app.engine, _pool(pool)),
            sync_automations(client, within),
            sync_channel_limits(client),
        ]
    for verb_vi, verb_en, names in (
        ("ghi", "written", [n for s in synced for n in s.written]),
        ("giữ nguyên", "unchanged", [n for s in synced for n in s.unchanged]),
        ("xóa", "removed", [n for s in synced for n in s.removed]),
    ):
        for name in names:
            typer.echo(f"{verb_vi} / {verb_en}: {name}")
    if not (synced[0].written or synced[0].unchanged or synced[0].removed):
        typer.echo("chưa có đợt nào đang chạy / no active campaign")


@deploy_app.command("api")
@command
def api_cmd(
    host: Annotated[
        str | None, typer.Option("--host", help="Address to listen on (default KIEMDIEM_API_HOST).")
    ] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port (default KIEMDIEM_API_PORT).")] = None,
    workers: Annotated[
        int,
        typer.Option("--workers", min=1, help="Worker processes, each with its own connection pool and token cache."),
    ] = 1,
    at: At = None,
) -> None:
    """The HTTP API and the dashboard, without sweeps: for a set-up whose sweeps run on workers (`serve` would also
    run them in its own process). Migrates first, like every command. With `--workers N` each process builds its
    app from the environment (`--at` does not reach them)."""
    import uvicorn

    from entrypoints.api.server import serve
    from entrypoints.serve import web_app

    app = process_app()
    app.engine  # migrate before the first request, not during it  # noqa: B018
    host, port = host or app.settings.api_host, port or app.settings.api_port
    typer.echo(f"kiemdiem API + dashboard: http://{host}:{port}/ (/docs), {workers} worker(s)", err=True)
    if workers > 1:
        serve(host, port, workers)  # not uvicorn.run(workers=N): its socket stalls each answer ~40 ms (server.py)
    else:
        uvicorn.run(web_app(app), host=host, port=port, log_level="warning")
