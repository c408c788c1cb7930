"""The organization tree: the checks an import must pass, and the all-or-nothing upsert that follows them."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pendulum
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.errors import InputError, Problem
from models.schemas import ImportSummary, UnitIn
from models.tables import OrgUnit

REQUIRED_COLUMNS = ("code", "parent", "name", "level", "members")
OPTIONAL_COLUMNS = ("contacts",)

UrlCheck = Callable[[str], bool]


@dataclass(frozen=True)
class RawRow:
    """A row as read from a file: its number as the file shows it (header = row 1) and its text cells."""

    number: int
    cells: dict[str, str]


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


def parse_rows(rows: Sequence[RawRow], levels: tuple[str, ...], url_ok: UrlCheck) -> list[UnitIn]:
    """Check each row on its own; raise one InputError listing every problem of every row."""
    problems: list[Problem] = []
    units: list[UnitIn] = []
    for row in rows:
        unit, row_problems = _parse_row(row, levels, url_ok)
        problems.extend(row_problems)
        if unit is not None:
            units.append(unit)
    if problems:
        raise InputError(problems)
    return units


def _parse_row(row: RawRow, levels: tuple[str, ...], url_ok: UrlCheck) -> tuple[UnitIn | None, list[Problem]]:
    cell = {k: (v or "").strip() for k, v in row.cells.items()}
    problems: list[Problem] = []

    def bad(field: str, rule: str, vi: str, en: str) -> None:
        problems.append(Problem(rule=rule, vi=vi, en=en, row=row.number, field=field))

    code = cell.get("code", "")
    if not code:
        bad("code", "required", "mã đơn vị không được để trống", "unit code must not be empty")
    elif any(ch.isspace() for ch in code) or len(code) > 64:
        bad(
            "code",
            "invalid_code",
            f"mã «{code}» có khoảng trắng hoặc dài quá 64 ký tự",
            f"code '{code}' contains spaces or is longer than 64 characters",
        )
    name = cell.get("name", "")
    if not name:
        bad("name", "required", "tên đơn vị không được để trống", "unit name must not be empty")
    level = cell.get("level", "")
    if level not in levels:
        bad(
            "level",
            "unknown_level",
            f"cấp «{level}» không thuộc các cấp đã cấu hình ({', '.join(levels)})",
            f"level '{level}' is not one of the configured levels ({', '.join(levels)})",
        )
    members = _parse_members(cell.get("members", ""), bad)
    contacts = tuple(cell.get("contacts", "").split())
    for position, url in enumerate(contacts, start=1):
        if not url_ok(url):
            shown = url.split("://", 1)[0] + "://…" if "://" in url else "…"
            bad(
                "contacts",
                "invalid_contact",
                f"địa chỉ liên hệ thứ {position} ({shown}) không phải URL Apprise hợp lệ",
                f"contact {position} ({shown}) is not a valid Apprise URL",
            )
    if problems or members is None:
        return None, problems
    parent = cell.get("parent") or None
    return UnitIn(code=code, parent=parent, name=name, level=level, members=members, contacts=contacts), []


def _parse_members(text: str, bad: Callable[[str, str, str, str], None]) -> int | None:
    if text == "":
        return 0
    if not re.fullmatch(r"[+-]?\d+", text):
        bad(
            "members",
            "not_a_number",
            f"số đảng viên «{text}» không phải số nguyên",
            f"member count '{text}' is not a whole number",
        )
        return None
    value = int(text)
    if value < 0:
        bad(
            "members",
            "negative",
            f"số đảng viên không được âm ({value})",
            f"member count must not be negative ({value})",
        )
        return None
    return value


def check_tree(
    units: Sequence[UnitIn], rows: Sequence[RawRow], existing: dict[str, str | None], allow_many_roots: bool
) -> None:
    """Checks across rows: duplicate codes, unknown parents, more than one root, cycles.

    `existing` maps the codes already in the database to their parent codes; the file's rows win over them.
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
    parents = dict(existing)
    parents.update({u.code: u.parent for u in units})
    for unit in units:
        if unit.parent is not None and unit.parent not in parents:
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
    problems.extend(_cycles(units, parents, first_row))
    if problems:
        raise InputError(problems)


def _cycles(units: Sequence[UnitIn], parents: dict[str, str | None], rows: dict[str, int]) -> list[Problem]:
    problems: list[Problem] = []
    reported: set[str] = set()
    for unit in units:
        seen: list[str] = []
        code: str | None = unit.code
        while code is not None and code in parents and code not in seen:
            seen.append(code)
            code = parents[code]
        if code is None or code not in seen:
            continue
        loop = seen[seen.index(code) :]
        if reported.intersection(loop):
            continue
        reported.update(loop)
        chain = " → ".join([*loop, loop[0]])
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


def import_units(
    session: Session,
    rows: Sequence[RawRow],
    levels: tuple[str, ...],
    url_ok: UrlCheck,
    now: pendulum.DateTime,
    allow_many_roots: bool = False,
) -> ImportSummary:
    """Validate every row, then insert or update the units. Only flushes: the caller commits or rolls back."""
    units = parse_rows(rows, levels, url_ok)
    existing_units = {u.code: u for u in session.scalars(select(OrgUnit))}
    by_id = {u.id: u for u in existing_units.values()}
    existing = {
        code: (by_id[u.parent_id].code if u.parent_id is not None else None) for code, u in existing_units.items()
    }
    check_tree(units, rows, existing, allow_many_roots)

    created = updated = 0
    for unit in units:
        row = existing_units.get(unit.code)
        if row is None:
            row = OrgUnit(code=unit.code, path="", depth=0, updated_at=now, created_at=now)
            existing_units[unit.code] = row
            session.add(row)
            created += 1
        elif _differs(row, unit, existing[unit.code]):
            updated += 1
        else:
            continue
        row.name, row.level, row.members, row.contacts = (
            unit.name,
            unit.level,
            unit.members,
            list(unit.contacts),
        )
        row.updated_at = now
    session.flush()
    for unit in units:
        parent = existing_units[unit.parent] if unit.parent else None
        row = existing_units[unit.code]
        if row.parent_id != (parent.id if parent else None):
            row.parent_id = parent.id if parent else None
    session.flush()
    if created or updated:
        _recompute_paths(list(existing_units.values()))
        session.flush()
    return ImportSummary(rows=len(units), created=created, updated=updated, unchanged=len(units) - created - updated)


def _differs(row: OrgUnit, unit: UnitIn, parent_code: str | None) -> bool:
    return (row.name, row.level, row.members, tuple(row.contacts), parent_code) != (
        unit.name,
        unit.level,
        unit.members,
        unit.contacts,
        unit.parent,
    )


def _recompute_paths(units: list[OrgUnit]) -> None:
    """Materialized paths (`/1/7/42/`) top-down, so a subtree is one `path LIKE` away."""
    children: dict[int | None, list[OrgUnit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    stack: list[tuple[OrgUnit, str, int]] = [(root, "/", 0) for root in children.get(None, [])]
    while stack:
        unit, prefix, depth = stack.pop()
        path = f"{prefix}{unit.id}/"
        if unit.path != path or unit.depth != depth:
            unit.path, unit.depth = path, depth
        stack.extend((child, path, depth + 1) for child in children.get(unit.id, []))
