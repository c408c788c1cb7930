"""`kiemdiem status`: a unit's status along the chain (tình hình thực hiện)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from entrypoints.cli.common import (
    At,
    CampaignKey,
    Fmt,
    Format,
    MilestoneKey,
    UnitCode,
    actor,
    command,
    parse_date,
    print_json,
    process_app,
)

app = typer.Typer(no_args_is_help=True, help="A unit's status (tình hình thực hiện).")


@app.command("submit")
@command
def status_submit(
    campaign: CampaignKey,
    unit: UnitCode,
    milestone: MilestoneKey,
    report: Annotated[Path | None, typer.Option("--report", help="The unit's report (YAML or JSON).")] = None,
    at: At = None,
    output: Fmt = Format.table,
) -> None:
    """Record a unit's completion of a milestone, and its report (báo cáo hoàn thành)."""
    from service.status import read_report_file, submit_status

    result = submit_status(process_app(), actor(), campaign, unit, milestone, at, read_report_file(report))
    if output == Format.json:
        print_json(result.model_dump(exclude={"due_before"}))
        return
    timing = "đúng hạn / on time" if result.on_time else "trễ hạn / late"
    typer.echo(f"{unit} · {milestone}: {result.status} ({timing})")


@app.command("set")
@command
def status_set(
    campaign: CampaignKey,
    unit: UnitCode,
    milestone: MilestoneKey,
    state: Annotated[str, typer.Option("--state", help="in_progress, returned, exempt, accepted (or pending).")],
    reason: Annotated[str | None, typer.Option("--reason", help="Why (required to return or exempt).")] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="A new deadline (YYYY-MM-DD), e.g. with returned.")
    ] = None,
    override: Annotated[bool, typer.Option("--override", help="Admin: accept before all children submitted.")] = False,
    meeting_date: Annotated[
        str | None, typer.Option("--meeting-date", help="Day of the self-review meeting (with in_progress).")
    ] = None,
    at: At = None,
    output: Fmt = Format.table,
) -> None:
    """Move a unit's assignment along the chain: in progress, returned, exempt, accepted (chuyển trạng thái)."""
    from service.status import StateChange, set_status

    change = StateChange(
        state, reason, parse_date(until, "--until"), override, parse_date(meeting_date, "--meeting-date")
    )
    result = set_status(process_app(), actor(), campaign, unit, milestone, change, at)
    if output == Format.json:
        print_json(result.model_dump())
    else:
        typer.echo(f"{unit} · {milestone}: {result.status} (hạn / due before {result.due_before})")


@app.command("extend")
@command
def status_extend(
    campaign: CampaignKey,
    unit: UnitCode,
    milestone: MilestoneKey,
    until: Annotated[str, typer.Option("--until", help="The new deadline (YYYY-MM-DD, local).")],
    reason: Annotated[str, typer.Option("--reason", help="Why the extension is granted.")],
    at: At = None,
    output: Fmt = Format.table,
) -> None:
    """Grant one unit a later deadline; its notices are rescheduled (gia hạn)."""
    from service.status import extend_deadline

    new_deadline = parse_date(until, "--until")
    result = extend_deadline(process_app(), actor(), campaign, unit, milestone, new_deadline, reason, at)
    if output == Format.json:
        print_json(result.model_dump())
    else:
        typer.echo(f"{unit} · {milestone}: gia hạn đến / extended to {until}")


@app.command("import")
@command
def status_import(
    file: Annotated[Path, typer.Argument(help="A filled-in form from `kiemdiem report template`.")],
    at: At = None,
    output: Fmt = Format.table,
) -> None:
    """Submit a filled-in XLSX form, with the same checks as `status submit` (nhập biểu mẫu).

    Refused, with nothing changed, if the form was altered to name another unit, campaign or milestone than the one
    it was made for (its signature no longer matches), or a count cell holds a formula."""
    from service.status import import_form

    result = import_form(process_app(), actor(), file, at)
    if output == Format.json:
        print_json(result.model_dump(exclude={"due_before", "submitted_at"}))
    else:
        timing = "đúng hạn / on time" if result.on_time else "trễ hạn / late"
        typer.echo(f"{result.unit} · {result.milestone}: {result.status} ({timing})")
