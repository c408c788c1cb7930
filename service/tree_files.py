"""Reading org tree files (CSV, XLSX, YAML) into rows, with bilingual errors for files that cannot be read.

A tree file may come from anyone, so reading it is bounded before anything is parsed: at most MAX_FILE_BYTES
on disk, MAX_UNPACKED_BYTES inside an XLSX (a zip bomb is refused from the sizes the zip declares, which
Python's zipfile enforces), at most MAX_ROWS units, and YAML without anchors and aliases (a 449-byte "billion
laughs" file otherwise expands to gigabytes) and nested at most MAX_YAML_NESTING deep.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

from models.errors import InputError, Problem, fail
from models.tree import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, RawRow, check_columns
from service.documents import load_plain_yaml, read_bounded

COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
MAX_FILE_BYTES = 50 * 1024 * 1024  # the national tree (~320,000 units) as CSV is about 45 MB
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
MAX_ZIP_ENTRIES = 1_000
MAX_ROWS = 500_000
MAX_HEADER_COLUMNS = 64  # the columns looked at in an XLSX header (a sheet may declare 16,384)


def read_tree_file(path: Path) -> list[RawRow]:
    """Rows of a tree file; raises InputError for a missing, empty, oversized, non-UTF-8 or malformed file."""
    data = read_bounded(path, MAX_FILE_BYTES)
    if not data.strip():
        raise fail("empty_file", f"tệp {path.name} rỗng", f"file {path.name} is empty")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        rows, columns = _read_xlsx(data, path.name)
    elif suffix in (".yaml", ".yml"):
        rows, columns = _read_yaml(_decode(data, path.name), path.name)
    elif suffix in (".csv", ".txt"):
        rows, columns = _read_csv(_decode(data, path.name), path.name)
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


def _too_many_rows(name: str) -> InputError:
    return fail(
        "too_many_rows",
        f"tệp {name} có hơn {MAX_ROWS:,} đơn vị; hãy chia thành nhiều tệp".replace(",", "."),
        f"file {name} has more than {MAX_ROWS:,} units; split it into several files",
    )


def _keep(header: list[str], values: Any) -> dict[str, str]:
    """The cells of the known columns (others are ignored, and not kept in memory)."""
    return {h: (values[i] if i < len(values) else "") for i, h in enumerate(header) if h in COLUMNS}


def _decode(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise fail(
            "not_utf8",
            f"tệp {name} mã hóa UTF-16; hãy lưu lại với mã hóa UTF-8 (trong Excel: «CSV UTF-8»)",
            f"file {name} is UTF-16; save it again as UTF-8 (in Excel: 'CSV UTF-8')",
            row=1,
        )
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


def _read_csv(text: str, name: str) -> tuple[list[RawRow], list[str]]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in next(reader, [])]
        rows: list[RawRow] = []
        for number, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            if len(rows) == MAX_ROWS:
                raise _too_many_rows(name)
            rows.append(RawRow(number, _keep(header, values)))
    except csv.Error as error:
        raise fail(
            "invalid_csv",
            f"tệp {name} không đọc được như CSV ở dòng {reader.line_num}: {error}",
            f"file {name} cannot be read as CSV at line {reader.line_num}: {error}",
            row=reader.line_num,
        ) from None
    return rows, header


def open_workbook(data: bytes, name: str, **options: Any) -> Any:
    """An XLSX workbook from bytes, or the bilingual error that says the file is not one (or unpacks too large)."""
    from openpyxl import load_workbook

    not_xlsx = fail(
        "not_xlsx",
        f"tệp {name} không đọc được như bảng tính Excel (.xlsx)",
        f"file {name} cannot be read as an Excel workbook (.xlsx)",
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise not_xlsx from None
    unpacked = sum(entry.file_size for entry in entries)
    if len(entries) > MAX_ZIP_ENTRIES or unpacked > MAX_UNPACKED_BYTES:
        raise fail(
            "xlsx_too_large",
            f"tệp {name} giải nén ra {unpacked // 1024 // 1024} MB trong {len(entries)} phần, quá giới hạn "
            f"{MAX_UNPACKED_BYTES // 1024 // 1024} MB / {MAX_ZIP_ENTRIES} phần",
            f"file {name} unpacks to {unpacked // 1024 // 1024} MB in {len(entries)} parts, more than the limit of "
            f"{MAX_UNPACKED_BYTES // 1024 // 1024} MB / {MAX_ZIP_ENTRIES} parts",
        )
    try:
        return load_workbook(io.BytesIO(data), **options)
    except Exception:
        raise not_xlsx from None


def _read_xlsx(data: bytes, name: str) -> tuple[list[RawRow], list[str]]:
    book = open_workbook(data, name, read_only=True, data_only=True)
    try:
        return _sheet_rows(book.worksheets[0], name)
    except (InputError, MemoryError):
        raise
    except Exception:  # a part that does not parse shows only when read (read_only reads lazily)
        raise fail(
            "not_xlsx",
            f"tệp {name} không đọc được như bảng tính Excel (.xlsx)",
            f"file {name} cannot be read as an Excel workbook (.xlsx)",
        ) from None
    finally:
        book.close()


def _sheet_rows(sheet: Any, name: str) -> tuple[list[RawRow], list[str]]:
    # The sizes a sheet declares are not trusted: a declared A1:XFD1048576 would pad every row to 16,384 cells.
    sheet.reset_dimensions()
    first = next(sheet.iter_rows(max_row=1, max_col=MAX_HEADER_COLUMNS, values_only=True), ())
    header = [str(h).strip().lower() if h is not None else "" for h in first]
    width = max((i + 1 for i, h in enumerate(header) if h in COLUMNS), default=1)
    rows: list[RawRow] = []
    for number, values in enumerate(sheet.iter_rows(min_row=2, max_col=width, values_only=True), start=2):
        cells = [_cell_text(v) for v in values]
        if not any(cells):
            continue
        if len(rows) == MAX_ROWS:
            raise _too_many_rows(name)
        rows.append(RawRow(number, _keep(header, cells)))
    return rows, header


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_yaml(text: str, name: str) -> tuple[list[RawRow], list[str]]:
    loaded, node = load_plain_yaml(text, name)
    items = loaded.get("units") if isinstance(loaded, dict) else loaded
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise fail(
            "invalid_yaml",
            f"tệp {name} phải là danh sách đơn vị (hoặc «units:» chứa danh sách)",
            f"file {name} must be a list of units (or 'units:' holding one)",
        )
    if len(items) > MAX_ROWS:
        raise _too_many_rows(name)
    lines = _item_lines(node, len(items))
    rows = [
        RawRow(line, {str(k): _yaml_text(v) for k, v in item.items() if str(k) in COLUMNS})
        for line, item in zip(lines, items, strict=True)
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
