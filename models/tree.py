"""The organization tree: the checks an import must pass, and the all-or-nothing upsert that follows them.

Limits, each a refusal naming the row rather than a slow import or a database error:
- at most MAX_DEPTH levels from a root to its deepest unit (the country has five: province to branch). This
  also keeps `org_unit.path` (`/id/id/…/`, String(512)) from overflowing: 12 ids of at most 19 digits (a 64-bit
  key) with their slashes take 12 × 20 + 1 = 241 characters.
- a child's level is below its parent's in the configured order (top to bottom); not necessarily one below,
  since real trees are uneven (a grassroots organization may sit directly under a province or a commune).
- codes are identifiers people type and spreadsheets show: at most 64 characters, no control or invisible
  formatting characters, no whitespace, and no leading `= + - @` (a spreadsheet would read a formula).
- names: at most 255 characters, no control characters (NUL, escape sequences…).
- member counts: whole numbers from 0 to MAX_MEMBERS.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import pendulum
from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from models.errors import InputError, Problem, capped
from models.schemas import ImportSummary, UnitIn
from models.tables import OrgUnit

REQUIRED_COLUMNS = ("code", "parent", "name", "level", "members")
OPTIONAL_COLUMNS = ("contacts",)

MAX_DEPTH = 12
MAX_CODE_LENGTH = 64  # org_unit.code
MAX_NAME_LENGTH = 255  # org_unit.name
MAX_MEMBERS = 10_000_000  # one unit; the whole country has about 5.6 million party members
FORMULA_PREFIXES = "=+-@"
_INVISIBLE = {"Cc", "Cf", "Cs", "Zl", "Zp"}  # controls, formatting (bidi, zero-width), surrogates, separators

UrlCheck = Callable[[str], bool]
Bad = Callable[[str, str, str, str], None]


@dataclass(frozen=True)
class RawRow:
    """A row as read from a file: its number as the file shows it (header = row 1) and its text cells."""

    number: int
    cells: dict[str, str]


@dataclass(frozen=True)
class Placed:
    """Where a unit sits in the tree: its parent's code and its level."""

    parent: str | None
    level: str


def check_columns(columns: Sequence[str]) -> list[Problem]:
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    return [
        Problem(
            rule="missing_column",
            vi=f"thiếu cột bắt buộc «{c}» (cần: {', '.join(REQUIRED_COLUMNS)})",
            en=f"required column '{c}' is missing (needed: {', '.join(REQUIRED_COLUMNS)})",
            row=1,
            field=c,
        )
        for c in missing
    ]


def shown(text: str, limit: int = 40) -> str:
    """`text` safe to echo in a message: invisible characters spelled out (`\\x1b`), cut after `limit`."""
    out = "".join(_spelled(ch) for ch in text[:limit])
    return out + ("…" if len(text) > limit else "")


def _spelled(ch: str) -> str:
    if not _invisible(ch):
        return ch
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


def _invisible(ch: str) -> bool:
    return unicodedata.category(ch) in _INVISIBLE


def code_problem(code: str) -> tuple[str, str, str] | None:
    """Why `code` cannot be a unit code, as (rule, vi, en); None when it can."""
    if not code:
        return "required", "mã đơn vị không được để trống", "unit code must not be empty"
    if len(code) > MAX_CODE_LENGTH:
        return (
            "code_too_long",
            f"mã «{shown(code)}» dài {len(code)} ký tự, quá {MAX_CODE_LENGTH}",
            f"code '{shown(code)}' is {len(code)} characters long, more than {MAX_CODE_LENGTH}",
        )
    invisible = next((ch for ch in code if _invisible(ch)), None)
    if invisible is not None:
        return (
            "code_control_character",
            f"mã «{shown(code)}» có ký tự điều khiển hoặc ký tự ẩn (U+{ord(invisible):04X})",
            f"code '{shown(code)}' contains a control or invisible character (U+{ord(invisible):04X})",
        )
    if any(ch.isspace() for ch in code):
        return (
            "code_whitespace",
            f"mã «{code}» có khoảng trắng (ở đầu, ở cuối hoặc ở giữa)",
            f"code '{code}' contains whitespace (leading, trailing or inside)",
        )
    if code[0] in FORMULA_PREFIXES:
        return (
            "code_formula_prefix",
            f"mã «{code}» bắt đầu bằng «{code[0]}»: bảng tính sẽ hiểu là công thức (không dùng = + - @ ở đầu mã)",
            f"code '{code}' starts with '{code[0]}', which a spreadsheet reads as a formula (no leading = + - @)",
        )
    return None


def parse_rows(rows: Sequence[RawRow], levels: tuple[str, ...], url_ok: UrlCheck) -> list[UnitIn]:
    """Check each row on its own; raise one InputError listing the problems of every row (the first ones)."""
    problems: list[Problem] = []
    units: list[UnitIn] = []
    for row in rows:
        unit, row_problems = _parse_row(row, levels, url_ok)
        problems.extend(row_problems)
        if unit is not None:
            units.append(unit)
    if problems:
        raise InputError(capped(problems))
    return units


def _parse_row(row: RawRow, levels: tuple[str, ...], url_ok: UrlCheck) -> tuple[UnitIn | None, list[Problem]]:
    cell = {k: (v or "") for k, v in row.cells.items()}
    problems: list[Problem] = []

    def bad(field: str, rule: str, vi: str, en: str) -> None:
        problems.append(Problem(rule=rule, vi=vi, en=en, row=row.number, field=field))

    code = cell.get("code", "")
    wrong = code_problem(code)
    if wrong is not None:
        bad("code", *wrong)
    parent = cell.get("parent", "")
    parent = parent if parent.strip() else ""  # empty: a root
    wrong = code_problem(parent) if parent else None
    if wrong is not None:
        bad("parent", *wrong)
    name = _parse_name(cell.get("name", "").strip(), bad)
    level = cell.get("level", "").strip()
    if level not in levels:
        bad(
            "level",
            "unknown_level",
            f"cấp «{shown(level)}» không thuộc các cấp đã cấu hình ({shown(', '.join(levels), 300)})",
            f"level '{shown(level)}' is not one of the configured levels ({shown(', '.join(levels), 300)})",
        )
    members = _parse_members(cell.get("members", "").strip(), bad)
    contacts = tuple(cell.get("contacts", "").split())
    for position, url in enumerate(contacts, start=1):
        if not url_ok(url):
            scheme = shown(url.split("://", 1)[0], 20) + "://…" if "://" in url else "…"
            bad(
                "contacts",
                "invalid_contact",
                f"địa chỉ liên hệ thứ {position} ({scheme}) không phải URL Apprise hợp lệ",
                f"contact {position} ({scheme}) is not a valid Apprise URL",
            )
    if problems or members is None or name is None:
        return None, problems
    return UnitIn(code=code, parent=parent or None, name=name, level=level, members=members, contacts=contacts), []


def _parse_name(name: str, bad: Bad) -> str | None:
    if not name:
        bad("name", "required", "tên đơn vị không được để trống", "unit name must not be empty")
        return None
    if len(name) > MAX_NAME_LENGTH:
        bad(
            "name",
            "name_too_long",
            f"tên «{shown(name)}» dài {len(name)} ký tự, quá {MAX_NAME_LENGTH}",
            f"name '{shown(name)}' is {len(name)} characters long, more than {MAX_NAME_LENGTH}",
        )
        return None
    control = next((ch for ch in name if unicodedata.category(ch) == "Cc"), None)
    if control is not None:
        bad(
            "name",
            "name_control_character",
            f"tên «{shown(name)}» có ký tự điều khiển (U+{ord(control):04X})",
            f"name '{shown(name)}' contains a control character (U+{ord(control):04X})",
        )
        return None
    return name


def _parse_members(text: str, bad: Bad) -> int | None:
    if text == "":
        return 0
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        bad(
            "members",
            "not_a_number",
            f"số đảng viên «{shown(text)}» không phải số nguyên",
            f"member count '{shown(text)}' is not a whole number",
        )
        return None
    digits = text.lstrip("+-").lstrip("0") or "0"
    if text.startswith("-") and digits != "0":
        bad(
            "members",
            "negative",
            f"số đảng viên không được âm ({shown(text)})",
            f"member count must not be negative ({shown(text)})",
        )
        return None
    if len(digits) > len(str(MAX_MEMBERS)) or int(digits) > MAX_MEMBERS:
        bad(
            "members",
            "too_large",
            f"số đảng viên {shown(text)} quá lớn: một đơn vị có tối đa {MAX_MEMBERS:,} đảng viên".replace(",", "."),
            f"member count {shown(text)} is too large: a unit has at most {MAX_MEMBERS:,} members",
        )
        return None
    return int(digits)


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


_STORED = (
    OrgUnit.id,
    OrgUnit.code,
    OrgUnit.parent_id,
    OrgUnit.name,
    OrgUnit.level,
    OrgUnit.members,
    OrgUnit.contacts,
    OrgUnit.path,
)


def import_units(
    session: Session,
    rows: Sequence[RawRow],
    levels: tuple[str, ...],
    url_ok: UrlCheck,
    now: pendulum.DateTime,
    allow_many_roots: bool = False,
) -> ImportSummary:
    """Validate every row, then insert or update the units, in the caller's transaction (it commits or rolls back).

    Writes in bulk (one INSERT … RETURNING for the new units, one executemany UPDATE for the changed ones): a
    tree of tens of thousands of units is written in seconds, not the minutes one ORM object per unit takes.
    """
    units = parse_rows(rows, levels, url_ok)
    stored = {row.code: row for row in session.execute(select(*_STORED))}
    code_of = {row.id: row.code for row in stored.values()}
    existing = {
        code: Placed(code_of[row.parent_id] if row.parent_id is not None else None, row.level)
        for code, row in stored.items()
    }
    check_tree(units, rows, existing, levels, allow_many_roots)

    new = [u for u in units if u.code not in stored]
    changed = [u for u in units if u.code in stored and _differs(stored[u.code], u, existing[u.code].parent)]
    summary = ImportSummary(
        rows=len(units), created=len(new), updated=len(changed), unchanged=len(units) - len(new) - len(changed)
    )
    if not new and not changed:
        return summary
    ids = {code: row.id for code, row in stored.items()}
    table = cast(Table, OrgUnit.__table__)
    if new:
        fresh = [dict(_values(u, now), path="", depth=0, created_at=now) for u in new]
        inserted = session.execute(insert(table).returning(table.c.id, table.c.code), fresh)
        ids.update({code: id_ for id_, code in inserted})
    parents = {row.id: row.parent_id for row in stored.values()}
    parents.update({ids[u.code]: ids[u.parent] if u.parent else None for u in units})
    edited = {ids[u.code]: _values(u, now) for u in changed}
    placed = []
    for id_, (path, depth) in _paths(parents).items():
        if id_ in edited:
            edited[id_].update(parent_id=parents[id_], path=path, depth=depth)
        elif code_of.get(id_) not in stored or stored[code_of[id_]].path != path:  # new, or under a unit that moved
            placed.append({"_id": id_, "parent_id": parents[id_], "path": path, "depth": depth})
    by_id = table.c.id == bindparam("_id")
    if edited:
        session.execute(update(table).where(by_id), [{"_id": id_, **values} for id_, values in edited.items()])
    if placed:
        session.execute(update(table).where(by_id), placed)
    return summary


def _values(unit: UnitIn, now: pendulum.DateTime) -> dict[str, Any]:
    return {
        "code": unit.code,
        "name": unit.name,
        "level": unit.level,
        "members": unit.members,
        "contacts": list(unit.contacts),
        "updated_at": now,
    }


def _differs(row: Any, unit: UnitIn, parent_code: str | None) -> bool:
    return (row.name, row.level, row.members, tuple(row.contacts), parent_code) != (
        unit.name,
        unit.level,
        unit.members,
        unit.contacts,
        unit.parent,
    )


def _paths(parents: dict[int, int | None]) -> dict[int, tuple[str, int]]:
    """Materialized paths (`/1/7/42/`) and depths, top-down, so a subtree is one `path LIKE` away."""
    children: dict[int | None, list[int]] = {}
    for id_, parent in parents.items():
        children.setdefault(parent, []).append(id_)
    found: dict[int, tuple[str, int]] = {}
    stack: list[tuple[int, str, int]] = [(root, "/", 0) for root in children.get(None, [])]
    while stack:
        id_, prefix, depth = stack.pop()
        path = f"{prefix}{id_}/"
        found[id_] = (path, depth)
        stack.extend((child, path, depth + 1) for child in children.get(id_, []))
    return found
