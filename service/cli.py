"""The `kiemdiem` command line (SPEC §7). Thin: parse, call the service layer, print. Heavy imports stay lazy so
`kiemdiem --help` answers at once and no one-shot command starts a Prefect server."""

from __future__ import annotations

import enum
import functools
import getpass
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from models import clock
from models.errors import InputError, Problem

app = typer.Typer(
    name="kiemdiem",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    help="Kiểm điểm, đánh giá, xếp loại chất lượng: launch, remind, escalate, collect, report.",
)
units_app = typer.Typer(no_args_is_help=True, help="The organization tree (cây tổ chức đảng).")
campaign_app = typer.Typer(no_args_is_help=True, help="Campaigns (đợt kiểm điểm).")
status_app = typer.Typer(no_args_is_help=True, help="A unit's status (tình hình thực hiện).")
app.add_typer(units_app, name="units")
app.add_typer(campaign_app, name="campaign")
app.add_typer(status_app, name="status")


class Format(enum.StrEnum):
    table = "table"
    json = "json"


At = Annotated[
    str | None,
    typer.Option(
        "--at", metavar="TIME", help="Run as if now were TIME (ISO 8601 with offset, e.g. 2026-12-10T23:59:59+07:00)."
    ),
]
Fmt = Annotated[Format, typer.Option("--format", help="Output format.")]

F = TypeVar("F", bound=Callable[..., Any])


def command(fn: F) -> F:
    """Set the clock from --at, and turn every error into a message and an exit code: 2 bad input, 1 failure."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        as_json = kwargs.get("output") == Format.json
        try:
            if kwargs.get("at") is not None:  # `--at ""` is an error, not "now"
                clock.set_now(_parse_at(kwargs["at"]))
            return fn(*args, **kwargs)
        except InputError as error:
            _print_problems(error.problems, as_json)
            raise typer.Exit(2) from None
        except (typer.Exit, typer.Abort):
            raise
        except BrokenPipeError:  # `kiemdiem units tree | head`: the reader left, nothing is wrong
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
            raise typer.Exit(0) from None
        except Exception as error:  # the last line of defence: a message, never a stack trace
            from notifications.redact import redact

            if os.environ.get("KIEMDIEM_DEBUG"):  # for developers only: the trace, still redacted
                import traceback

                typer.echo(redact(traceback.format_exc()), err=True)
            typer.echo(f"Lỗi hệ thống / internal error: {type(error).__name__}: {redact(str(error))}", err=True)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def _parse_at(text: str) -> Any:
    try:
        return clock.parse_instant(text)
    except Exception:
        raise InputError(
            [
                Problem(
                    rule="invalid_time",
                    field="--at",
                    vi=f"«{text}» không phải thời điểm ISO 8601 có múi giờ (ví dụ 2026-12-10T23:59:59+07:00)",
                    en=f"'{text}' is not an ISO 8601 time with an offset (e.g. 2026-12-10T23:59:59+07:00)",
                )
            ]
        ) from None


def _print_problems(problems: list[Problem], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps({"errors": [p.as_dict() for p in problems]}, ensure_ascii=False), err=True)
        return
    typer.echo(
        f"Dữ liệu không hợp lệ, không có gì thay đổi / invalid input, nothing changed ({len(problems)}):", err=True
    )
    for problem in problems:
        typer.echo(f"- {problem.render()}", err=True)


def _app() -> Any:
    from service.bootstrap import build_app

    return build_app()


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli"


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@units_app.command("import")
@command
def units_import(
    file: Annotated[
        Path, typer.Argument(help="CSV, XLSX or YAML with columns code, parent, name, level, members, contacts.")
    ],
    many_roots: Annotated[bool, typer.Option("--many-roots", help="Allow several roots in one file.")] = False,
    at: At = None,
    output: Fmt = Format.table,
) -> None:
    """Load or update the org tree from a file, all or nothing (nhập cây tổ chức)."""
    from service.units import import_tree

    summary = import_tree(_app(), file, clock.now(), _actor(), many_roots)
    if output == Format.json:
        _print_json(summary.model_dump())
    else:
        typer.echo(
            f"Đã nhập {summary.rows} đơn vị: {summary.created} mới, {summary.updated} cập nhật, "
            f"{summary.unchanged} không đổi / imported {summary.rows} units: {summary.created} new, "
            f"{summary.updated} updated, {summary.unchanged} unchanged"
        )


@units_app.command("tree")
@command
def units_tree(
    root: Annotated[str | None, typer.Option("--root", help="Show only the subtree under this unit code.")] = None,
    depth: Annotated[int | None, typer.Option("--depth", min=0, help="Show this many levels below the root.")] = None,
    at: At = None,
    output: Fmt = Format.table,
) -> None:
    """Show the tree with levels and member counts (cây tổ chức)."""
    from service.units import tree

    roots = tree(_app(), root)
    if output == Format.json:
        _print_json([r.model_dump() for r in roots])
        return
    if not roots:
        typer.echo("Chưa có đơn vị nào / no units yet: kiemdiem units import FILE")
    for node in roots:
        _print_node(node, 0, depth)


def _print_node(node: Any, indent: int, depth: int | None) -> None:
    from service.numbers import vn_int

    typer.echo(
        f"{'  ' * indent}{node.code}  [{node.level}]  {node.name}  — {vn_int(node.subtree_members)} đảng viên"
        f" / members, {vn_int(node.subtree_units)} đơn vị / units"
    )
    if depth is None or indent < depth:
        for child in node.children:
            _print_node(child, indent + 1, depth)


@campaign_app.command("launch")
@command
def campaign_launch(
    config: Annotated[Path, typer.Argument(help="Campaign config YAML (see deploy/campaign.example.yaml).")],
    at: At = None,
    output: Fmt = Format.table,
) -> None:
    """Create the campaign and its assignments, notify every unit; prints the campaign key (triển khai đợt)."""
    from service.campaigns import launch

    summary = launch(_app(), config, clock.now(), _actor())
    if output == Format.json:
        _print_json(summary.model_dump())
        return
    typer.echo(summary.campaign)
    typer.echo(
        f"Đã triển khai đợt {summary.campaign} cho {summary.units} đơn vị dưới {summary.root}; "
        f"{summary.notices} thông báo kế hoạch đang chờ gửi / launched for {summary.units} units under "
        f"{summary.root}; {summary.notices} plan notices queued",
        err=True,
    )
    for key, count in summary.assignments.items():
        typer.echo(f"  {key}: {count} đơn vị / units", err=True)
    for key in summary.empty_milestones:
        typer.echo(f"  cảnh báo / warning: mốc «{key}» không áp dụng cho đơn vị nào / applies to no unit", err=True)


@campaign_app.command("sweep")
@command
def campaign_sweep(
    campaign: Annotated[str | None, typer.Option("--campaign", help="One campaign; default: every active one.")] = None,
    at: At = None,
    output: Fmt = Format.table,
) -> None:
    """One sweep: decide due notices into the outbox, deliver what may be delivered now (quét nhắc việc)."""
    if os.environ.get("PREFECT_API_URL"):
        from flows.sweep import sweep as sweep_flow

        result = sweep_flow(campaign, clock.now().isoformat())
    else:
        from notifications.senders import AppriseSender
        from service.sweeps import sweep

        result = sweep(_app(), campaign, clock.now(), AppriseSender())
    if output == Format.json:
        _print_json(result)
    else:
        for key, counts in result["campaigns"].items():
            decided = ", ".join(f"{kind} {n}" for kind, n in counts["decided"].items()) or "—"
            delivered = ", ".join(f"{kind} {n}" for kind, n in counts["delivered"].items()) or "—"
            typer.echo(f"{key}: quyết định / decided: {decided}; gửi / delivery: {delivered}")
    for key, error in result.get("failed", {}).items():
        typer.echo(f"{key}: quét không thành công / sweep failed: {error}", err=True)
    if result.get("failed"):
        raise typer.Exit(1)


@status_app.command("submit")
@command
def status_submit(
    campaign: Annotated[str, typer.Option("--campaign", help="Campaign key.")],
    unit: Annotated[str, typer.Option("--unit", help="Unit code.")],
    milestone: Annotated[str, typer.Option("--milestone", help="Milestone key.")],
    report: Annotated[Path | None, typer.Option("--report", help="The unit's report (YAML or JSON).")] = None,
    at: At = None,
    output: Fmt = Format.table,
) -> None:
    """Record a unit's completion of a milestone, and its report (báo cáo hoàn thành)."""
    from service.status import submit_status

    result = submit_status(_app(), campaign, unit, milestone, clock.now(), _actor(), report)
    if output == Format.json:
        _print_json(result)
        return
    timing = "đúng hạn / on time" if result["on_time"] else "trễ hạn / late"
    typer.echo(f"{unit} · {milestone}: {result['status']} ({timing})")


outbox_app = typer.Typer(invoke_without_command=True, help="Every notice and its delivery (hộp thư đi).")
notify_app = typer.Typer(no_args_is_help=True, help="Notification channels (kênh thông báo).")
app.add_typer(outbox_app, name="outbox")
app.add_typer(notify_app, name="notify")


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

    rows = list_outbox(_app(), campaign, status)
    if output == Format.json:
        _print_json(rows)
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
    campaign: Annotated[str, typer.Option("--campaign", help="Campaign key.")],
    at: At = None,
    output: Fmt = Format.table,
) -> None:
    """Queue the failed notices of a campaign again, with a fresh count of attempts (gửi lại)."""
    from service.outbox_view import retry_failed

    count = retry_failed(_app(), campaign, clock.now(), _actor())
    if output == Format.json:
        _print_json({"campaign": campaign, "requeued": count})
    else:
        typer.echo(f"{count} thông báo được gửi lại ở lần quét tới / notices queued again for the next sweep")


@outbox_app.command("resend")
@command
def outbox_resend(
    campaign: Annotated[str, typer.Option("--campaign", help="Campaign key.")],
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

    count = resend_uncertain(_app(), campaign, clock.now(), _actor())
    if output == Format.json:
        _print_json({"campaign": campaign, "requeued": count})
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

    results = test_contacts(_app(), unit, clock.now())
    if output == Format.json:
        _print_json(results)
    else:
        for row in results:
            typer.echo(f"{row['target']}: {'ok' if row['ok'] else 'LỖI / FAILED: ' + (row['error'] or '')}")
        if not results:
            typer.echo(f"{unit}: chưa có địa chỉ liên hệ / no contacts")
    if not results or not all(row["ok"] for row in results):
        raise typer.Exit(1)


def _date(text: str | None, field: str) -> Any:
    import datetime as dt

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(
            [
                Problem(
                    rule="invalid_date",
                    field=field,
                    vi=f"«{text}» không phải ngày YYYY-MM-DD",
                    en=f"'{text}' is not a date YYYY-MM-DD",
                )
            ]
        ) from None


@status_app.command("set")
@command
def status_set(
    campaign: Annotated[str, typer.Option("--campaign", help="Campaign key.")],
    unit: Annotated[str, typer.Option("--unit", help="Unit code.")],
    milestone: Annotated[str, typer.Option("--milestone", help="Milestone key.")],
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
    from service.status import set_status

    result = set_status(
        _app(),
        campaign,
        unit,
        milestone,
        state,
        clock.now(),
        _actor(),
        reason,
        _date(until, "--until"),
        override,
        _date(meeting_date, "--meeting-date"),
    )
    if output == Format.json:
        _print_json(result)
    else:
        typer.echo(f"{unit} · {milestone}: {result['status']} (hạn / due before {result['due_before']})")


@status_app.command("extend")
@command
def status_extend(
    campaign: Annotated[str, typer.Option("--campaign", help="Campaign key.")],
    unit: Annotated[str, typer.Option("--unit", help="Unit code.")],
    milestone: Annotated[str, typer.Option("--milestone", help="Milestone key.")],
    until: Annotated[str, typer.Option("--until", help="The new deadline (YYYY-MM-DD, local).")],
    reason: Annotated[str, typer.Option("--reason", help="Why the extension is granted.")],
    at: At = None,
    output: Fmt = Format.table,
) -> None:
    """Grant one unit a later deadline; its notices are rescheduled (gia hạn)."""
    from service.status import extend_deadline

    result = extend_deadline(_app(), campaign, unit, milestone, _date(until, "--until"), clock.now(), _actor(), reason)
    if output == Format.json:
        _print_json(result)
    else:
        typer.echo(f"{unit} · {milestone}: gia hạn đến / extended to {until}")


tokens_app = typer.Typer(no_args_is_help=True, help="API tokens (mã truy cập).")
app.add_typer(tokens_app, name="tokens")


@tokens_app.command("issue")
@command
def tokens_issue(
    unit: Annotated[str | None, typer.Argument(help="The unit the token acts for.")] = None,
    admin: Annotated[bool, typer.Option("--admin", help="A token for the organizing board (everything).")] = False,
    at: At = None,
    output: Fmt = Format.table,
) -> None:
    """Issue an API token and print it, once: only its hash is kept (cấp mã truy cập)."""
    from models.tokens import issue

    if (unit is None) == (not admin):
        raise InputError(
            [
                Problem(
                    rule="required", field="UNIT", vi="cần mã đơn vị, hoặc --admin", en="give a unit code, or --admin"
                )
            ]
        )
    with _app().unit_of_work() as session:
        token = issue(session, unit, clock.now())
    typer.echo(json.dumps({"token": token, "unit": unit}) if output == Format.json else token)


@tokens_app.command("revoke")
@command
def tokens_revoke(
    prefix: Annotated[str, typer.Argument(help="The token's first 10 characters.")],
    at: At = None,
    output: Fmt = Format.table,
) -> None:
    """Revoke a token (thu hồi mã truy cập)."""
    from models.tokens import revoke

    with _app().unit_of_work() as session:
        count = revoke(session, prefix, clock.now())
    if not count:
        raise InputError(
            [Problem(rule="unknown_token", field="PREFIX", vi="không có mã nào như vậy", en="no such token")]
        )
    typer.echo(f"{count} revoked")


report_app = typer.Typer(invoke_without_command=True, help="The board's report, and the units' forms (báo cáo).")
app.add_typer(report_app, name="report")
Force = Annotated[bool, typer.Option("--force", help="Overwrite the --out file if it already exists.")]


@contextmanager
def _output_file(out: Path, suffixes: tuple[str, ...], force: bool) -> Iterator[Path]:
    """Check `--out` before any work (a known suffix, an existing folder, no file overwritten without --force), give
    the writer a temporary file beside it, and put that in place only once it is written whole."""
    import secrets

    def refuse(rule: str, vi: str, en: str) -> InputError:
        return InputError([Problem(rule=rule, field="--out", vi=f"--out {out}: {vi}", en=f"--out {out}: {en}")])

    allowed = ", ".join(suffixes)
    if out.is_dir():
        raise refuse("out_is_folder", "đây là thư mục, cần tên tệp", "this is a folder: give a file name")
    if out.suffix.lower() not in suffixes:
        raise refuse("unknown_format", f"lệnh này chỉ ghi tệp {allowed}", f"this command writes {allowed} only")
    if not out.parent.is_dir():
        raise refuse(
            "no_such_folder",
            f"thư mục «{out.parent}» không tồn tại; hãy tạo trước",
            f"folder '{out.parent}' does not exist; create it first",
        )
    if not os.access(out.parent, os.W_OK | os.X_OK):
        raise refuse("folder_not_writable", f"không ghi được vào «{out.parent}»", f"cannot write into '{out.parent}'")
    exists = refuse("file_exists", "tệp đã có; thêm --force để ghi đè", "the file exists; add --force to overwrite it")
    if (out.exists() or out.is_symlink()) and not force:
        raise exists
    temporary = out.with_name(f".{out.stem}.{secrets.token_hex(4)}.part{out.suffix}")
    try:
        yield temporary
        if force:
            os.replace(temporary, out)
        else:
            try:
                os.link(temporary, out)  # fails if the file appeared meanwhile: nothing is overwritten
            except FileExistsError:
                raise exists from None
            except OSError:  # a file system without hard links: check, then move
                if out.exists():
                    raise exists from None
                os.replace(temporary, out)
    finally:
        temporary.unlink(missing_ok=True)


@report_app.callback()
@command
def report_board(
    ctx: typer.Context,
    campaign: Annotated[str | None, typer.Option("--campaign", help="Campaign key.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="FILE.xlsx, FILE.html or FILE.pdf")] = None,
    root: Annotated[str | None, typer.Option("--root", help="Only the subtree under this unit.")] = None,
    force: Force = False,
    at: At = None,
    output: Fmt = Format.table,
) -> None:
    """The board's report: results per subject and progress per level, as the offices file them (báo cáo)."""
    if ctx.invoked_subcommand is not None:
        return
    if campaign is None or out is None:
        raise InputError(
            [
                Problem(
                    rule="required",
                    field="--campaign/--out",
                    vi="cần --campaign KEY và --out FILE",
                    en="--campaign KEY and --out FILE are required",
                )
            ]
        )
    from service.progress_view import write_board_report

    with _output_file(out, (".xlsx", ".html", ".pdf"), force) as temporary:
        write_board_report(_app(), campaign, root, temporary, clock.now())
    typer.echo(str(out))


@report_app.command("template")
@command
def report_template(
    campaign: Annotated[str, typer.Option("--campaign", help="Campaign key.")],
    unit: Annotated[str, typer.Option("--unit", help="Unit code.")],
    milestone: Annotated[str, typer.Option("--milestone", help="Milestone key.")] = "grassroots_review",
    out: Annotated[
        Path | None, typer.Option("--out", help="Where to write the form (.xlsx); default CAMPAIGN-UNIT.xlsx here.")
    ] = None,
    force: Force = False,
    at: At = None,
    output: Fmt = Format.table,
) -> None:
    """Write the XLSX form a unit fills in offline, signed for that unit (biểu mẫu báo cáo)."""
    import re

    from service.status import write_form

    out = out or Path(re.sub(r"[^\w.-]", "_", f"{campaign}-{unit}") + ".xlsx")
    with _output_file(out, (".xlsx",), force) as temporary:
        write_form(_app(), campaign, unit, milestone, temporary, clock.now())
    typer.echo(str(out))


@status_app.command("import")
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

    result = import_form(_app(), file, clock.now(), _actor())
    if output == Format.json:
        _print_json(result)
    else:
        timing = "đúng hạn / on time" if result["on_time"] else "trễ hạn / late"
        typer.echo(f"{result['unit']} · {result['milestone']}: {result['status']} ({timing})")


@app.command("progress")
@command
def progress_cmd(
    campaign: Annotated[str, typer.Option("--campaign", help="Campaign key.")],
    root: Annotated[str | None, typer.Option("--root", help="Only the subtree under this unit.")] = None,
    at: At = None,
    output: Fmt = Format.table,
) -> None:
    """Per-level progress and results (tiến độ theo cấp)."""
    from service.progress_view import campaign_progress, progress_lines

    report = campaign_progress(_app(), campaign, root, clock.now())
    if output == Format.json:
        _print_json(report.model_dump())
        return
    typer.echo(f"{report.campaign} · {report.root} · {report.at}")
    for line in progress_lines(report):
        typer.echo(line)


@app.command("serve")
@command
def serve_cmd(at: At = None, output: Fmt = Format.table) -> None:
    """The long-running service: scheduled sweeps of every active campaign through Prefect (chạy dịch vụ)."""
    from service.demo import prefect_environment

    prefect_environment()
    from service.serve import schedules, serve

    app = _app()
    from service.serve import active_configs

    for config in active_configs(app):
        typer.echo(f"sweep-{config.key}: {', '.join(schedules(config))} ({config.timezone})", err=True)
    serve(app)


@app.command("simulate")
@command
def simulate_cmd(
    config: Annotated[Path, typer.Argument(help="Campaign config YAML.")],
    units: Annotated[Path, typer.Option("--units", help="Org tree file (CSV, XLSX or YAML).")],
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulated units' behaviour.")] = 2026,
    profile: Annotated[
        str, typer.Option("--profile", help="realistic, all-on-time, all-late or silent.")
    ] = "realistic",
    at: At = None,
    output: Fmt = Format.table,
) -> None:
    """Run a whole campaign in simulated time with simulated units, on a database of its own (mô phỏng)."""
    from service.demo import run_simulation
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
    result = run_simulation(config, units, seed, profile)
    if output == Format.json:
        _print_json(result)


@app.command("demo")
@command
def demo(
    seed: Annotated[int, typer.Option("--seed", help="Seed of the simulated units' behaviour.")] = 2026,
    at: At = None,
    output: Fmt = Format.table,
) -> None:
    """`simulate` on the built-in example: the seed district (Huyện ủy Củ Chi) and its campaign."""
    from service.demo import run_demo

    result = run_demo(seed)
    if output == Format.json:
        _print_json(result)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
