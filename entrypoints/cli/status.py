"""`kiemdiem status`: a unit's status along the chain (tình hình thực hiện)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

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
    required,
)

app = typer.Typer(no_args_is_help=True, help="A unit's status (tình hình thực hiện).")


@app.command("submit")
@command
def status_submit(
    campaign: CampaignKey,
    unit: UnitCode,
    milestone: MilestoneKey,
    report: Annotated[Path | None, typer.Option("--report", help="The unit's report (YAML or JSON).")] = None,
    override: Annotated[
        bool, typer.Option("--override", help="Board: let the unit submit before its children (needs --reason).")
    ] = False,
    reason: Annotated[str | None, typer.Option("--reason", help="Why the override is granted.")] = None,
    at: At = None,
    output: Fmt = Format.table,
) -> None:
    """Record a unit's completion of a milestone, and its report (báo cáo hoàn thành). A unit submits after its
    children assigned the same milestone (cấp dưới trước, cấp trên sau), unless the board overrides."""
    from service.status import read_report_file, submit_status

    if override and not (reason or "").strip():
        raise required("reason", "cho phép vượt (--override) cần ghi lý do", "--override needs a reason")
    parsed = read_report_file(report)
    result = submit_status(process_app(), actor(), campaign, unit, milestone, at, parsed, reason if override else None)
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


Decider = Annotated[str, typer.Option("--decider", help="Code of the deciding unit: the level directly above.")]


@app.command("decide")
@command
def status_decide(
    campaign: CampaignKey,
    decider: Decider,
    ratings: Annotated[
        Path | None, typer.Option("--ratings", help="YAML or JSON mapping of unit code to rating, or CSV code,rating.")
    ] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="One unit to rate (with --rating).")] = None,
    rating: Annotated[str | None, typer.Option("--rating", help="excellent, good, completed or not_completed.")] = None,
    override_reason: Annotated[
        str | None, typer.Option("--override-reason", help="Allow up to 25% excellent of good, and why.")
    ] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why (e.g. of a re-rating).")] = None,
    at: At = None,
    output: Fmt = Format.table,
) -> None:
    """The level above decides its units' ratings (quyết định xếp loại), all or nothing; deciding again re-rates.
    The quota (excellent at most 20% of good) is counted over all the units it decides."""
    from service.decisions import decide_ratings
    from service.rating_files import read_ratings

    given = read_ratings(ratings) if ratings else {}
    if unit or rating:
        if not (unit and rating):
            raise required("rating", "--unit đi cùng --rating", "--unit goes with --rating")
        given[unit] = rating
    if not given:
        raise required(
            "ratings", "cần --ratings FILE hoặc --unit và --rating", "give --ratings FILE or --unit and --rating"
        )
    view = decide_ratings(process_app(), actor(), campaign, decider, given, at, override_reason, reason)
    _print_group(view, output)


@app.command("ratings")
@command
def status_ratings(campaign: CampaignKey, decider: Decider, at: At = None, output: Fmt = Format.table) -> None:
    """The units a level decides: each one's self-rating beside the decision (tự đánh giá, quyết định)."""
    from service.decisions import rating_group

    _print_group(rating_group(process_app(), actor(), campaign, decider), output)


def _print_group(view: Any, output: Format) -> None:
    if output == Format.json:
        print_json(view.model_dump())
        return
    typer.echo(
        f"{view.decider}: {view.excellent} xuất sắc / excellent, {view.good} tốt / good "
        f"({view.excellent_pct_of_good:.1f}% của tốt / of good)"
    )
    for row in view.units:
        typer.echo(
            f"  {row.unit:<20} tự đánh giá / self: {row.self_rating or '—':<14} "
            f"quyết định / decided: {row.decision or '—'}"
        )
