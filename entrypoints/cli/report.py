"""`kiemdiem report`: the board's report and the units' offline forms (báo cáo)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from entrypoints.cli.common import At, CampaignKey, Fmt, Format, MilestoneKey, UnitCode, command, process_app
from models.errors import InputError, Problem

report_app = typer.Typer(invoke_without_command=True, help="The board's report, and the units' forms (báo cáo).")
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
    """The board's report, as the offices file it (báo cáo): results per subject, tables (a) organizations and (b)
    members per subordinate unit with their total, progress per level, and the units not yet reported."""
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
    from service.board_report import write_board_report

    with _output_file(out, (".xlsx", ".html", ".pdf"), force) as temporary:
        write_board_report(process_app(), campaign, root, temporary, at)
    typer.echo(str(out))


@report_app.command("template")
@command
def report_template(
    campaign: CampaignKey,
    unit: UnitCode,
    milestone: MilestoneKey = "grassroots_review",
    out: Annotated[
        Path | None, typer.Option("--out", help="Where to write the form (.xlsx); default CAMPAIGN-UNIT.xlsx here.")
    ] = None,
    force: Force = False,
    at: At = None,
) -> None:
    """Write the XLSX form a unit fills in offline, signed for that unit (biểu mẫu báo cáo)."""
    import re

    from service.status import write_form

    out = out or Path(re.sub(r"[^\w.-]", "_", f"{campaign}-{unit}") + ".xlsx")
    with _output_file(out, (".xlsx",), force) as temporary:
        write_form(process_app(), campaign, unit, milestone, temporary, at)
    typer.echo(str(out))
