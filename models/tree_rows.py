"""The rows of a tree file, each checked on its own: columns, codes, names, levels, member counts, contacts.

Limits, each a refusal naming the row rather than a slow import or a database error:
- codes are identifiers people type and spreadsheets show: at most 64 characters, no control or invisible
  formatting characters, no whitespace, and no leading `= + - @` (a spreadsheet would read a formula).
- names: at most 255 characters, no control characters (NUL, escape sequences…).
- member counts: whole numbers from 0 to MAX_MEMBERS.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from models.errors import InputError, Problem, capped
from models.schemas import UnitIn

REQUIRED_COLUMNS = ("code", "parent", "name", "level", "members")
OPTIONAL_COLUMNS = ("contacts",)

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
