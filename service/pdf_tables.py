"""A table drawn on an fpdf page cell by cell, its heading rows repeated on each page.

fpdf's own `table()` breaks the text of every cell into lines, twice: 3.1 s of CPU for the example district's
report, against 0.6 s here, where a cell is broken into lines only when its text is wider than the cell; counts and
shares, most of a report, are one line each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fpdf import FPDF
from fpdf.enums import MethodReturnValue

PADDING = 0.8  # mm between a cell's border and its text
LINE = 1.3  # a line's height, in font sizes


@dataclass(frozen=True)
class PdfRow:
    """One row's texts, each cell's alignment (`L`, `R`, `C`), and whether it is bold (headings, totals)."""

    texts: Sequence[str]
    aligns: Sequence[str]
    bold: bool = False


def draw_table(pdf: FPDF, widths: Sequence[float], headings: Sequence[PdfRow], rows: Sequence[PdfRow]) -> None:
    """`rows` under `headings`, the columns sharing the page's width in the proportions of `widths`, from the
    current position. Pages break between rows only: a row that does not fit starts the next page, after the
    headings again; the headings never end a page alone."""
    total = sum(widths)
    columns = [pdf.epw * w / total for w in widths]
    auto, margin, c_margin = pdf.auto_page_break, pdf.b_margin, pdf.c_margin
    pdf.set_auto_page_break(False, margin)  # fpdf would break inside a row, between two of its cells
    pdf.c_margin = 0  # the cell's padding is PADDING, measured and drawn here
    try:
        laid = [(heading, _lines_of(pdf, columns, heading)) for heading in headings]
        above = sum(_height(pdf, cells) for _, cells in laid)

        def head() -> None:
            for heading, cells in laid:
                _draw(pdf, columns, heading, cells)

        headed = False
        for row in rows:
            cells = _lines_of(pdf, columns, row)
            if pdf.get_y() + _height(pdf, cells) + (0 if headed else above) > pdf.page_break_trigger:
                pdf.add_page()
                headed = False
            if not headed:
                head()
                headed = True
            _draw(pdf, columns, row, cells)
        if not headed:  # a table without rows: its headings alone
            head()
    finally:
        pdf.c_margin = c_margin
        pdf.set_auto_page_break(auto, margin)


def _lines_of(pdf: FPDF, columns: Sequence[float], row: PdfRow) -> list[list[str]]:
    """Each cell's text as the lines it takes in its column, in the row's font."""
    pdf.set_font(style="B" if row.bold else "")
    cells = []
    for width, text in zip(columns, row.texts, strict=False):
        inner = width - 2 * PADDING
        if pdf.get_string_width(text) <= inner:
            cells.append([text])
        else:
            cells.append(
                pdf.multi_cell(inner, pdf.font_size * LINE, text, dry_run=True, output=MethodReturnValue.LINES)
            )
    return cells


def _height(pdf: FPDF, cells: Sequence[Sequence[str]]) -> float:
    return max((len(lines) for lines in cells), default=1) * pdf.font_size * LINE + 2 * PADDING


def _draw(pdf: FPDF, columns: Sequence[float], row: PdfRow, cells: Sequence[Sequence[str]]) -> None:
    pdf.set_font(style="B" if row.bold else "")
    line, height = pdf.font_size * LINE, _height(pdf, cells)
    x, top = pdf.l_margin, pdf.get_y()
    for index, width in enumerate(columns):
        pdf.rect(x, top, width, height)
        lines = cells[index] if index < len(cells) else []
        first = top + (height - len(lines) * line) / 2  # centred in the row's height, as the offices' tables are
        for number, text in enumerate(lines):
            pdf.set_xy(x + PADDING, first + number * line)
            pdf.cell(width - 2 * PADDING, line, text, align=row.aligns[index])
        x += width
    pdf.set_xy(pdf.l_margin, top + height)
