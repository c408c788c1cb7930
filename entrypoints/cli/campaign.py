"""`kiemdiem campaign`: launch, sweep, close and reopen (đợt kiểm điểm)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from entrypoints.cli.common import At, Fmt, Format, MilestoneKey, actor, command, parse_date, print_json, process_app

app = typer.Typer(no_args_is_help=True, help="Campaigns (đợt kiểm điểm).")


@app.command("launch")
@command
def campaign_launch(
    config: Annotated[
        Path | None, typer.Argument(help="Campaign config YAML (see deploy/campaign.example.yaml); not with --from.")
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="KEY",
            help="Write next year's config from this closed campaign instead: printed (or --out), NOT launched.",
        ),
    ] = None,
    year: Annotated[int | None, typer.Option("--year", help="With --from: the new campaign's year.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="With --from: write the YAML to this file.")] = None,
    force: Annotated[bool, typer.Option("--force", help="With --out: overwrite the file if it exists.")] = False,
    at: At = None,
    output: Fmt = Format.table,
) -> None:
    """Create the campaign and its assignments, notify every unit; prints the campaign key (triển khai đợt).

    With --from KEY --year YEAR it launches nothing: it writes next year's config from a closed campaign (same
    milestones, rules, reminders, tracks; dates moved to YEAR; deadlines on a weekend or holiday flagged; plan number
    blank; units gone or moved listed) for the board to check, fill in and launch (lập đợt mới từ đợt năm trước)."""
    if (config is None) == (source is None):
        raise _usage("config", "cần đúng một trong hai: tệp CONFIG hoặc --from", "give exactly one: CONFIG or --from")
    if source is not None:
        _next_year(source, year, out, force, output)
        return
    if year is not None or out is not None or force:
        raise _usage("--year", "--year, --out, --force chỉ dùng với --from", "--year, --out, --force go with --from")
    assert config is not None
    from service.campaigns import launch

    summary = launch(process_app(), actor(), config, at)
    if output == Format.json:
        print_json(summary.model_dump())
        return
    typer.echo(summary.campaign)
    typer.echo(
        f"Đã triển khai đợt {summary.campaign} cho {summary.units} đơn vị dưới {summary.root}; "
        f"{summary.notices} thông báo kế hoạch đang chờ gửi / launched for {summary.units} "
        f"unit{'' if summary.units == 1 else 's'} under "
        f"{summary.root}; {summary.notices} plan notice{'' if summary.notices == 1 else 's'} queued",
        err=True,
    )
    for key, count in summary.assignments.items():
        typer.echo(f"  {key}: {count} đơn vị / units", err=True)
    for key in summary.empty_milestones:
        typer.echo(f"  cảnh báo / warning: mốc «{key}» không áp dụng cho đơn vị nào / applies to no unit", err=True)


def _usage(field: str, vi: str, en: str) -> Exception:
    from models.errors import fail

    return fail("usage", vi, en, field=field)


def _next_year(source: str, year: int | None, out: Path | None, force: bool, output: Format) -> None:
    """Next year's config from a closed campaign: to stdout or --out (never overwritten without --force); the
    flags and changed units also on stderr. Nothing is launched."""
    from entrypoints.cli.report import _output_file
    from service.next_year import from_last_year

    if year is None:
        raise _usage("--year", "--from cần --year (năm của đợt mới)", "--from needs --year (the new campaign's year)")
    plan = from_last_year(process_app(), source, year)
    text = plan.yaml()
    if out is None and output != Format.json:
        typer.echo(text, nl=False)
    elif out is not None:
        with _output_file(out, (".yaml", ".yml"), force) as temporary:
            temporary.write_text(text, encoding="utf-8")
    if output == Format.json:
        flags = [{"field": f.field, "day": f.day.isoformat(), "vi": f.vi, "en": f.en} for f in plan.flags]
        units = [
            {"unit": u.code, "change": u.change, "parent": u.parent_now, "vi": u.vi, "en": u.en} for u in plan.units
        ]
        summary = {"campaign": plan.key, "from": source, "out": str(out) if out else None, "flags": flags}
        print_json(summary | {"units": units} | ({} if out else {"yaml": text}))
        return
    where = f"ghi vào / written to {out}" if out else "in ra trên / printed above"
    typer.echo(
        f"Cấu hình đợt {plan.key} lập từ {source}, {where}; CHƯA triển khai: điền số kế hoạch rồi chạy "
        f"kiemdiem campaign launch / next year's config, NOT launched: fill in the plan number, then launch it",
        err=True,
    )
    for flag in plan.flags:
        typer.echo(f"  cảnh báo / warning: {flag.vi} / {flag.en}", err=True)
    for unit in plan.units:
        typer.echo(f"  đơn vị thay đổi / unit changed: {unit.vi} / {unit.en}", err=True)
    if plan.contacts_left_out:
        typer.echo(
            f"  {plan.contacts_left_out} địa chỉ liên hệ không được chép (chứa mật khẩu) / contact URLs not copied "
            "(they carry passwords)",
            err=True,
        )


@app.command("sweep")
@command
def campaign_sweep(
    campaign: Annotated[str | None, typer.Option("--campaign", help="One campaign; default: every active one.")] = None,
    at: At = None,
    output: Fmt = Format.table,
) -> None:
    """One sweep: decide due notices into the outbox, deliver what may be delivered now (quét nhắc việc)."""
    if os.environ.get("PREFECT_API_URL"):
        from flows.sweep import sweep as sweep_flow

        result = sweep_flow(campaign, at.isoformat())
    else:
        from service.sweeps import sweep

        app = process_app()
        result = sweep(app, campaign, at, app.sender)
    if output == Format.json:
        print_json(result)
    else:
        for key, counts in result["campaigns"].items():
            decided = ", ".join(f"{kind} {n}" for kind, n in counts["decided"].items()) or "—"
            delivered = ", ".join(f"{kind} {n}" for kind, n in counts["delivered"].items()) or "—"
            typer.echo(f"{key}: quyết định / decided: {decided}; gửi / delivery: {delivered}")
    for key in result.get("auto_closed", []):
        typer.echo(
            f"{key}: đã hết hạn cuối và thời gian chờ, đợt tự đóng / past its last deadline and grace: closed", err=True
        )
    for key in result.get("closed", []):
        typer.echo(f"{key}: đợt đã đóng, không quét / the campaign is closed, not swept", err=True)
    for key, error in result.get("failed", {}).items():
        typer.echo(f"{key}: quét không thành công / sweep failed: {error}", err=True)
    if result.get("failed"):
        raise typer.Exit(1)


@app.command("close")
@command
def campaign_close(
    key: Annotated[str, typer.Argument(help="Campaign key.")],
    at: At = None,
    output: Fmt = Format.table,
) -> None:
    """Close a campaign: results frozen, sweeps and notices stop, changes refused (kết thúc đợt)."""
    from service.campaigns import close

    _print_state(close(process_app(), actor(), key, at), output)


@app.command("reopen")
@command
def campaign_reopen(
    key: Annotated[str, typer.Argument(help="Campaign key.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is reopened (kept in the audit log).")],
    at: At = None,
    output: Fmt = Format.table,
) -> None:
    """Reopen a closed campaign, with a reason (mở lại đợt)."""
    from service.campaigns import reopen

    _print_state(reopen(process_app(), actor(), key, reason, at), output)


@app.command("amend")
@command
def campaign_amend(
    key: Annotated[str, typer.Argument(help="Campaign key.")],
    milestone: MilestoneKey,
    deadline: Annotated[str, typer.Option("--deadline", help="The new deadline (YYYY-MM-DD, local; until 23:59:59).")],
    document: Annotated[str, typer.Option("--document", help="The amending document's number, e.g. 1076-CV/ĐU.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the deadline moves (told to every unit concerned).")],
    unit: Annotated[
        str | None, typer.Option("--unit", help="Only this unit's subtree (default: the whole campaign).")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm an earlier deadline.")] = False,
    at: At = None,
    output: Fmt = Format.table,
) -> None:
    """Move a milestone's deadline while the campaign runs (điều chỉnh thời hạn): audited, and one "deadline
    changed" notice to every unit still concerned; from then on its notices follow the new date."""
    from service.amend import Amendment, amend_deadline

    new = parse_date(deadline, "--deadline")
    assert new is not None
    change = Amendment(milestone, new, document, reason, unit, yes)
    done = amend_deadline(process_app(), actor(), key, change, at)
    if output == Format.json:
        print_json(done.model_dump())
        return
    scope = f"{done.unit} và cấp dưới / and below" if done.unit else "toàn đợt / whole campaign"
    typer.echo(
        f"{done.campaign} · {done.milestone} ({scope}): {done.old_deadline} → {done.new_deadline}; "
        f"{done.units} đơn vị được thông báo / units told; {done.overdue_now} quá hạn ngay / overdue at once"
    )


def _print_state(state: Any, output: Format) -> None:
    if output == Format.json:
        print_json(state.model_dump())
        return
    words = {"closed": "đã đóng / closed", "active": "đang chạy / active"}
    unchanged = "" if state.changed else " (không đổi / unchanged)"
    typer.echo(f"{state.campaign}: {words.get(state.status, state.status)}{unchanged}")
