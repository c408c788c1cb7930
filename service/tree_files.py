"""Reading org tree files (CSV, XLSX, YAML) into rows, with bilingual errors for files that cannot be read."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from models.errors import InputError, Problem, fail
from models.tree import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, RawRow, check_columns

COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS


def read_tree_file(path: Path) -> list[RawRow]:
    """Rows of a tree file; raises InputError for a missing, empty, non-UTF-8 or malformed file."""
    if not path.is_file():
        raise fail("file_not_found", f"không tìm thấy tệp {path}", f"file not found: {path}")
    data = path.read_bytes()
    if not data.strip():
        raise fail("empty_file", f"tệp {path.name} rỗng", f"file {path.name} is empty")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        rows, columns = _read_xlsx(data, path.name)
    elif suffix in (".yaml", ".yml"):
        rows, columns = _read_yaml(_decode(data, path.name), path.name)
    elif suffix in (".csv", ".txt"):
        rows, columns = _read_csv(_decode(data, path.name))
    else:
        raise fail(
            "unknown_format",
            f"định dạng {suffix or '(không có đuôi)'} không được hỗ trợ: dùng .csv, .xlsx, .yaml",
            f"unsupported format {suffix or '(no extension)'}: use .csv, .xlsx or .yaml",
        )
    problems = check_columns(columns)
    if problems:
        raise InputError(problems)
    if not rows:
        raise fail(
            "empty_file",
            f"tệp {path.name} chỉ có dòng tiêu đề, không có đơn vị nào",
            f"file {path.name} has a header but no units",
        )
    return rows


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputError(
            [
                Problem(
                    rule="not_utf8",
                    row=line,
                    vi=f"tệp {name} không phải UTF-8 (byte 0x{data[error.start]:02x} ở dòng {line}); hãy lưu lại với "
                    "mã hóa UTF-8 (trong Excel: «CSV UTF-8»)",
                    en=f"file {name} is not UTF-8 (byte 0x{data[error.start]:02x} on line {line}); save it again as "
                    "UTF-8 (in Excel: 'CSV UTF-8')",
                )
            ]
        ) from None


def _read_csv(text: str) -> tuple[list[RawRow], list[str]]:
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    rows = []
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        rows.append(RawRow(number, {h: (values[i] if i < len(values) else "") for i, h in enumerate(header)}))
    return rows, header


def open_workbook(data: bytes, name: str, **options: Any) -> Any:
    """An XLSX workbook from bytes, or the bilingual error that says the file is not one."""
    from openpyxl import load_workbook

    try:
        return load_workbook(io.BytesIO(data), **options)
    except Exception:
        raise fail(
            "not_xlsx",
            f"tệp {name} không đọc được như bảng tính Excel (.xlsx)",
            f"file {name} cannot be read as an Excel workbook (.xlsx)",
        ) from None


def _read_xlsx(data: bytes, name: str) -> tuple[list[RawRow], list[str]]:
    sheet = open_workbook(data, name, read_only=True, data_only=True).worksheets[0]
    lines = sheet.iter_rows(values_only=True)
    header = [str(h).strip().lower() if h is not None else "" for h in next(lines, ())]
    rows = []
    for number, values in enumerate(lines, start=2):
        cells = [_cell_text(v) for v in values]
        if any(cells):
            rows.append(RawRow(number, {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header)}))
    return rows, header


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_yaml(text: str, name: str) -> tuple[list[RawRow], list[str]]:
    import yaml

    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise fail(
            "invalid_yaml",
            f"tệp {name} không phải YAML hợp lệ",
            f"file {name} is not valid YAML",
            row=mark.line + 1 if mark else None,
        ) from None
    items = loaded.get("units") if isinstance(loaded, dict) else loaded
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise fail(
            "invalid_yaml",
            f"tệp {name} phải là danh sách đơn vị (hoặc «units:» chứa danh sách)",
            f"file {name} must be a list of units (or 'units:' holding one)",
        )
    lines = _item_lines(yaml.compose(text), len(items))
    rows = [
        RawRow(line, {str(k): _yaml_text(v) for k, v in item.items()}) for line, item in zip(lines, items, strict=True)
    ]
    # A YAML item may leave out any key; the row checks then report the empty value where it matters.
    return rows, list(COLUMNS)


def _item_lines(node: Any, count: int) -> list[int]:
    """The line each list item starts on, so errors point into the YAML file as they do into a CSV."""
    import yaml

    if isinstance(node, yaml.MappingNode):
        node = next((v for k, v in node.value if getattr(k, "value", None) == "units"), node)
    if isinstance(node, yaml.SequenceNode) and len(node.value) == count:
        return [item.start_mark.line + 1 for item in node.value]
    return list(range(1, count + 1))


def _yaml_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)
