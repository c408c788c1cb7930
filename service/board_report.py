"""The board's report (`kiemdiem report --out FILE.xlsx|.html|.pdf`): progress per level and results per subject,
written the way the offices write them (shared/REPORT-FORMS.md): percentages of those evaluated, two decimals,
decimal comma and thousands dot, a header block with the issuing body, place and date, and the signature line."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import pendulum

from models.errors import fail
from models.progress import Progress
from models.reports import SUBJECT_VI
from service.numbers import vn_int, vn_pct

LEVEL_HEAD = [
    "Mốc",
    "Cấp",
    "Hạn",
    "Số đơn vị",
    "Đã nộp",
    "Đúng hạn",
    "Trễ hạn",
    "Quá hạn",
    "Chưa đến hạn",
    "Hoàn thành (%)",
]
RESULT_HEAD = [
    "Đối tượng",
    "Tổng số",
    "Không đánh giá",
    "Được đánh giá",
    "Xuất sắc",
    "%",
    "Tốt",
    "%",
    "Hoàn thành",
    "%",
    "Không hoàn thành",
    "%",
    "Tốt trở lên (%)",
]
FONTS = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/local/share/fonts/DejaVuSans.ttf",
]


def tables(report: Progress) -> tuple[list[list[str]], list[list[str]]]:
    levels = [
        [
            r.milestone,
            r.level,
            dt.date.fromisoformat(r.deadline).strftime("%d/%m/%Y"),
            vn_int(r.units),
            vn_int(r.submitted),
            vn_int(r.on_time),
            vn_int(r.late),
            vn_int(r.overdue),
            vn_int(r.pending),
            vn_pct(r.completion_pct),
        ]
        for r in report.levels
    ]
    results = []
    for subject, r in report.results.items():
        if not r.total:
            continue

        def share(n: int, evaluated: int = r.evaluated) -> str:
            return vn_pct(100.0 * n / evaluated) if evaluated else "X"

        results.append(
            [
                SUBJECT_VI[subject].capitalize(),
                vn_int(r.total),
                vn_int(r.total - r.evaluated),
                vn_int(r.evaluated),
                vn_int(r.excellent),
                share(r.excellent),
                vn_int(r.good),
                share(r.good),
                vn_int(r.completed),
                share(r.completed),
                vn_int(r.not_completed),
                share(r.not_completed),
                share(r.excellent + r.good),
            ]
        )
    return levels, results


def header(issuer: str, title: str, plan: str, place: str, now: pendulum.DateTime) -> list[str]:
    local = now.in_timezone("Asia/Ho_Chi_Minh")
    return [
        issuer.upper(),
        "BAN TỔ CHỨC",
        f"BÁO CÁO TIẾN ĐỘ VÀ KẾT QUẢ {title.upper()}",
        f"(Kế hoạch số {plan})",
        f"{place}, ngày {local.day} tháng {local.month} năm {local.year}",
    ]


def write(path: Path, report: Progress, issuer: str, title: str, plan: str, place: str, now: pendulum.DateTime) -> None:
    suffix = path.suffix.lower()
    writers = {".xlsx": _xlsx, ".html": _html, ".pdf": _pdf}
    if suffix not in writers:
        raise fail(
            "unknown_format",
            f"không xuất được định dạng «{suffix}»: dùng .xlsx, .html hoặc .pdf",
            f"cannot write '{suffix}': use .xlsx, .html or .pdf",
            field="out",
        )
    writers[suffix](path, report, header(issuer, title, plan, place, now))


def _xlsx(path: Path, report: Progress, head: list[str]) -> None:
    """Every cell a text (the numbers too, written the offices' way), never a formula: a unit or campaign name
    starting with `=` is shown as written."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from service.report_forms import write_row

    levels, results = tables(report)
    book = Workbook()
    for sheet, columns, rows in ((book.active, RESULT_HEAD, results), (book.create_sheet(), LEVEL_HEAD, levels)):
        sheet.title = "Kết quả" if columns is RESULT_HEAD else "Tiến độ"
        lines = [
            *[[line] for line in head],
            [],
            columns,
            [f"({i})" for i in range(1, len(columns) + 1)],
            *rows,
            [],
            ["NGƯỜI LẬP BIỂU", "", "", "", "", "", "", "TRƯỞNG BAN"],
        ]
        for number, values in enumerate(lines, start=1):
            write_row(sheet, number, values)
        sheet["A1"].font = sheet["A3"].font = Font(name="Times New Roman", bold=True)
    book.save(path)


def _html(path: Path, report: Progress, head: list[str]) -> None:
    levels, results = tables(report)

    def table(columns: list[str], rows: list[list[str]]) -> str:
        cells = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>" for row in rows)
        return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"

    page = f"""<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{html.escape(head[2])}</title>
<style>body{{font-family:"Times New Roman",serif;margin:2em}} table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #444;padding:4px 8px;text-align:right}} td:first-child,th{{text-align:center}}
.head{{text-align:center}} .sign{{display:flex;justify-content:space-between;margin-top:3em;font-weight:bold}}</style>
</head><body><div class="head"><b>{html.escape(head[0])}</b><br>{html.escape(head[1])}<h2>{html.escape(head[2])}</h2>
{html.escape(head[3])}<br><i>{html.escape(head[4])}</i></div>
<h3>I. Kết quả đánh giá, xếp loại</h3>{table(RESULT_HEAD, results)}
<p>Tỷ lệ tính trên số được đánh giá.</p>
<h3>II. Tiến độ theo cấp</h3>{table(LEVEL_HEAD, levels)}
<div class="sign"><span>NGƯỜI LẬP BIỂU</span><span>TRƯỞNG BAN</span></div></body></html>"""
    path.write_text(page, encoding="utf-8")


def _pdf(path: Path, report: Progress, head: list[str]) -> None:
    from fpdf import FPDF

    font = next((f for f in FONTS if Path(f).is_file()), None)
    if font is None:
        raise fail(
            "no_font",
            "xuất PDF cần phông chữ Unicode DejaVu Sans (gói fonts-dejavu-core); hoặc dùng .html",
            "PDF needs the DejaVu Sans Unicode font (package fonts-dejavu-core); or write .html",
            field="out",
        )
    levels, results = tables(report)
    pdf = FPDF(orientation="L", format="A4")
    pdf.add_font("DejaVu", "", font)
    bold = font.replace("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
    pdf.add_font("DejaVu", "B", bold if Path(bold).is_file() else font)  # table headings are bold
    pdf.add_page()
    pdf.set_font("DejaVu", size=11)
    for line in head:
        pdf.cell(0, 7, line, align="C", new_x="LMARGIN", new_y="NEXT")
    for title, columns, rows in (
        ("I. Kết quả đánh giá, xếp loại", RESULT_HEAD, results),
        ("II. Tiến độ theo cấp", LEVEL_HEAD, levels),
    ):
        pdf.ln(4)
        pdf.set_font("DejaVu", size=10)
        pdf.cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", size=7)
        with pdf.table(text_align="CENTER") as table:
            for row in [columns, *rows]:
                cells = table.row()
                for value in row:
                    cells.cell(value)
    pdf.ln(8)
    pdf.cell(130, 7, "NGƯỜI LẬP BIỂU", align="C")
    pdf.cell(130, 7, "TRƯỞNG BAN", align="C")
    pdf.output(str(path))
