"""The board's report: XLSX, HTML and PDF, with the numbers written the Vietnamese way."""

from __future__ import annotations

import csv
import re
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from service.board_report import FONTS
from tests.conftest import EXAMPLES, ROOT, Kiemdiem, shared_database, write
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
    },
    "member_total_reason": "số liệu mẫu của huyện, không khớp danh sách thử nghiệm",
}
# Chi bộ cơ sở of the example district (no branches: each may report without waiting for children), with their
# members in the tree, and what each reports: (excellent, good, completed, not completed, exempt, suspended, new,
# other, probationary).
UNITS = {
    "CB-HOINONGDAN": ("Chi bộ Hội Nông dân", 30, (2, 20, 3, 1, 2, 1, 1, 0, 3)),
    "CB-CHICUCTHUE": ("Chi bộ Chi cục Thuế", 20, (3, 12, 2, 0, 0, 0, 2, 1, 2)),  # 3 excellent of 12 good: ✗
    "CB-KHOBACNHANUOC": ("Chi bộ Kho bạc Nhà nước", 39, (4, 30, 5, 0, 0, 0, 0, 0, 0)),
}
REASONS = ("exempt", "suspended", "new", "other")
LEVEL_CODES = {"province", "district", "commune", "bloc", "grassroots", "branch"}
MILESTONE_KEYS = {"plan_issued", "unit_plans", "grassroots_review", "district_review", "summary"}
LEVEL_NAMES = {"Tổ chức cơ sở đảng", "Chi bộ trực thuộc", "Huyện ủy, Quận ủy, Thị ủy"}


def unit_report(members: int, figures: tuple[int, ...]) -> dict[str, object]:
    excellent, good, completed, not_completed, *rest = figures
    reasons, probationary = dict(zip(REASONS, rest[:4], strict=True)), rest[4]
    evaluated = excellent + good + completed + not_completed
    assert evaluated + sum(reasons.values()) == members
    member = {
        "total": members,
        "evaluated": evaluated,
        "excellent": excellent,
        "good": good,
        "completed": completed,
        "not_completed": not_completed,
        "not_evaluated": reasons,
        "probationary": probationary,
    }
    # 25% is the deciding level's to grant (here the board, at the command line): over 20%, so the column shows ✗
    return {"subjects": {"member": member}, "self_rating": "good", "quota_override": {"reason": "đơn vị tiêu biểu"}}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def campaign(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kiemdiem]:
    """The example district launched, CB-BANQUANLYCHO's REPORT submitted: the command line on that database, built
    once per database and only read by the tests (each writes its reports into its own tmp_path)."""
    with shared_database(request, tmp_path_factory) as shared:
        kiemdiem = shared.kiemdiem
        assert kiemdiem("units", "import", EXAMPLES / "district.csv").exit_code == 0
        ran = kiemdiem("campaign", "launch", ROOT / "deploy" / "campaign.example.yaml", "--at", AT_LAUNCH)
        assert ran.exit_code == 0, ran.stderr
        report = write(tmp_path_factory.mktemp("r") / "r.yaml", yaml.safe_dump(REPORT, allow_unicode=True))
        ran = kiemdiem(
            "status",
            "submit",
            "--campaign",
            "cuchi-2020",
            "--unit",
            "CB-BANQUANLYCHO",
            "--milestone",
            "grassroots_review",
            "--report",
            report,
            "--at",
            AT_SUBMIT,
        )
        assert ran.exit_code == 0, ran.stderr
        yield kiemdiem


@pytest.fixture(scope="module")
def html_report(campaign: Kiemdiem, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The campaign's report written as HTML on 13 December into a new file (no --force needed): once per database,
    read by the tests."""
    out = tmp_path_factory.mktemp("html") / "bao-cao.html"
    ran = campaign("report", "--campaign", "cuchi-2020", "--out", out, "--at", "2020-12-13T09:00:00+07:00")
    assert ran.exit_code == 0 and ran.stdout.strip() == str(out), ran.stderr
    return out


def test_html_report_writes_numbers_the_vietnamese_way(html_report: Path) -> None:
    page = html_report.read_text(encoding="utf-8")
    assert "HUYỆN ỦY CỦ CHI" in page and "Củ Chi, ngày 13 tháng 12 năm 2020" in page
    assert "8.159" in page and "6.659" in page and "1.500" in page  # thousands dot; not evaluated 1,388 + 112
    assert "87,97%" in page  # (700 + 5,158) / 6,659 good or above, two decimals, decimal comma
    assert "NGƯỜI LẬP BIỂU" in page and "TRƯỞNG BAN" in page


def test_xlsx_and_pdf_reports(campaign: Kiemdiem, tmp_path: Path) -> None:
    xlsx = tmp_path / "bao-cao.xlsx"
    assert campaign("report", "--campaign", "cuchi-2020", "--out", xlsx).exit_code == 0
    book = load_workbook(xlsx)
    assert book.sheetnames == [
        "Kết quả",
        "Tổ chức đảng",
        "Đảng viên",
        "Tổ chức đảng theo loại",
        "Tiến độ",
        "Chưa báo cáo",
    ]
    values = [c for row in book["Kết quả"].iter_rows(values_only=True) for c in row if c]
    assert "Đảng viên" in values and 8159 in values and 0.8797 in values  # numbers, shown 8.159 and 87,97%
    if not any(Path(f).is_file() for f in FONTS):
        pytest.skip("no DejaVu Sans font on this machine: PDF output is refused with a message instead")
    pdf = tmp_path / "bao-cao.pdf"
    ran = campaign("report", "--campaign", "cuchi-2020", "--out", pdf)
    assert ran.exit_code == 0, ran.stderr
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 2000


def test_unknown_format_and_missing_options(campaign: Kiemdiem, tmp_path: Path) -> None:
    ran = campaign("report", "--campaign", "cuchi-2020", "--out", tmp_path / "x.docx")
    assert ran.exit_code == 2 and "[unknown_format]" in ran.stderr
    assert campaign("report", "--campaign", "cuchi-2020").exit_code == 2


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


def test_report_out_is_checked_and_never_overwritten_without_force(
    campaign: Kiemdiem, html_report: Path, tmp_path: Path
) -> None:
    report = ("report", "--campaign", "cuchi-2020")
    refused = campaign(*report, "--out", tmp_path / "no" / "such" / "r.html")
    assert refused.exit_code == 2 and "[no_such_folder]" in refused.stderr and "--out" in refused.stderr
    assert "Traceback" not in refused.stderr and not (tmp_path / "no").exists()
    refused = campaign(*report, "--out", tmp_path / "r.txt")
    assert refused.exit_code == 2 and "[unknown_format]" in refused.stderr and ".html" in refused.stderr
    out = tmp_path / "r.html"
    shutil.copyfile(html_report, out)  # the report the command wrote on 13 December
    first = out.read_text(encoding="utf-8")
    refused = campaign(*report, "--out", out, "--at", "2020-12-14T09:00:00+07:00")
    assert refused.exit_code == 2 and "[file_exists]" in refused.stderr and "--force" in refused.stderr
    assert out.read_text(encoding="utf-8") == first
    ran = campaign(*report, "--out", out, "--force", "--at", "2020-12-14T09:00:00+07:00")
    assert ran.exit_code == 0 and ran.stdout.strip() == str(out), ran.stderr
    assert "ngày 14 tháng 12" in out.read_text(encoding="utf-8")
    refused = campaign("report", "--campaign", "no-such", "--out", tmp_path / "x.xlsx")
    assert refused.exit_code == 2 and "[unknown_campaign]" in refused.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".html", ".xlsx")) == ["r.html"]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def reported(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The example district launched; the UNITS report on 5 December, CB-HOINONGDAN also issued its plan on time;
    the board's report written as XLSX and HTML on 13 December: once per database, into a folder the tests only
    read (the database itself is gone by then)."""
    folder = tmp_path_factory.mktemp("reported")
    with shared_database(request, tmp_path_factory) as shared:
        kiemdiem = shared.kiemdiem
        assert kiemdiem("units", "import", EXAMPLES / "district.csv").exit_code == 0
        ran = kiemdiem("campaign", "launch", ROOT / "deploy" / "campaign.example.yaml", "--at", AT_LAUNCH)
        assert ran.exit_code == 0, ran.stderr
        submit = ("status", "submit", "--campaign", "cuchi-2020", "--unit")
        ran = kiemdiem(*submit, "CB-HOINONGDAN", "--milestone", "unit_plans", "--at", "2020-11-27T09:00:00+07:00")
        assert ran.exit_code == 0, ran.stderr
        for code, (_name, members, figures) in UNITS.items():
            report = write(folder / f"{code}.yaml", yaml.safe_dump(unit_report(members, figures), allow_unicode=True))
            ran = kiemdiem(*submit, code, "--milestone", "grassroots_review", "--report", report, "--at", AT_SUBMIT)
            assert ran.exit_code == 0, ran.stderr
        for suffix in ("xlsx", "html"):
            ran = kiemdiem("report", "--campaign", "cuchi-2020", "--out", folder / f"r.{suffix}", "--at", AT_REPORT)
            assert ran.exit_code == 0, ran.stderr
    yield folder


AT_LAUNCH, AT_SUBMIT, AT_REPORT = "2020-11-23T08:00:00+07:00", "2020-12-05T09:00:00+07:00", "2020-12-13T09:00:00+07:00"


def table(sheet) -> tuple[list[str], list[list[object]]]:  # type: ignore[no-untyped-def]
    """A sheet's table: its column names, and its rows of cells (from the numbered row down to the first gap)."""
    rows = list(sheet.iter_rows())
    heading = next(i for i, row in enumerate(rows) if row[0].value == "(1)") - 1
    columns = [c.value for c in rows[heading]]
    body = []
    for row in rows[heading + 2 :]:
        if all(c.value is None for c in row):
            break
        body.append(list(row))
    return columns, body


def column(columns: list[str], name: str, after: int = 0) -> int:
    return columns.index(name, after)


def test_xlsx_numbers_are_numbers_and_the_total_is_the_sum(reported: Path) -> None:
    book = load_workbook(reported / "r.xlsx")
    columns, rows = table(book["Đảng viên"])
    names = [r[1].value for r in rows]
    assert len(rows) == 51 and names[-1] == "Tổng cộng"  # the 50 units directly under the district, then the sum
    for row in rows:
        for cell in row[2:]:
            if cell.value in ("X", "✓", "✗", None):
                continue
            assert cell.data_type == "n" and isinstance(cell.value, int | float), (row[1].value, cell.coordinate)
            assert cell.number_format in ("#,##0", "0.00%"), cell.number_format
    # the total line is the sum of the rows, column by column (counts)
    counts = [i for i, name in enumerate(columns) if i >= 2 and name not in ("%", "Tốt trở lên (%)")][:-1]
    for i in counts:
        assert rows[-1][i].value == sum(r[i].value for r in rows[:-1] if isinstance(r[i].value, int)), columns[i]
    # and it holds what the units reported, added up here
    figures = [f for _n, _m, f in UNITS.values()]
    excellent, good, completed, not_completed, exempt, suspended, new, other, probationary = (
        sum(f[i] for f in figures) for i in range(9)
    )
    members = sum(m for _n, m, _f in UNITS.values())
    evaluated = excellent + good + completed + not_completed
    total = {c: rows[-1][column(columns, c)].value for c in columns[2:11]}
    assert total == {
        "Tổng số": members,
        "Chính thức": members - probationary,
        "Dự bị": probationary,
        "Không đánh giá": exempt + suspended + new + other,
        "miễn công tác và sinh hoạt đảng": exempt,
        "đình chỉ sinh hoạt đảng": suspended,
        "kết nạp dưới 6 tháng": new,
        "lý do khác": other,
        "Được đánh giá": evaluated,
    }
    share = rows[-1][column(columns, "%", column(columns, "Hoàn thành xuất sắc"))]
    assert share.value == round(excellent / evaluated, 4) and share.number_format == "0.00%"
    above = rows[-1][column(columns, "Tốt trở lên (%)")]
    assert above.value == round((excellent + good) / evaluated, 4)
    quota = {r[1].value: r[-1].value for r in rows}
    assert quota["Chi bộ Hội Nông dân"] == "✓" and quota["Chi bộ Chi cục Thuế"] == "✗"
    assert quota["Chi bộ Trường THPT Củ Chi"] is None  # nobody rated: nothing to check
    assert quota["Tổng cộng"] == ("✓" if excellent * 5 <= good else "✗")


def test_organizations_table_counts_each_grassroots_organization_once(reported: Path) -> None:
    columns, rows = table(load_workbook(reported / "r.xlsx")["Tổ chức đảng"])
    with (EXAMPLES / "district.csv").open(encoding="utf-8") as handle:
        grassroots = sum(1 for row in csv.DictReader(handle) if row["level"] == "grassroots")
    total = rows[-1]
    assert total[1].value == "Tổng cộng" and total[2].value == grassroots == sum(r[2].value for r in rows[:-1])
    rated = column(columns, "Được đánh giá")
    assert total[rated].value == len(UNITS) == sum(r[rated].value for r in rows[:-1])  # each rated itself good
    assert total[column(columns, "Hoàn thành tốt")].value == len(UNITS)


def test_levels_and_milestones_are_named_in_vietnamese(reported: Path) -> None:
    book = load_workbook(reported / "r.xlsx")
    texts = {c for sheet in book for row in sheet.iter_rows(values_only=True) for c in row if isinstance(c, str)}
    assert not texts & (LEVEL_CODES | MILESTONE_KEYS)
    assert texts >= LEVEL_NAMES
    assert "Hoàn thành kiểm điểm, đánh giá, xếp loại và báo cáo kết quả cấp cơ sở" in texts
    page = (reported / "r.html").read_text(encoding="utf-8")
    tags = Tags()
    tags.feed(page)
    words = set(re.findall(r"[\w-]+", tags.text))
    assert not words & (LEVEL_CODES | MILESTONE_KEYS)
    assert all(name in tags.text for name in LEVEL_NAMES)


def test_units_not_yet_reported_are_named_with_their_days_overdue(reported: Path) -> None:
    with (EXAMPLES / "district.csv").open(encoding="utf-8") as handle:
        tree = list(csv.DictReader(handle))
    names = {row["code"]: row["name"] for row in tree}
    # unit_plans: grassroots organizations, due 28 November (15 days before 13 December); grassroots_review:
    # grassroots organizations and branches, due 10 December (3 days); less what was submitted
    expected = [(row["name"], 15, names[row["parent"]]) for row in tree if row["level"] == "grassroots"]
    expected.remove(("Chi bộ Hội Nông dân", 15, "Huyện ủy Củ Chi"))
    expected += [
        (row["name"], 3, names[row["parent"]])
        for row in tree
        if row["level"] in ("grassroots", "branch") and row["code"] not in UNITS
    ]
    columns, rows = table(load_workbook(reported / "r.xlsx")["Chưa báo cáo"])
    name, days, parent = column(columns, "Đơn vị"), column(columns, "Số ngày quá hạn"), column(columns, "Trực thuộc")
    found = [(r[name].value, r[days].value, r[parent].value) for r in rows]
    assert sorted(found) == sorted(expected)
    assert [d for _n, d, _p in found] == sorted((d for _n, d, _p in found), reverse=True)  # longest first
    assert all(r[days].data_type == "n" and r[column(columns, "Hạn")].is_date for r in rows)
    ap01 = next(r for r in rows if r[name].value == "Chi bộ ấp 1, xã An Phú")
    assert ap01[column(columns, "Cấp")].value == "Chi bộ trực thuộc"
    assert ap01[parent].value == "Đảng bộ xã An Phú"
    page = (reported / "r.html").read_text(encoding="utf-8")
    assert "Chi bộ ấp 1, xã An Phú" in page and "Đơn vị chưa báo cáo" in page
