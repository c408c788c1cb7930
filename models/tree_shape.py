"""The tree a file makes with the units already stored, checked across rows: duplicate codes, unknown parents,
more than one root, cycles, depth and level order. Linear in the number of units, whatever the tree's shape.

Limits, each a refusal naming the row:
- at most MAX_DEPTH levels from a root to its deepest unit (the country has five: province to branch). This
  also keeps `org_unit.path` (`/id/id/…/`, String(512)) from overflowing: 12 ids of at most 19 digits (a 64-bit
  key) with their slashes take 12 × 20 + 1 = 241 characters.
- a child's level is below its parent's in the configured order (top to bottom); not necessarily one below,
  since real trees are uneven (a grassroots organization may sit directly under a province or a commune).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from models.errors import InputError, Problem, capped
from models.schemas import UnitIn
from models.tree_rows import RawRow, shown

MAX_DEPTH = 12


@dataclass(frozen=True)
class Placed:
    """Where a unit sits in the tree: its parent's code and its level."""

    parent: str | None
    level: str


def check_tree(
    units: Sequence[UnitIn],
    rows: Sequence[RawRow],
    existing: dict[str, Placed],
    levels: tuple[str, ...],
    allow_many_roots: bool,
) -> None:
    """Checks across rows: duplicate codes, unknown parents, more than one root, cycles, depth, level order.

    `existing` places the units already in the database; the file's rows win over them. Linear in the number of
    units (file and database), whatever the tree's shape.
    """
    problems: list[Problem] = []
    numbers = {id(u): r.number for u, r in zip(units, rows, strict=True)}
    first_row: dict[str, int] = {}
    for unit in units:
        number = numbers[id(unit)]
        if unit.code in first_row:
            problems.append(
                Problem(
                    rule="duplicate_code",
                    row=number,
                    field="code",
                    vi=f"mã «{unit.code}» trùng với dòng {first_row[unit.code]}",
                    en=f"code '{unit.code}' repeats row {first_row[unit.code]}",
                )
            )
        else:
            first_row[unit.code] = number
    tree = dict(existing)
    tree.update({u.code: Placed(u.parent, u.level) for u in units})
    for unit in units:
        if unit.parent is not None and unit.parent not in tree:
            problems.append(
                Problem(
                    rule="unknown_parent",
                    row=numbers[id(unit)],
                    field="parent",
                    vi=f"đơn vị cấp trên «{unit.parent}» không có trong tệp hay trong cơ sở dữ liệu",
                    en=f"parent '{unit.parent}' is neither in the file nor in the database",
                )
            )
    roots = [u for u in units if u.parent is None]
    if len(roots) > 1 and not allow_many_roots:
        first = roots[0]
        for extra in roots[1:]:
            problems.append(
                Problem(
                    rule="two_roots",
                    row=numbers[id(extra)],
                    field="parent",
                    vi=f"tệp chỉ được có một đơn vị gốc (cột parent trống): «{first.code}» ở dòng "
                    f"{numbers[id(first)]} và «{extra.code}»",
                    en=f"the file may have one root (empty parent): '{first.code}' at row {numbers[id(first)]} "
                    f"and '{extra.code}'",
                )
            )
    cycles, depth = shape(tree, [*first_row, *existing])
    problems.extend(_cycle_problems(cycles, first_row))
    problems.extend(_depth_problems(tree, depth, first_row))
    problems.extend(_level_problems(tree, first_row, levels))
    if problems:
        raise InputError(capped(problems))


def shape(tree: dict[str, Placed], order: Iterable[str]) -> tuple[list[list[str]], dict[str, int]]:
    """Every cycle of parents, and the depth of each unit that hangs from a root (a root is at depth 0).

    Each unit is walked up from once, and a walk stops at the first unit already placed (depth known, or known to
    hang from a cycle or to be on the walk itself): linear in the number of units, without recursion.
    """
    depth: dict[str, int] = {}
    placed: set[str] = set()
    cycles: list[list[str]] = []
    for start in order:
        path: list[str] = []
        on_path: dict[str, int] = {}
        code: str | None = start
        while code is not None and code in tree and code not in placed and code not in on_path:
            on_path[code] = len(path)
            path.append(code)
            code = tree[code].parent
        placed.update(path)
        if code is not None and code in on_path:
            cycles.append(path[on_path[code] :])
            continue
        above = -1 if code is None or code not in tree else depth.get(code)
        if above is None:  # hangs from a cycle
            continue
        for steps, unit in enumerate(reversed(path), start=1):
            depth[unit] = above + steps
    return cycles, depth


def _cycle_problems(cycles: list[list[str]], rows: dict[str, int]) -> list[Problem]:
    problems = []
    for loop in cycles:
        in_file = [code for code in loop if code in rows]
        start = loop.index(min(in_file, key=rows.__getitem__)) if in_file else 0
        loop = loop[start:] + loop[:start]
        shown_loop = loop if len(loop) <= 12 else [*loop[:10], f"… ({len(loop) - 11})", loop[-1]]
        chain = " → ".join([*shown_loop, loop[0]])
        problems.append(
            Problem(
                rule="cycle",
                row=rows.get(loop[0]),
                field="parent",
                vi=f"quan hệ cấp trên tạo thành vòng: {chain}",
                en=f"parents form a cycle: {chain}",
            )
        )
    return problems


def _depth_problems(tree: dict[str, Placed], depth: dict[str, int], rows: dict[str, int]) -> list[Problem]:
    """One problem for each row that puts units below the MAX_DEPTH-th level (the first such unit is named)."""
    problems = []
    blamed: set[str] = set()
    for code, below in depth.items():
        if below != MAX_DEPTH:
            continue
        culprit: str | None = code  # the unit itself, or its nearest ancestor in the file
        while culprit is not None and culprit in tree and culprit not in rows:
            culprit = tree[culprit].parent
        if culprit is None or culprit not in rows or culprit in blamed:
            continue  # already so in the database (before this limit): not this file's doing
        blamed.add(culprit)
        under = "" if culprit == code else f" (dưới «{culprit}»)"
        under_en = "" if culprit == code else f" (under '{culprit}')"
        problems.append(
            Problem(
                rule="too_deep",
                row=rows[culprit],
                field="parent",
                vi=f"«{code}»{under} nằm ở cấp thứ {MAX_DEPTH + 1} tính từ gốc; cây chỉ được có tối đa "
                f"{MAX_DEPTH} cấp (kể cả gốc)",
                en=f"'{code}'{under_en} would be level {MAX_DEPTH + 1} counting from the root; a tree may have at "
                f"most {MAX_DEPTH} levels (root included)",
            )
        )
    return problems


def _level_problems(tree: dict[str, Placed], rows: dict[str, int], levels: tuple[str, ...]) -> list[Problem]:
    """A child's level must be below its parent's in the configured order (any distance below)."""
    rank = {level: position for position, level in enumerate(levels)}
    order = shown(" → ".join(levels), 300)
    problems = []
    for code, placed in tree.items():
        if placed.parent is None or placed.parent not in tree or (code not in rows and placed.parent not in rows):
            continue
        parent = tree[placed.parent]
        child_rank, parent_rank = rank.get(placed.level), rank.get(parent.level)
        if child_rank is None or parent_rank is None or child_rank > parent_rank:
            continue
        problems.append(
            Problem(
                rule="level_order",
                row=rows.get(code, rows.get(placed.parent)),
                field="level",
                vi=f"cấp «{placed.level}» của «{code}» không thấp hơn cấp «{parent.level}» của đơn vị cấp trên "
                f"«{placed.parent}» (thứ tự các cấp từ trên xuống: {order})",
                en=f"level '{placed.level}' of '{code}' is not below level '{parent.level}' of its parent "
                f"'{placed.parent}' (levels top to bottom: {order})",
            )
        )
    return problems
