"""The offline XLSX form: written for a unit, filled in, read back with the same checks."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import load_workbook

from service.report_forms import FIRST_ROW, ROWS, SHEETS
from tests.conftest import EXAMPLES, ROOT

FIELDS = [field for _label, field in ROWS]


def fill(path: Path, sheet: str, values: dict[str, int | str]) -> None:
    book = load_workbook(path)
    for field, value in values.items():
        book[sheet].cell(FIRST_ROW + FIELDS.index(field), 3, value)
    book.save(path)


def launched(kiemdiem) -> None:  # type: ignore[no-untyped-def]
    assert kiemdiem("units", "import", EXAMPLES / "district.csv").exit_code == 0
    assert (
        kiemdiem(
            "campaign", "launch", ROOT / "deploy" / "campaign.example.yaml", "--at", "2026-11-23T08:00:00+07:00"
        ).exit_code
        == 0
    )


def test_template_is_laid_out_like_the_offices_tables(kiemdiem, tmp_path: Path) -> None:
    launched(kiemdiem)
    out = tmp_path / "form.xlsx"
    ran = kiemdiem(
        "report",
        "template",
        "--campaign",
        "cuchi-2026",
        "--unit",
        "CB-HOINONGDAN",
        "--out",
        out,
        "--at",
        "2026-12-01T09:00:00+07:00",
    )
    assert ran.exit_code == 0, ran.stderr
    book = load_workbook(out)
    assert [s for s in book.sheetnames if s != "Thông tin"] == list(SHEETS.values())
    sheet = book["Đảng viên"]
    assert sheet["A1"].value == "HUYỆN ỦY CỦ CHI" and "NĂM 2026" in sheet["A3"].value
    assert sheet["A4"].value.startswith("Ngày 1 tháng 12 năm 2026")
    assert sheet.cell(FIRST_ROW + 2, 2).value == "Hoàn thành xuất sắc nhiệm vụ"
    assert sheet.data_validations.dataValidation[0].type == "whole"
    assert sheet.cell(FIRST_ROW + 2, 4).value.startswith("=IF(")


def test_filled_form_is_submitted_and_a_bad_one_names_the_cell(kiemdiem, tmp_path: Path) -> None:
    launched(kiemdiem)
    out = tmp_path / "form.xlsx"
    kiemdiem("report", "template", "--campaign", "cuchi-2026", "--unit", "CB-HOINONGDAN", "--out", out)
    fill(
        out,
        "Đảng viên",
        {"total": 40, "evaluated": 38, "excellent": 5, "good": 30, "completed": 3, "not_evaluated.exempt": 2},
    )
    fill(out, "Tổ chức đảng", {"total": 1, "evaluated": 1, "good": 1})
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(out.read_bytes())
    fill(bad, "Đảng viên", {"completed": "ba"})
    refused = kiemdiem("status", "import", bad, "--at", "2026-12-05T09:00:00+07:00")
    assert refused.exit_code == 2 and "Đảng viên!C10" in refused.stderr and "[not_a_count]" in refused.stderr
    fill(bad, "Đảng viên", {"completed": 9})
    refused = kiemdiem("status", "import", bad, "--at", "2026-12-05T09:00:00+07:00")
    assert refused.exit_code == 2 and "[levels_sum]" in refused.stderr and "44" in refused.stderr
    ran = kiemdiem("status", "import", out, "--at", "2026-12-05T09:00:00+07:00", "--format", "json")
    assert ran.exit_code == 0, ran.stderr
    assert json.loads(ran.stdout) == {
        "campaign": "cuchi-2026",
        "unit": "CB-HOINONGDAN",
        "milestone": "grassroots_review",
        "status": "submitted",
        "on_time": True,
    }
    results = json.loads(kiemdiem("progress", "--campaign", "cuchi-2026", "--format", "json").stdout)["results"]
    assert results["member"]["evaluated"] == 38 and results["organization"]["good_or_above_pct"] == 100.0
