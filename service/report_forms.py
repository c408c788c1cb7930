"""The offline report form (XLSX) a unit fills in, laid out like the offices' statistics tables
(shared/REPORT-FORMS.md): Vietnamese labels, one sheet per subject, not-rated reasons, validated cells; and reading
it back through the same validation as the command line and the API."""

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


def write_template(
    path: Path, campaign: str, unit: str, unit_name: str, milestone: str, issuer: str, year: int, now: pendulum.DateTime
) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    meta = book.active
    meta.title = META
    for pair in (("campaign", campaign), ("unit", unit), ("milestone", milestone)):
        meta.append(pair)
    meta.sheet_state = "hidden"
    bold = Font(name="Times New Roman", bold=True)
    for subject, title in SHEETS.items():
        sheet = book.create_sheet(title)
        sheet["A1"], sheet["A2"] = issuer.upper(), unit_name
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
            if 3 <= number <= 6:  # the four levels, as a share of those evaluated
                sheet.cell(row, 4, f"=IF(C{FIRST_ROW + 1}>0,C{row}/C{FIRST_ROW + 1},0)").number_format = "0.00%"
        sheet.column_dimensions["B"].width = 52
        sheet.column_dimensions["C"].width = 14
        sheet.column_dimensions["D"].width = 26
        sheet["B17"], sheet["B17"].alignment = "NGƯỜI LẬP BIỂU", Alignment(horizontal="center")
        sheet["D17"] = "TRƯỞNG BAN"
    book.save(path)


def read_form(data: bytes, name: str) -> tuple[dict[str, str], ReportIn]:
    """The form's campaign, unit and milestone, and its report, validated; errors name the sheet and the cell."""
    from service.tree_files import open_workbook

    book = open_workbook(data, name, data_only=True)
    if META not in book.sheetnames:
        raise fail(
            "not_a_form",
            f"tệp {name} không phải biểu mẫu của kiemdiem (thiếu trang «{META}»)",
            f"file {name} is not a kiemdiem form (no '{META}' sheet)",
        )
    meta = {str(k): str(v) for k, v in book[META].iter_rows(values_only=True) if k}
    problems: list[Problem] = []
    subjects: dict[str, Any] = {}
    for subject, title in SHEETS.items():
        if title not in book.sheetnames:
            continue
        sheet = book[title]
        values: dict[str, Any] = {}
        for number, (_label, field) in enumerate(ROWS, start=1):
            row = FIRST_ROW + number - 1
            value = sheet.cell(row, 3).value
            if value is None or value == "":
                continue
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            if not isinstance(value, int) or value < 0:
                problems.append(
                    Problem(
                        rule="not_a_count",
                        row=row,
                        field=f"{title}!C{row}",
                        vi=f"«{value}» không phải số nguyên không âm",
                        en=f"'{value}' is not a count",
                    )
                )
                continue
            outer, _, inner = field.partition(".")
            (values.setdefault(outer, {}) if inner else values)[inner or outer] = value
        if values:
            subjects[subject] = values
    if problems:
        raise InputError(problems)
    if not subjects:
        raise fail("empty_form", f"biểu mẫu {name} chưa có số liệu", f"form {name} has no figures")
    return meta, parse_report({"subjects": subjects})
