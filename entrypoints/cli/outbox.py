"""`kiemdiem outbox` and `kiemdiem notify`: every notice, its delivery, and the channels (hộp thư đi)."""

from __future__ import annotations

from typing import Annotated

import typer

from entrypoints.cli.common import At, CampaignKey, Fmt, Format, actor, command, print_json, process_app
from models.errors import InputError, Problem

outbox_app = typer.Typer(invoke_without_command=True, help="Every notice and its delivery (hộp thư đi).")
notify_app = typer.Typer(no_args_is_help=True, help="Notification channels (kênh thông báo).")


@outbox_app.callback()
@command
def outbox_list(
    ctx: typer.Context,
    campaign: Annotated[str | None, typer.Option("--campaign", help="Campaign key.")] = None,
    status: Annotated[str | None, typer.Option("--status", help="Only entries in this state.")] = None,
    at: At = None,
    output: Fmt = Format.table,
) -> None:
    """Every notice: key, unit, milestone, kind, days, recipients, status, times (hộp thư đi)."""
    if ctx.invoked_subcommand is not None:
        return
    if campaign is None:
        raise InputError(
            [Problem(rule="required", field="--campaign", vi="cần --campaign KEY", en="--campaign KEY is required")]
        )
    from service.outbox_view import list_outbox

    rows = list_outbox(process_app(), campaign, status)
    if output == Format.json:
        print_json(rows)
        return
    typer.echo(
        f"{'key':<60} {'unit':<22} {'milestone':<18} {'kind':<11} {'days':>4} {'recipients':<24} "
        f"{'status':<8} {'deliver after':<25} sent at"
    )
    for row in rows:
        typer.echo(
            f"{row['key']:<60} {row['unit']:<22} {row['milestone'] or '-':<18} {row['kind']:<11} "
            f"{row['days']:>4} {' '.join(row['recipients']):<24} {row['status']:<8} {row['deliver_after']:<25} "
            f"{row['sent_at'] or '-'}"
        )
    typer.echo(f"{len(rows)} thông báo / notices")


@outbox_app.command("retry")
@command
def outbox_retry(
    campaign: CampaignKey,
    at: At = None,
    output: Fmt = Format.table,
) -> None:
    """Queue the failed notices of a campaign again, with a fresh count of attempts (gửi lại)."""
    from service.outbox_view import retry_failed

    count = retry_failed(process_app(), campaign, at, actor().name)
    if output == Format.json:
        print_json({"campaign": campaign, "requeued": count})
    else:
        typer.echo(f"{count} thông báo được gửi lại ở lần quét tới / notices queued again for the next sweep")


@outbox_app.command("resend")
@command
def outbox_resend(
    campaign: CampaignKey,
    uncertain: Annotated[
        bool, typer.Option("--uncertain", help="Resend the notices that may not have arrived (required).")
    ] = False,
    at: At = None,
    output: Fmt = Format.table,
) -> None:
    """Send the uncertain notices again, to every channel: some people may get one twice (gửi lại tin chưa chắc
    đã đến)."""
    if not uncertain:
        raise InputError(
            [
                Problem(
                    rule="required",
                    field="--uncertain",
                    vi="cần --uncertain: chỉ gửi lại các thông báo có thể chưa đến",
                    en="--uncertain is required: only notices that may not have arrived are resent",
                )
            ]
        )
    from service.outbox_view import resend_uncertain

    count = resend_uncertain(process_app(), campaign, at, actor().name)
    if output == Format.json:
        print_json({"campaign": campaign, "requeued": count})
    else:
        typer.echo(f"{count} thông báo sẽ được gửi lại ở lần quét tới / notices to be sent again at the next sweep")


@notify_app.command("test")
@command
def notify_test(
    unit: Annotated[str, typer.Argument(help="Unit code.")],
    at: At = None,
    output: Fmt = Format.table,
) -> None:
    """Send a test message to each of a unit's contacts, and say which accepted it (gửi thử)."""
    from service.outbox_view import test_contacts

    results = test_contacts(process_app(), unit, at)
    if output == Format.json:
        print_json(results)
    else:
        for row in results:
            typer.echo(f"{row['target']}: {'ok' if row['ok'] else 'LỖI / FAILED: ' + (row['error'] or '')}")
        if not results:
            typer.echo(f"{unit}: chưa có địa chỉ liên hệ / no contacts")
    if not results or not all(row["ok"] for row in results):
        raise typer.Exit(1)
