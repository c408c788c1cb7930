"""The board report's PDF tables: rows never cut by a page's end, headings on every page, long texts wrapped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fpdf import FPDF

from service.board_writers import FONTS
from service.pdf_tables import PADDING, PdfRow, draw_table

FONT = next((f for f in FONTS if Path(f).is_file()), None)
pytestmark = pytest.mark.skipif(FONT is None, reason="no DejaVu Sans font on this machine (fonts-dejavu-core)")


class Recording(FPDF):
    """An FPDF that keeps every cell border drawn (page, y, height) and every text line written (page, text)."""

    def __init__(self) -> None:
        super().__init__(orientation="L", format="A4")
        self.borders: list[tuple[int, float, float]] = []
        self.texts: list[tuple[int, str]] = []

    def rect(self, x: float, y: float, w: float, h: float, *args: Any, **kwargs: Any) -> None:
        self.borders.append((self.page, y, h))
        super().rect(x, y, w, h, *args, **kwargs)

    def cell(self, w: float | None = None, h: float | None = None, text: str = "", *args: Any, **kwargs: Any) -> Any:
        self.texts.append((self.page, text))
        return super().cell(w, h, text, *args, **kwargs)


def a_pdf() -> Recording:
    pdf = Recording()
    pdf.set_margins(8, 10, 8)
    pdf.add_font("DejaVu", "", FONT)
    pdf.add_font("DejaVu", "B", FONT)
    pdf.add_page()
    pdf.set_font("DejaVu", size=7)
    return pdf


HEADINGS = [PdfRow(["TT", "Đơn vị", "Tổng số"], ["C"] * 3, bold=True), PdfRow(["(1)", "(2)", "(3)"], ["C"] * 3)]
LONG = "Chi bộ Ban Quản lý dự án đầu tư xây dựng khu vực huyện Củ Chi, thành phố Hồ Chí Minh"


def test_rows_are_never_cut_by_a_page_and_headings_start_every_page() -> None:
    pdf = a_pdf()
    pdf.set_y(150)  # the table starts low on the first page
    rows = [PdfRow([f"#{i}", LONG if i % 7 == 0 else f"Chi bộ {i}", f"{i * 3:,}"], ["R", "L", "R"]) for i in range(300)]
    draw_table(pdf, [1, 5, 2], HEADINGS, rows)
    assert pdf.page > 3
    for page, y, height in pdf.borders:
        assert y + height <= pdf.page_break_trigger + 1e-6, (page, y, height)
    for page in range(1, pdf.page + 1):
        written = [text for on, text in pdf.texts if on == page]
        assert written[:6] == ["TT", "Đơn vị", "Tổng số", "(1)", "(2)", "(3)"], (page, written[:6])
    assert [text for _, text in pdf.texts if text.startswith("#")] == [f"#{i}" for i in range(300)]  # once, in order


def test_a_text_wider_than_its_column_is_wrapped_not_cut() -> None:
    pdf = a_pdf()
    draw_table(pdf, [1, 5, 2], HEADINGS, [PdfRow(["1", LONG * 2, "9"], ["R", "L", "R"])])
    lines = [text for _, text in pdf.texts][7:-1]  # the long cell's lines, between "1" and "9"
    assert len(lines) > 1 and " ".join(lines).split() == (LONG * 2).split()
    width = pdf.epw * 5 / 8 - 2 * PADDING  # the column less its padding
    assert all(pdf.get_string_width(line) <= width for line in lines)


def test_headings_are_not_left_alone_at_the_bottom_of_a_page() -> None:
    pdf = a_pdf()
    pdf.set_y(pdf.page_break_trigger - 8)  # room for the headings, not for a row under them
    draw_table(pdf, [1, 5, 2], HEADINGS, [PdfRow(["1", "Chi bộ 1", "3"], ["R", "L", "R"])])
    assert pdf.page == 2 and {page for page, _ in pdf.texts} == {2}
