"""The offline XLSX form: written for a unit, filled in, read back with the same checks."""

from __future__ import annotations

import csv
import io
import json
import re
import stat
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pendulum
import pytest
import yaml
from openpyxl import load_workbook

from service.report_forms import FIRST_ROW, ROWS, SHEETS, read_form, write_template
from service.secret_key import SecretKeyError, derive
from tests.conftest import EXAMPLES, ROOT, write

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
            "campaign", "launch", ROOT / "deploy" / "campaign.example.yaml", "--at", "2020-11-23T08:00:00+07:00"
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
        "cuchi-2020",
        "--unit",
        "CB-HOINONGDAN",
        "--out",
        out,
        "--at",
        "2020-12-01T09:00:00+07:00",
    )
    assert ran.exit_code == 0, ran.stderr
    book = load_workbook(out)
    assert [s for s in book.sheetnames if s != "Thông tin"] == list(SHEETS.values())
    sheet = book["Đảng viên"]
    assert sheet["A1"].value == "HUYỆN ỦY CỦ CHI" and "NĂM 2020" in sheet["A3"].value
    assert sheet["A4"].value.startswith("Ngày 1 tháng 12 năm 2020")
    assert sheet.cell(FIRST_ROW + 2, 2).value == "Hoàn thành xuất sắc nhiệm vụ"
    assert sheet.data_validations.dataValidation[0].type == "whole"
    assert sheet.cell(FIRST_ROW + 2, 4).value.startswith("=IF(")


def test_filled_form_is_submitted_and_a_bad_one_names_the_cell(kiemdiem, tmp_path: Path) -> None:
    launched(kiemdiem)
    out = tmp_path / "form.xlsx"
    kiemdiem("report", "template", "--campaign", "cuchi-2020", "--unit", "CB-HOINONGDAN", "--out", out)
    fill(
        out,
        "Đảng viên",
        {"total": 30, "evaluated": 28, "excellent": 4, "good": 21, "completed": 3, "not_evaluated.exempt": 2},
    )
    fill(out, "Tổ chức đảng", {"total": 1, "evaluated": 1, "good": 1})
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(out.read_bytes())
    fill(bad, "Đảng viên", {"completed": "ba"})
    refused = kiemdiem("status", "import", bad, "--at", "2020-12-05T09:00:00+07:00")
    assert refused.exit_code == 2 and "Đảng viên!C10" in refused.stderr and "[not_a_count]" in refused.stderr
    fill(bad, "Đảng viên", {"completed": 9})
    refused = kiemdiem("status", "import", bad, "--at", "2020-12-05T09:00:00+07:00")
    assert refused.exit_code == 2 and "[levels_sum]" in refused.stderr and "34" in refused.stderr
    ran = kiemdiem("status", "import", out, "--at", "2020-12-05T09:00:00+07:00", "--format", "json")
    assert ran.exit_code == 0, ran.stderr
    assert json.loads(ran.stdout) == {
        "campaign": "cuchi-2020",
        "unit": "CB-HOINONGDAN",
        "milestone": "grassroots_review",
        "status": "submitted",
        "on_time": True,
    }
    results = json.loads(kiemdiem("progress", "--campaign", "cuchi-2020", "--format", "json").stdout)["results"]
    assert results["member"]["evaluated"] == 28 and results["organization"]["good_or_above_pct"] == 100.0


# --- Hostile names: every text written as text, never as a formula (issue 8, item 5) ---

EVIL_ROOT = '=HYPERLINK("http://evil.example/","<img src=x onerror=alert(1)>")'
EVIL_NAMES = {"CS-PLUS": "+SUM(1;2)", "CS-AT": "@SUM(1+1)", "CS-MINUS": "-2+3", "CS-EQ": '=HYPERLINK("http://e/","x")'}
EVIL_TITLE = '=HYPERLINK("http://evil.example/","<script>alert(1)</script>")'
EVIL_PLAN = "@45-KH/HU"
# The template's only formulas: each level as a share of those evaluated, on every subject's sheet.
TEMPLATE_FORMULAS = {
    f"{title}!D{row}": f"=IF(C{FIRST_ROW + 1}>0,C{row}/C{FIRST_ROW + 1},0)"
    for title in SHEETS.values()
    for row in range(FIRST_ROW + 2, FIRST_ROW + 6)
}


def formulas(path: Path) -> dict[str, str]:
    """Every formula cell of a workbook, as openpyxl reads the file back: {"Sheet!A1": "=..."}."""
    book = load_workbook(path)
    return {
        f"{sheet.title}!{cell.coordinate}": cell.value
        for sheet in book
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    }


def xml_formulas(path: Path) -> list[str]:
    """Every <f> element of every sheet, read from the XML inside the file as Excel and LibreOffice read it."""
    with zipfile.ZipFile(path) as archive:
        return [
            found
            for name in archive.namelist()
            if name.startswith("xl/worksheets/")
            for found in re.findall(r"<f(?:\s[^>]*)?>(.*?)</f>", archive.read(name).decode())
        ]


def hostile_campaign(kiemdiem, tmp_path: Path) -> list[str]:  # type: ignore[no-untyped-def]
    """A tree and a campaign whose names start like formulas (and hold HTML); returns the grassroots codes."""
    tree = io.StringIO()
    rows = csv.writer(tree)
    rows.writerow(["code", "parent", "name", "level", "members"])
    rows.writerow(["HU-EVIL", "", EVIL_ROOT, "district", 0])
    rows.writerows([code, "HU-EVIL", name, "grassroots", 10] for code, name in EVIL_NAMES.items())
    ran = kiemdiem("units", "import", write(tmp_path / "tree.csv", tree.getvalue()))
    assert ran.exit_code == 0, ran.stderr
    codes = list(EVIL_NAMES)
    # A code that starts like a formula: refusing it at import is the tree's rule (models/tree.py); while it is
    # accepted, forms for it must still be written as text.
    ran = kiemdiem(
        "units", "import", write(tmp_path / "code.csv", "code,parent,name,level,members\n=1+1,HU-EVIL,x,grassroots,1\n")
    )
    assert ran.exit_code in (0, 2) and "Traceback" not in ran.stderr, ran.stderr
    if ran.exit_code == 0:
        codes.append("=1+1")
    config = {
        "key": "evil-2026",
        "title": EVIL_TITLE,
        "year": 2026,
        "plan_number": EVIL_PLAN,
        "root": "HU-EVIL",
        "launch": "2026-11-23",
        "milestones": [{"key": "grassroots_review", "levels": ["grassroots"], "deadline": "2026-12-10"}],
    }
    ran = kiemdiem(
        "campaign", "launch", write(tmp_path / "c.yaml", yaml.safe_dump(config)), "--at", "2026-11-23T08:00:00+07:00"
    )
    assert ran.exit_code == 0, ran.stderr
    return codes


def test_template_writes_hostile_names_as_text(kiemdiem, tmp_path: Path) -> None:
    codes = hostile_campaign(kiemdiem, tmp_path)
    for number, code in enumerate(codes):
        out = tmp_path / f"form-{number}.xlsx"
        ran = kiemdiem("report", "template", "--campaign", "evil-2026", "--unit", code, "--out", out)
        assert ran.exit_code == 0, ran.stderr
        assert formulas(out) == TEMPLATE_FORMULAS
        assert not any("evil" in f or "HYPERLINK" in f or "SUM" in f for f in xml_formulas(out))
        assert len(xml_formulas(out)) == len(TEMPLATE_FORMULAS)
        book = load_workbook(out)
        for title in SHEETS.values():
            a1, a2 = book[title]["A1"], book[title]["A2"]
            assert (a1.value, a1.data_type, a1.quotePrefix) == (EVIL_ROOT.upper(), "s", True)
            assert (a2.value, a2.data_type, a2.quotePrefix) == (EVIL_NAMES.get(code, "x"), "s", code in EVIL_NAMES)
        assert (book["Thông tin"]["B2"].value, book["Thông tin"]["B2"].data_type) == (code, "s")


def test_text_cells_escape_every_formula_start_and_control_characters(tmp_path: Path) -> None:
    names = ["=1+1", "+1", "-1", "@A1", "\t=1+1", "\r=1+1", "#N/A", "bell\x07name"]
    key = b"k" * 32
    for number, name in enumerate(names):
        out = tmp_path / f"{number}.xlsx"
        write_template(out, key, (name, name, name), name, name, 2026, pendulum.datetime(2026, 12, 1))
        assert formulas(out) == TEMPLATE_FORMULAS, name
        cell = load_workbook(out)["Đảng viên"]["A2"]
        written = name.replace("\x07", "\ufffd").replace("\r", "\n")
        assert cell.data_type == "s" and cell.value == written, name
        assert cell.quotePrefix == name.startswith(("=", "+", "-", "@", "\t", "\r")), name
        meta, _report = read_form(filled(out), out.name, key)  # the signature holds for such names too
        assert meta == {"campaign": written, "unit": written, "milestone": written}


def filled(path: Path) -> bytes:
    fill(path, "Đảng viên", {"total": 2, "evaluated": 2, "good": 2})
    return path.read_bytes()


# --- Signed forms: a form submits only for the unit, campaign and milestone it was made for ---


def template(kiemdiem, out: Path, unit: str = "CB-HOINONGDAN") -> Path:  # type: ignore[no-untyped-def]
    ran = kiemdiem("report", "template", "--campaign", "cuchi-2020", "--unit", unit, "--out", out)
    assert ran.exit_code == 0, ran.stderr
    # CB-HOINONGDAN has 30 members in the example tree: the form's total agrees
    fill(out, "Đảng viên", {"total": 30, "evaluated": 28, "good": 28, "not_evaluated.exempt": 2})
    return out


def set_meta(path: Path, cell: str, value: object) -> None:
    book = load_workbook(path)
    book["Thông tin"][cell] = value
    book.save(path)


def imported(kiemdiem, path: Path):  # type: ignore[no-untyped-def]
    return kiemdiem("status", "import", path, "--at", "2020-12-05T09:00:00+07:00")


def test_a_form_edited_to_name_another_unit_is_refused(kiemdiem, snapshot, tmp_path: Path) -> None:
    launched(kiemdiem)
    form = template(kiemdiem, tmp_path / "form.xlsx")
    for cell, value in (("B2", "XA-ANPHU"), ("B1", "other-2026"), ("B3", "district_review")):
        tampered = tmp_path / f"tampered-{cell}.xlsx"
        tampered.write_bytes(form.read_bytes())
        set_meta(tampered, cell, value)
        before = snapshot()
        refused = imported(kiemdiem, tampered)
        assert refused.exit_code == 2, refused.stdout + refused.stderr
        assert "[bad_signature]" in refused.stderr and "Thông tin!B4" in refused.stderr
        assert "không khớp" in refused.stderr and "does not match" in refused.stderr
        assert snapshot() == before
    # The same form as it was made goes in, for its own unit.
    ran = imported(kiemdiem, form)
    assert ran.exit_code == 0 and "CB-HOINONGDAN · grassroots_review: submitted" in ran.stdout, ran.stderr


def test_a_signature_copied_between_forms_or_removed_is_refused(kiemdiem, snapshot, tmp_path: Path) -> None:
    launched(kiemdiem)
    mine = template(kiemdiem, tmp_path / "mine.xlsx")
    theirs = template(kiemdiem, tmp_path / "theirs.xlsx", unit="XA-ANPHU")
    set_meta(mine, "B4", load_workbook(theirs)["Thông tin"]["B4"].value)
    before = snapshot()
    refused = imported(kiemdiem, mine)
    assert refused.exit_code == 2 and "[bad_signature]" in refused.stderr
    set_meta(mine, "B4", None)
    refused = imported(kiemdiem, mine)
    assert refused.exit_code == 2 and "[unsigned_form]" in refused.stderr and "Thông tin!B4" in refused.stderr
    assert snapshot() == before


def test_a_form_signed_by_another_installation_is_refused(kiemdiem, snapshot, tmp_path: Path, monkeypatch) -> None:
    launched(kiemdiem)
    monkeypatch.setenv("KIEMDIEM_SECRET_KEY", "0f1e2d3c4b5a69788796a5b4c3d2e1f0" * 2)
    form = template(kiemdiem, tmp_path / "form.xlsx")
    monkeypatch.setenv("KIEMDIEM_SECRET_KEY", "a1b2c3d4e5f60718293a4b5c6d7e8f90" * 2)
    before = snapshot()
    refused = imported(kiemdiem, form)
    assert refused.exit_code == 2 and "[bad_signature]" in refused.stderr
    assert snapshot() == before
    monkeypatch.setenv("KIEMDIEM_SECRET_KEY", "0f1e2d3c4b5a69788796a5b4c3d2e1f0" * 2)
    assert imported(kiemdiem, form).exit_code == 0


def test_count_cells_must_hold_typed_counts(kiemdiem, snapshot, tmp_path: Path) -> None:
    launched(kiemdiem)
    form = template(kiemdiem, tmp_path / "form.xlsx")
    cases = [("total", "=38+2", "[formula]"), ("good", True, "[not_a_count]"), ("total", 10**20, "[not_a_count]")]
    for field, value, rule in cases:
        bad = tmp_path / "bad.xlsx"
        bad.write_bytes(form.read_bytes())
        fill(bad, "Đảng viên", {field: value})  # type: ignore[dict-item]
        before = snapshot()
        refused = imported(kiemdiem, bad)
        where = f"Đảng viên!C{FIRST_ROW + FIELDS.index(field)}"
        assert refused.exit_code == 2 and rule in refused.stderr and where in refused.stderr, (value, refused.stderr)
        assert snapshot() == before


def test_the_key_is_made_once_readable_by_its_owner_only_and_never_shown(kiemdiem, tmp_path: Path, env) -> None:
    launched(kiemdiem)
    outputs = [
        kiemdiem(
            "report", "template", "--campaign", "cuchi-2020", "--unit", "XA-ANPHU", "--out", tmp_path / f"{n}.xlsx"
        )
        for n in (1, 2)
    ]
    key_file = Path(env["KIEMDIEM_HOME"]) / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(key) == 64
    signatures = {load_workbook(tmp_path / f"{n}.xlsx")["Thông tin"]["B4"].value for n in (1, 2)}
    assert len(signatures) == 1 and signatures != {None}  # the same key both times
    for ran in outputs:
        assert ran.exit_code == 0 and key not in ran.stdout + ran.stderr
    for n in (1, 2):
        with zipfile.ZipFile(tmp_path / f"{n}.xlsx") as archive:
            assert not any(key.encode() in archive.read(name) for name in archive.namelist())


def test_secret_key_rules(tmp_path: Path) -> None:
    home = tmp_path / "home"
    keys = set()
    with ThreadPoolExecutor(8) as pool:  # processes starting at once all end up with one key
        keys.update(pool.map(lambda _: derive(home, "offline-form"), range(16)))
    assert len(keys) == 1 and not list(home.glob(".secret.key.*"))
    assert derive(home, "cookie") not in keys
    (home / "secret.key").chmod(0o644)
    with pytest.raises(SecretKeyError, match="chmod 600"):
        derive(home, "offline-form")
    for placeholder in ("Xq9-tiny-key", "changethis" * 4, "a" * 40):
        with pytest.raises(SecretKeyError, match="KIEMDIEM_SECRET_KEY") as refused:
            derive(home, "offline-form", placeholder)
        assert placeholder not in str(refused.value)
    good = "9c8b7a6d5e4f30211203f4e5d6c7b8a9" * 2
    assert derive(home, "x", good) == derive(tmp_path / "else", "x", good)


# --- --out: a folder that exists, the suffix the command writes, nothing overwritten without --force ---


def test_template_out_is_checked_before_anything_is_written(kiemdiem, tmp_path: Path) -> None:
    launched(kiemdiem)
    form = ("report", "template", "--campaign", "cuchi-2020", "--unit", "XA-ANPHU")
    refused = kiemdiem(*form, "--out", tmp_path / "missing" / "form.xlsx")
    assert refused.exit_code == 2 and "[no_such_folder]" in refused.stderr and "--out" in refused.stderr
    assert "không tồn tại" in refused.stderr and "does not exist" in refused.stderr
    refused = kiemdiem(*form, "--out", tmp_path / "form.txt")
    assert refused.exit_code == 2 and "[unknown_format]" in refused.stderr and ".xlsx" in refused.stderr
    refused = kiemdiem(*form, "--out", tmp_path)
    assert refused.exit_code == 2 and "[out_is_folder]" in refused.stderr
    refused = kiemdiem(
        "report", "template", "--campaign", "cuchi-2020", "--unit", "NO-SUCH", "--out", tmp_path / "x.xlsx"
    )
    assert refused.exit_code == 2 and "[unknown_unit]" in refused.stderr
    # nothing written, no temporary file left behind, no folder made
    assert (
        not [p.name for p in tmp_path.iterdir() if p.suffix in (".xlsx", ".txt")]
        and not (tmp_path / "missing").exists()
    )


def test_template_does_not_overwrite_without_force(kiemdiem, tmp_path: Path) -> None:
    launched(kiemdiem)
    out = tmp_path / "form.xlsx"
    form = ("report", "template", "--campaign", "cuchi-2020", "--unit", "XA-ANPHU", "--out", out)
    assert kiemdiem(*form, "--at", "2020-12-01T09:00:00+07:00").exit_code == 0
    first = out.read_bytes()
    refused = kiemdiem(*form, "--at", "2020-12-02T09:00:00+07:00")
    assert refused.exit_code == 2 and "[file_exists]" in refused.stderr and "--force" in refused.stderr
    assert out.read_bytes() == first
    ran = kiemdiem(*form, "--force", "--at", "2020-12-02T09:00:00+07:00")
    assert ran.exit_code == 0 and ran.stdout.strip() == str(out), ran.stderr
    assert load_workbook(out)["Đảng viên"]["A4"].value.startswith("Ngày 2 tháng 12")
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".xlsx"] == ["form.xlsx"]
