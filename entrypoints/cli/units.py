"""`kiemdiem units`: the organization tree (cây tổ chức đảng)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from entrypoints.cli.common import At, Fmt, Format, actor, command, print_json, process_app

app = typer.Typer(no_args_is_help=True, help="The organization tree (cây tổ chức đảng).")


@app.command("import")
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

    summary = import_tree(process_app(), file, at, actor().name, many_roots)
    if output == Format.json:
        print_json(summary.model_dump())
    else:
        typer.echo(
            f"Đã nhập {summary.rows} đơn vị: {summary.created} mới, {summary.updated} cập nhật, "
            f"{summary.unchanged} không đổi / imported {summary.rows} units: {summary.created} new, "
            f"{summary.updated} updated, {summary.unchanged} unchanged"
        )


@app.command("tree")
@command
def units_tree(
    root: Annotated[str | None, typer.Option("--root", help="Show only the subtree under this unit code.")] = None,
    depth: Annotated[int | None, typer.Option("--depth", min=0, help="Show this many levels below the root.")] = None,
    at: At = None,
    output: Fmt = Format.table,
) -> None:
    """Show the tree with levels and member counts (cây tổ chức)."""
    from service.units import tree

    roots = tree(process_app(), root)
    if output == Format.json:
        print_json([r.model_dump() for r in roots])
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
