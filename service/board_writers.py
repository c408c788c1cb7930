"""The board report's tables (service.board_tables) written as XLSX, HTML and PDF: the same content in each.

XLSX: every count is a number cell with the format `#,##0` and every share a fraction with `0.00%`, so Excel and
LibreOffice can sum and recompute them. These are the built-in formats whose separators the spreadsheet takes from
the reader's locale: on a Vietnamese system they show `8.159` and `87,97%`, elsewhere `8,159` and `87.97%`. A format
with literal dots and commas would look Vietnamese everywhere but turn the numbers into pictures of numbers (wrong
beyond a million, and no longer recognised as percentages), so the locale's own separators it is. Dates are date
cells (`dd/mm/yyyy`); texts are written as texts, never as formulas (a unit named `=…` stays a name).
HTML and PDF: numbers written the Vietnamese way by service.numbers (`8.159`, `87,97%`)."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from models.errors import fail
from service.board_tables import Board, Cell, Quota, Share, Table
from service.numbers import vn_int, vn_pct

INT_FORMAT = "#,##0"
PCT_FORMAT = "0.00%"
DATE_FORMAT = "dd/mm/yyyy"
NOT_APPLICABLE = "X"  # a share of nothing, as the offices write it
FONTS = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/local/share/fonts/DejaVuSans.ttf",
]
SIGNATURES = ("NGƯỜI LẬP BIỂU", "TRƯỞNG BAN")
WIDE_COLUMNS = ("Đơn vị", "Đối tượng", "Mốc", "Trực thuộc")


def text(cell: Cell) -> str:
    """A cell as HTML and PDF print it."""
    if isinstance(cell, Share):
        return vn_pct(100.0 * cell.part / cell.whole) if cell.whole else NOT_APPLICABLE
    if isinstance(cell, Quota):
        return "✓" if cell.ok else "✗"
    if isinstance(cell, bool):  # not a count
        return str(cell)
    if isinstance(cell, int):
        return vn_int(cell)
    if isinstance(cell, dt.date):
        return cell.strftime("%d/%m/%Y")
    return "" if cell is None else cell


def numbered(table: Table) -> list[str]:
    return [f"({i})" for i in range(1, len(table.columns) + 1)]


def write_xlsx(path: Path, board: Board) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    from service.report_forms import put_text, write_row

    book = Workbook()
    book.remove(book.active)
    bold = Font(name="Times New Roman", bold=True)
    for table in board.tables:
        sheet = book.create_sheet(table.sheet)
        for number, line in enumerate(board.head, start=1):
            write_row(sheet, number, [line])
        top = len(board.head) + 2
        write_row(sheet, top, [table.title])
        write_row(sheet, top + 1, table.columns)
        write_row(sheet, top + 2, numbered(table))
        for column in range(1, len(table.columns) + 1):
            sheet.cell(top + 1, column).font = bold
            sheet.cell(top + 1, column).alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
            sheet.cell(top + 2, column).alignment = Alignment(horizontal="center")
        first = top + 3
        for index, row in enumerate(table.rows):
            for column, value in enumerate(row, start=1):
                cell = sheet.cell(first + index, column)
                _put(cell, value, put_text)
                if index in table.strong:
                    cell.font = bold
        after = first + len(table.rows) + 1
        if table.note:
            write_row(sheet, after, [table.note])
        write_row(sheet, after + 2, [SIGNATURES[0], *[""] * max(0, len(table.columns) - 3), SIGNATURES[1]])
        for cell in ("A1", "A3", f"A{top}"):
            sheet[cell].font = bold
        for column, name in enumerate(table.columns, start=1):
            width = 40 if name in WIDE_COLUMNS else 6 if name == "TT" else 13
            sheet.column_dimensions[get_column_letter(column)].width = width
        sheet.row_dimensions[top + 1].height = 45
        sheet.freeze_panes = sheet.cell(first, 1)
    book.save(path)


def _put(cell: Any, value: Cell, put_text: Callable[[Any, str], None]) -> None:
    if isinstance(value, Share):
        fraction = value.fraction()
        if fraction is None:
            put_text(cell, NOT_APPLICABLE)
        else:
            cell.value, cell.number_format = fraction, PCT_FORMAT
    elif isinstance(value, Quota | bool | str):
        put_text(cell, text(value))
    elif isinstance(value, int):
        cell.value, cell.number_format = value, INT_FORMAT
    elif isinstance(value, dt.date):
        cell.value, cell.number_format = value, DATE_FORMAT


def write_html(path: Path, board: Board) -> None:
    head = [html.escape(line) for line in board.head]
    sections = "".join(_html_table(table) for table in board.tables)
    page = f"""<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{head[2]}</title>
<style>body{{font-family:"Times New Roman",serif;margin:2em}} table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #444;padding:4px 6px;text-align:right}} th{{text-align:center}}
td.text{{text-align:left}} tr.total td{{font-weight:bold}} .head{{text-align:center}}
.sign{{display:flex;justify-content:space-between;margin-top:3em;font-weight:bold}}</style>
</head><body><div class="head"><b>{head[0]}</b><br>{head[1]}<h2>{head[2]}</h2>
{head[3]}<br><i>{head[4]}</i></div>
{sections}
<div class="sign"><span>{SIGNATURES[0]}</span><span>{SIGNATURES[1]}</span></div></body></html>"""
    path.write_text(page, encoding="utf-8")


def _html_table(table: Table) -> str:
    columns = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    numbers = "".join(f"<th>{n}</th>" for n in numbered(table))
    body = []
    for index, row in enumerate(table.rows):
        cells = "".join(
            f'<td class="text">{html.escape(text(v))}</td>'
            if isinstance(v, str)
            else f"<td>{html.escape(text(v))}</td>"
            for v in row
        )
        body.append(f'<tr class="total">{cells}</tr>' if index in table.strong else f"<tr>{cells}</tr>")
    note = f"<p>{html.escape(table.note)}</p>" if table.note else ""
    return (
        f"<h3>{html.escape(table.title)}</h3><table><thead><tr>{columns}</tr><tr>{numbers}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>{note}"
    )


def write_pdf(path: Path, board: Board) -> None:
    from fpdf import FPDF

    from service.pdf_tables import PdfRow, draw_table

    font = next((f for f in FONTS if Path(f).is_file()), None)
    if font is None:
        raise fail(
            "no_font",
            "xuất PDF cần phông chữ Unicode DejaVu Sans (gói fonts-dejavu-core); hoặc dùng .html",
            "PDF needs the DejaVu Sans Unicode font (package fonts-dejavu-core); or write .html",
            field="out",
        )
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_margins(8, 10, 8)
    pdf.add_font("DejaVu", "", font)
    bold = font.replace("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
    pdf.add_font("DejaVu", "B", bold if Path(bold).is_file() else font)  # headings and totals are bold
    pdf.add_page()
    pdf.set_font("DejaVu", size=11)
    for line in board.head:  # a long title wraps within the page
        pdf.multi_cell(0, 7, line, align="C", new_x="LMARGIN", new_y="NEXT")
    for table in board.tables:
        pdf.ln(4)
        pdf.set_font("DejaVu", "B", size=10)
        pdf.multi_cell(0, 7, table.title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", size=5.5 if len(table.columns) > 15 else 7)
        widths = [5 if c in WIDE_COLUMNS else 1 if c == "TT" else 2 for c in table.columns]
        centred = ["C"] * len(table.columns)
        headings = [PdfRow(table.columns, centred, bold=True), PdfRow(numbered(table), centred, bold=True)]
        rows = [
            PdfRow(
                [text(v) for v in row] + [""] * (len(table.columns) - len(row)),
                ["L" if isinstance(v, str) else "R" for v in row] + ["L"] * (len(table.columns) - len(row)),
                bold=index in table.strong,
            )
            for index, row in enumerate(table.rows)
        ]
        draw_table(pdf, widths, headings, rows)
        if table.note:
            pdf.set_font("DejaVu", size=8)
            pdf.multi_cell(0, 6, table.note, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font("DejaVu", "B", size=10)
    pdf.cell(140, 7, SIGNATURES[0], align="C")
    pdf.cell(140, 7, SIGNATURES[1], align="C")
    pdf.output(str(path))


WRITERS: dict[str, Callable[[Path, Board], None]] = {".xlsx": write_xlsx, ".html": write_html, ".pdf": write_pdf}
