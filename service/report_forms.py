"""The offline report form (XLSX) a unit fills in, laid out like the offices' statistics tables
(shared/REPORT-FORMS.md): Vietnamese labels, one sheet per subject, not-rated reasons, validated cells, signed for
the unit, campaign and milestone it was made for; every text written as text, never as a formula. And reading it
back: the signature checked, counts typed in (never formulas), then the same validation as the command line and
the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pendulum

from models.errors import InputError, Problem, fail
from models.reports import SUBJECT_VI, ReportIn, parse_report

SHEETS = {
    "member": "Đảng viên",
    "organization": "Tổ chức đảng",
    "leadership_collective": "Tập thể lãnh đạo",
    "leader": "Cá nhân lãnh đạo",
}
# (row label, field): the value goes in column C of the same row, from row 6 down.
ROWS = [
    ("Tổng số", "total"),
    ("Số được đánh giá, xếp loại", "evaluated"),
    ("Hoàn thành xuất sắc nhiệm vụ", "excellent"),
    ("Hoàn thành tốt nhiệm vụ", "good"),
    ("Hoàn thành nhiệm vụ", "completed"),
    ("Không hoàn thành nhiệm vụ", "not_completed"),
    ("Không đánh giá: miễn công tác và sinh hoạt đảng", "not_evaluated.exempt"),
    ("Không đánh giá: đình chỉ sinh hoạt đảng", "not_evaluated.suspended"),
    ("Không đánh giá: kết nạp dưới 6 tháng", "not_evaluated.new"),
    ("Không đánh giá: lý do khác", "not_evaluated.other"),
]
FIRST_ROW = 6
META = "Thông tin"
# The hidden sheet names what the form is for, in column B, and signs it: editing any of B1:B3 (to submit for
# another unit, campaign or milestone) breaks the signature in B4, which only this installation can make.
META_KEYS = ("campaign", "unit", "milestone")
SIGNATURE_CELL = "B4"
# Excel keeps numbers as doubles: beyond 2**53 a cell cannot hold a count exactly.
LARGEST_COUNT = 2**53
# A text starting with one of these is taken for a formula by Excel or LibreOffice (and by openpyxl, for "=").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def put_text(cell: Any, value: str) -> None:
    """Write `value` into `cell` as a text, never as a formula or an error code: stored as a string, and a text
    that starts like a formula also gets Excel's quote prefix, so editing the cell keeps it a text."""
    text = cell_text(value)
    cell.value = None
    cell._value, cell.data_type = text, "s"
    if text.startswith(FORMULA_START):
        cell.quotePrefix = True


def cell_text(value: str) -> str:
    """`value` as a cell holds it, read back the same: control characters a workbook may not contain replaced, line
    ends as XML reads them (a bare CR comes back as LF), at most 32,767 characters."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return str(ILLEGAL_CHARACTERS_RE.sub("\ufffd", value.replace("\r\n", "\n").replace("\r", "\n")))[:32767]


def write_row(sheet: Any, row: int, values: list[Any]) -> None:
    """Values into `row` from column A, every text written by put_text."""
    for column, value in enumerate(values, start=1):
        if isinstance(value, str):
            put_text(sheet.cell(row, column), value)
        elif value is not None:
            sheet.cell(row, column, value)


def signature(key: bytes, campaign: str, unit: str, milestone: str) -> str:
    from service.secret_key import sign

    return "v1:" + sign(key, ["offline-form", campaign, unit, milestone])


def write_template(
    path: Path,
    key: bytes,
    ids: tuple[str, str, str],
    unit_name: str,
    issuer: str,
    year: int,
    now: pendulum.DateTime,
) -> None:
    """The form for the (campaign, unit, milestone) in `ids`, signed with `key`; every text written as text."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    ids = (cell_text(ids[0]), cell_text(ids[1]), cell_text(ids[2]))  # signed as written
    book = Workbook()
    meta = book.active
    meta.title = META
    for row, pair in enumerate([*zip(META_KEYS, ids, strict=True), ("signature", signature(key, *ids))], start=1):
        write_row(meta, row, list(pair))
    meta.sheet_state = "hidden"
    bold = Font(name="Times New Roman", bold=True)
    for subject, title in SHEETS.items():
        sheet = book.create_sheet(title)
        put_text(sheet["A1"], issuer.upper())
        put_text(sheet["A2"], unit_name)
        sheet["A3"] = f"KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG {SUBJECT_VI[subject].upper()} NĂM {year}"
        sheet["A4"] = (
            f"Ngày {now.day} tháng {now.month} năm {now.year} — Đvt: {'đơn vị' if subject != 'member' else 'người'}"
        )
        for cell in ("A1", "A3"):
            sheet[cell].font = bold
        sheet.append(["TT", "Chỉ tiêu", "Số lượng", "Tỷ lệ (% số được đánh giá)"])
        numbers = DataValidation(
            type="whole",
            operator="greaterThanOrEqual",
            formula1="0",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Số không hợp lệ",
            error="Nhập số nguyên không âm / a whole number, not negative",
        )
        sheet.add_data_validation(numbers)
        for number, (label, _field) in enumerate(ROWS, start=1):
            row = FIRST_ROW + number - 1
            sheet.cell(row, 1, number)
            sheet.cell(row, 2, label)
            numbers.add(sheet.cell(row, 3))
            sheet.cell(row, 3).number_format = "#,##0"
            if 3 <= number <= 6:  # the four levels, as a share of those evaluated: the form's only formulas
                sheet.cell(row, 4, f"=IF(C{FIRST_ROW + 1}>0,C{row}/C{FIRST_ROW + 1},0)").number_format = "0.00%"
        sheet.column_dimensions["B"].width = 52
        sheet.column_dimensions["C"].width = 14
        sheet.column_dimensions["D"].width = 26
        sheet["B17"], sheet["B17"].alignment = "NGƯỜI LẬP BIỂU", Alignment(horizontal="center")
        sheet["D17"] = "TRƯỞNG BAN"
    book.save(path)


def read_form(data: bytes, name: str, key: bytes) -> tuple[dict[str, str], ReportIn]:
    """The form's campaign, unit and milestone (checked against its signature), and its report, validated; errors
    name the sheet and the cell."""
    from service.tree_files import open_workbook

    book = open_workbook(data, name)  # formulas read as formulas: a count is typed in, never computed
    if META not in book.sheetnames:
        raise fail(
            "not_a_form",
            f"tệp {name} không phải biểu mẫu của kiemdiem (thiếu trang «{META}»)",
            f"file {name} is not a kiemdiem form (no '{META}' sheet)",
        )
    meta = _signed_meta(book[META], key)
    problems: list[Problem] = []
    subjects: dict[str, Any] = {}
    for subject, title in SHEETS.items():
        if title not in book.sheetnames:
            continue
        values: dict[str, Any] = {}
        for number, (_label, field) in enumerate(ROWS, start=1):
            row = FIRST_ROW + number - 1
            cell = book[title].cell(row, 3)
            try:
                value = _count(cell.value, cell.data_type, row, f"{title}!C{row}")
            except InputError as error:
                problems.extend(error.problems)
                continue
            if value is not None:
                outer, _, inner = field.partition(".")
                (values.setdefault(outer, {}) if inner else values)[inner or outer] = value
        if values:
            subjects[subject] = values
    if problems:
        raise InputError(problems)
    if not subjects:
        raise fail("empty_form", f"biểu mẫu {name} chưa có số liệu", f"form {name} has no figures")
    return meta, parse_report({"subjects": subjects})


def _signed_meta(sheet: Any, key: bytes) -> dict[str, str]:
    from service.secret_key import verify

    *ids, signed = ("" if sheet[f"B{row}"].value is None else str(sheet[f"B{row}"].value) for row in range(1, 5))
    where = f"{META}!{SIGNATURE_CELL}"
    if not signed:
        raise fail(
            "unsigned_form",
            f"biểu mẫu không có chữ ký ở ô {where}: hãy lấy biểu mẫu mới (kiemdiem report template)",
            f"the form has no signature in cell {where}: get a new form (kiemdiem report template)",
            field=where,
        )
    if not (signed.startswith("v1:") and verify(key, ["offline-form", *ids], signed[3:])):
        raise fail(
            "bad_signature",
            f"chữ ký ở ô {where} không khớp với đợt, đơn vị và mốc ở {META}!B1:B3: biểu mẫu đã bị sửa, hoặc "
            "không do hệ thống này phát ra; hãy lấy biểu mẫu mới (kiemdiem report template)",
            f"the signature in cell {where} does not match the campaign, unit and milestone in {META}!B1:B3: the "
            "form was altered, or was not issued by this installation; get a new form (kiemdiem report template)",
            field=where,
        )
    return dict(zip(META_KEYS, ids, strict=True))


def _count(value: Any, data_type: str, row: int, where: str) -> int | None:
    """A count typed into a cell, None for an empty cell; anything else is refused naming the cell."""
    if data_type == "f":
        raise fail(
            "formula",
            f"ô chứa công thức «{_shown(value)}»: hãy nhập con số",
            f"the cell holds a formula '{_shown(value)}': type the number in",
            row=row,
            field=where,
        )
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= LARGEST_COUNT:
        raise fail(
            "not_a_count",
            f"«{_shown(value)}» không phải số nguyên không âm (tối đa {LARGEST_COUNT:,})",
            f"'{_shown(value)}' is not a count (a whole number from 0 to {LARGEST_COUNT:,})",
            row=row,
            field=where,
        )
    return value


def _shown(value: Any) -> str:
    """A cell's content as a message may quote it: printable, and short."""
    text = "".join(c if c.isprintable() else "\ufffd" for c in str(value))
    return text if len(text) <= 40 else text[:39] + "…"
