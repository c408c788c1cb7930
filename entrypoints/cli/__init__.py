"""The `kiemdiem` command line (SPEC §7), one module per command group. Thin: parse, call the service layer, print.
Heavy imports stay lazy so `kiemdiem --help` answers at once and no one-shot command starts a Prefect server."""

from __future__ import annotations

import sys

import typer

from entrypoints.cli import campaign, deploy, outbox, report, run, status, tokens, units

app = typer.Typer(
    name="kiemdiem",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    help="Kiểm điểm, đánh giá, xếp loại chất lượng: launch, remind, escalate, collect, report.",
)
app.add_typer(units.app, name="units")
app.add_typer(campaign.app, name="campaign")
app.add_typer(status.app, name="status")
app.add_typer(outbox.outbox_app, name="outbox")
app.add_typer(outbox.notify_app, name="notify")
app.add_typer(tokens.tokens_app, name="tokens")
app.add_typer(report.report_app, name="report")
app.add_typer(deploy.deploy_app, name="deploy")
for command in (run.progress_cmd, run.serve_cmd, run.dashboard_cmd, run.simulate_cmd, run.demo):
    app.command(command.__name__.removesuffix("_cmd"))(command)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
