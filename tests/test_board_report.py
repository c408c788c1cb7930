"""The board's report: XLSX, HTML and PDF, with the numbers written the Vietnamese way."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from service.board_report import FONTS
from tests.conftest import EXAMPLES, ROOT, write
from tests.test_report_forms import EVIL_PLAN, EVIL_ROOT, EVIL_TITLE, formulas, hostile_campaign, xml_formulas

REPORT = {
    "subjects": {
        "member": {
            "total": 8159,
            "evaluated": 6659,
            "excellent": 700,
            "good": 5158,
            "completed": 750,
            "not_completed": 51,
            "not_evaluated": {"exempt": 1388, "other": 112},
        },
        "organization": {"total": 1, "evaluated": 1, "good": 1},
    }
}


@pytest.fixture
def campaign(kiemdiem, tmp_path: Path) -> None:
    assert kiemdiem("units", "import", EXAMPLES / "district.csv").exit_code == 0
    kiemdiem("campaign", "launch", ROOT / "deploy" / "campaign.example.yaml", "--at", "2026-11-23T08:00:00+07:00")
    ran = kiemdiem(
        "status",
        "submit",
        "--campaign",
        "cuchi-2026",
        "--unit",
        "XA-ANPHU",
        "--milestone",
        "grassroots_review",
        "--report",
        write(tmp_path / "r.yaml", yaml.safe_dump(REPORT)),
        "--at",
        "2026-12-05T09:00:00+07:00",
    )
    assert ran.exit_code == 0, ran.stderr


def test_html_report_writes_numbers_the_vietnamese_way(kiemdiem, campaign, tmp_path: Path) -> None:
    out = tmp_path / "bao-cao.html"
    ran = kiemdiem("report", "--campaign", "cuchi-2026", "--out", out, "--at", "2026-12-13T09:00:00+07:00")
    assert ran.exit_code == 0, ran.stderr
    page = out.read_text(encoding="utf-8")
    assert "HUYỆN ỦY CỦ CHI" in page and "Củ Chi, ngày 13 tháng 12 năm 2026" in page
    assert "8.159" in page and "6.659" in page and "1.500" in page  # thousands dot; not evaluated 1,388 + 112
    assert "87,97%" in page  # (700 + 5,158) / 6,659 good or above, two decimals, decimal comma
    assert "NGƯỜI LẬP BIỂU" in page and "TRƯỞNG BAN" in page


def test_xlsx_and_pdf_reports(kiemdiem, campaign, tmp_path: Path) -> None:
    xlsx = tmp_path / "bao-cao.xlsx"
    assert kiemdiem("report", "--campaign", "cuchi-2026", "--out", xlsx).exit_code == 0
    book = load_workbook(xlsx)
    assert book.sheetnames == ["Kết quả", "Tiến độ"]
    values = [c for row in book["Kết quả"].iter_rows(values_only=True) for c in row if c]
    assert "Đảng viên" in values and "8.159" in values and "87,97%" in values
    if not any(Path(f).is_file() for f in FONTS):
        pytest.skip("no DejaVu Sans font on this machine: PDF output is refused with a message instead")
    pdf = tmp_path / "bao-cao.pdf"
    ran = kiemdiem("report", "--campaign", "cuchi-2026", "--out", pdf)
    assert ran.exit_code == 0, ran.stderr
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 2000


def test_unknown_format_and_missing_options(kiemdiem, campaign, tmp_path: Path) -> None:
    ran = kiemdiem("report", "--campaign", "cuchi-2026", "--out", tmp_path / "x.docx")
    assert ran.exit_code == 2 and "[unknown_format]" in ran.stderr
    assert kiemdiem("report", "--campaign", "cuchi-2026").exit_code == 2


def test_hostile_names_stay_text_in_xlsx_and_html(kiemdiem, tmp_path: Path) -> None:
    hostile_campaign(kiemdiem, tmp_path)
    xlsx, page = tmp_path / "r.xlsx", tmp_path / "r.html"
    for out in (xlsx, page):
        ran = kiemdiem("report", "--campaign", "evil-2026", "--out", out, "--at", "2026-12-13T09:00:00+07:00")
        assert ran.exit_code == 0, ran.stderr
    assert formulas(xlsx) == {} and xml_formulas(xlsx) == []
    book = load_workbook(xlsx)
    for sheet in book:
        a1 = sheet["A1"]
        assert (a1.value, a1.data_type, a1.quotePrefix) == (EVIL_ROOT.upper(), "s", True)
        assert sheet["A4"].value == f"(Kế hoạch số {EVIL_PLAN})"
    tags = Tags()
    tags.feed(page.read_text(encoding="utf-8"))
    assert not {"img", "script"} & set(tags.seen)  # the names are shown, not run
    assert EVIL_ROOT.upper() in tags.text and EVIL_TITLE.upper() in tags.text
    if any(Path(f).is_file() for f in FONTS):
        ran = kiemdiem("report", "--campaign", "evil-2026", "--out", tmp_path / "r.pdf")
        assert ran.exit_code == 0 and (tmp_path / "r.pdf").read_bytes()[:5] == b"%PDF-", ran.stderr


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append(tag)

    def handle_data(self, data: str) -> None:
        self.text += data


def test_report_out_is_checked_and_never_overwritten_without_force(kiemdiem, campaign, tmp_path: Path) -> None:
    report = ("report", "--campaign", "cuchi-2026")
    refused = kiemdiem(*report, "--out", tmp_path / "no" / "such" / "r.html")
    assert refused.exit_code == 2 and "[no_such_folder]" in refused.stderr and "--out" in refused.stderr
    assert "Traceback" not in refused.stderr and not (tmp_path / "no").exists()
    refused = kiemdiem(*report, "--out", tmp_path / "r.txt")
    assert refused.exit_code == 2 and "[unknown_format]" in refused.stderr and ".html" in refused.stderr
    out = tmp_path / "r.html"
    assert kiemdiem(*report, "--out", out, "--at", "2026-12-13T09:00:00+07:00").exit_code == 0
    first = out.read_text(encoding="utf-8")
    refused = kiemdiem(*report, "--out", out, "--at", "2026-12-14T09:00:00+07:00")
    assert refused.exit_code == 2 and "[file_exists]" in refused.stderr and "--force" in refused.stderr
    assert out.read_text(encoding="utf-8") == first
    ran = kiemdiem(*report, "--out", out, "--force", "--at", "2026-12-14T09:00:00+07:00")
    assert ran.exit_code == 0 and ran.stdout.strip() == str(out), ran.stderr
    assert "ngày 14 tháng 12" in out.read_text(encoding="utf-8")
    refused = kiemdiem("report", "--campaign", "no-such", "--out", tmp_path / "x.xlsx")
    assert refused.exit_code == 2 and "[unknown_campaign]" in refused.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".html", ".xlsx")) == ["r.html"]
