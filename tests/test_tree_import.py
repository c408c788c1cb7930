"""`kiemdiem units import` and `units tree`: CSV, XLSX and YAML, updates, and every bad input refused whole."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.conftest import write

HEADER = "code,parent,name,level,members,contacts\n"
SMALL = HEADER + (
    "HU-A,,Huyện ủy A,district,0,mailto://vanphong@a.example.vn\n"
    "CS-1,HU-A,Đảng bộ xã Một,grassroots,0,\n"
    "CS-1-CB1,CS-1,Chi bộ ấp 1,branch,30,\n"
    "CS-1-CB2,CS-1,Chi bộ ấp 2,branch,12,\n"
    "CS-2,HU-A,Chi bộ cơ sở Hai,grassroots,25,json://localhost:8080/hook\n"
)


def tree_json(kiemdiem, *args: str) -> list[dict]:
    ran = kiemdiem("units", "tree", "--format", "json", *args)
    assert ran.exit_code == 0, ran.stderr
    return json.loads(ran.stdout)


def flatten(nodes: list[dict]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for node in nodes:
        found[node["code"]] = node
        found.update(flatten(node["children"]))
    return found


def test_csv_import_builds_the_tree_with_subtree_totals(kiemdiem, tmp_path: Path) -> None:
    ran = kiemdiem("units", "import", write(tmp_path / "tree.csv", SMALL))
    assert ran.exit_code == 0, ran.stderr
    assert "5 new" in ran.stdout
    units = flatten(tree_json(kiemdiem))
    assert units["HU-A"]["subtree_members"] == 67 and units["HU-A"]["subtree_units"] == 5
    assert units["CS-1"]["subtree_members"] == 42
    assert units["CS-1-CB2"]["parent"] == "CS-1"
    assert [c["code"] for c in units["HU-A"]["children"]] == ["CS-1", "CS-2"]
    assert units["HU-A"]["contacts"] == 1


def test_tree_table_and_subtree(kiemdiem, tmp_path: Path) -> None:
    kiemdiem("units", "import", write(tmp_path / "tree.csv", SMALL))
    ran = kiemdiem("units", "tree", "--root", "CS-1")
    assert ran.exit_code == 0
    lines = ran.stdout.splitlines()
    assert lines[0].startswith("CS-1  [grassroots]  Đảng bộ xã Một") and "42 đảng viên" in lines[0]
    assert len(lines) == 3 and all(line.startswith("  CS-1-CB") for line in lines[1:])
    assert "HU-A" not in ran.stdout


def test_same_file_twice_changes_nothing(kiemdiem, snapshot, tmp_path: Path) -> None:
    path = write(tmp_path / "tree.csv", SMALL)
    kiemdiem("units", "import", path)
    before = snapshot()
    ran = kiemdiem("units", "import", path, "--at", "2027-01-01T00:00:00+07:00")
    assert ran.exit_code == 0 and "5 unchanged" in ran.stdout
    assert snapshot() == before


def test_edited_file_updates_names_members_contacts_and_parents(kiemdiem, tmp_path: Path) -> None:
    kiemdiem("units", "import", write(tmp_path / "tree.csv", SMALL))
    edited = SMALL.replace("Chi bộ ấp 1,branch,30,", "Chi bộ ấp Một,branch,31,mailto://bithu@x.example.vn").replace(
        "CS-1-CB2,CS-1,", "CS-1-CB2,CS-2,"
    )
    ran = kiemdiem("units", "import", write(tmp_path / "edited.csv", edited))
    assert ran.exit_code == 0 and "2 updated" in ran.stdout, ran.stdout
    units = flatten(tree_json(kiemdiem))
    assert units["CS-1-CB1"]["name"] == "Chi bộ ấp Một" and units["CS-1-CB1"]["members"] == 31
    assert units["CS-1-CB1"]["contacts"] == 1
    assert units["CS-1-CB2"]["parent"] == "CS-2"
    assert units["CS-2"]["subtree_members"] == 37 and units["CS-1"]["subtree_members"] == 31
    assert [c["code"] for c in tree_json(kiemdiem, "--root", "CS-2")[0]["children"]] == ["CS-1-CB2"]


def test_a_partial_file_may_attach_to_units_already_loaded(kiemdiem, tmp_path: Path) -> None:
    kiemdiem("units", "import", write(tmp_path / "tree.csv", SMALL))
    ran = kiemdiem("units", "import", write(tmp_path / "more.csv", HEADER + "CS-2-CB1,CS-2,Chi bộ 1,branch,5,\n"))
    assert ran.exit_code == 0, ran.stderr
    assert flatten(tree_json(kiemdiem))["CS-2"]["subtree_units"] == 2


def test_xlsx_import(kiemdiem, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    for line in SMALL.strip().splitlines():
        sheet.append([int(v) if v.isdigit() else (v or None) for v in line.split(",")])
    book.save(tmp_path / "tree.xlsx")
    ran = kiemdiem("units", "import", tmp_path / "tree.xlsx")
    assert ran.exit_code == 0, ran.stderr
    assert flatten(tree_json(kiemdiem))["CS-1"]["subtree_members"] == 42


def test_yaml_import_with_contact_lists(kiemdiem, tmp_path: Path) -> None:
    text = """units:
  - {code: HU-A, name: Huyện ủy A, level: district}
  - code: CS-1
    parent: HU-A
    name: Đảng bộ xã Một
    level: grassroots
    members: 40
    contacts: [mailto://a@x.example.vn, json://localhost/hook]
"""
    ran = kiemdiem("units", "import", write(tmp_path / "tree.yaml", text))
    assert ran.exit_code == 0, ran.stderr
    units = flatten(tree_json(kiemdiem))
    assert units["CS-1"]["contacts"] == 2 and units["HU-A"]["members"] == 0


def test_utf8_with_bom_is_accepted(kiemdiem, tmp_path: Path) -> None:
    (tmp_path / "bom.csv").write_bytes(SMALL.encode("utf-8-sig"))
    ran = kiemdiem("units", "import", tmp_path / "bom.csv")
    assert ran.exit_code == 0, ran.stderr
    assert flatten(tree_json(kiemdiem))["CS-1"]["name"] == "Đảng bộ xã Một"


BAD_ROWS = [
    pytest.param("CS-9,HU-X,Chi bộ 9,grassroots,3,", 7, "parent", "unknown_parent", "HU-X", id="unknown-parent"),
    pytest.param("CS-1,HU-A,Chi bộ trùng,grassroots,3,", 7, "code", "duplicate_code", "row 3", id="duplicate-code"),
    pytest.param("HU-B,,Huyện ủy B,district,0,", 7, "parent", "two_roots", "HU-B", id="two-roots"),
    pytest.param("CS-9,HU-A,Chi bộ 9,ward,3,", 7, "level", "unknown_level", "ward", id="unknown-level"),
    pytest.param("CS-9,HU-A,Chi bộ 9,branch,-4,", 7, "members", "negative", "-4", id="negative-members"),
    pytest.param("CS-9,HU-A,Chi bộ 9,branch,ba mươi,", 7, "members", "not_a_number", "ba mươi", id="text-members"),
    pytest.param(
        "CS-9,HU-A,Chi bộ 9,branch,3,notaurl://x",
        7,
        "contacts",
        "invalid_contact",
        "contact 1",
        id="invalid-apprise-url",
    ),
    pytest.param(",HU-A,Chi bộ 9,branch,3,", 7, "code", "required", "empty", id="empty-code"),
]


@pytest.mark.parametrize(("line", "row", "field", "rule", "detail"), BAD_ROWS)
def test_bad_row_is_refused_and_nothing_changes(
    kiemdiem, snapshot, tmp_path: Path, line: str, row: int, field: str, rule: str, detail: str
) -> None:
    kiemdiem("units", "import", write(tmp_path / "tree.csv", SMALL))
    before = snapshot()
    bad = SMALL.replace("CS-2,HU-A,Chi bộ cơ sở Hai", "CS-2,HU-A,Chi bộ cơ sở Hai (mới)") + line + "\n"
    ran = kiemdiem("units", "import", write(tmp_path / "bad.csv", bad))
    assert ran.exit_code == 2
    assert ran.stdout == ""
    assert f"row {row}, field {field} [{rule}]" in ran.stderr
    assert f"dòng {row}, cột/trường {field} [{rule}]" in ran.stderr
    assert detail in ran.stderr
    assert "Traceback" not in ran.stderr
    assert snapshot() == before  # the valid edit on row 6 was not applied either


def test_cycle_is_named(kiemdiem, snapshot, tmp_path: Path) -> None:
    kiemdiem("units", "import", write(tmp_path / "tree.csv", SMALL))
    before = snapshot()
    cyclic = HEADER + "CS-1,CS-1-CB1,Đảng bộ xã Một,grassroots,0,\n"
    ran = kiemdiem("units", "import", write(tmp_path / "cycle.csv", cyclic))
    assert ran.exit_code == 2
    assert "[cycle]" in ran.stderr and "CS-1 → CS-1-CB1 → CS-1" in ran.stderr
    assert "row 2, field parent" in ran.stderr
    assert snapshot() == before


def test_every_problem_is_listed_at_once(kiemdiem, tmp_path: Path) -> None:
    bad = HEADER + "A,,Một,district,x,\nB,A,Hai,nowhere,1,\n"
    ran = kiemdiem("units", "import", write(tmp_path / "bad.csv", bad), "--format", "json")
    assert ran.exit_code == 2
    errors = json.loads(ran.stderr)["errors"]
    assert {(e["row"], e["field"], e["rule"]) for e in errors} == {
        (2, "members", "not_a_number"),
        (3, "level", "unknown_level"),
    }
    assert all(e["vi"] and e["en"] for e in errors)


def test_a_secret_in_a_bad_contact_is_not_echoed(kiemdiem, tmp_path: Path) -> None:
    bad = HEADER + "A,,Một,district,1,bogus://admin:S3cretPass@host/path\n"
    ran = kiemdiem("units", "import", write(tmp_path / "bad.csv", bad))
    assert ran.exit_code == 2 and "invalid_contact" in ran.stderr
    assert "S3cretPass" not in ran.stderr + ran.stdout


def test_non_utf8_file_is_named_as_such(kiemdiem, snapshot, tmp_path: Path) -> None:
    before = snapshot()
    (tmp_path / "cp1258.csv").write_bytes(SMALL.encode("cp1258", errors="replace"))
    ran = kiemdiem("units", "import", tmp_path / "cp1258.csv")
    assert ran.exit_code == 2
    assert "[not_utf8]" in ran.stderr and "not UTF-8" in ran.stderr and "không phải UTF-8" in ran.stderr
    # cp1258 cannot encode the letters of line 2 (replaced); "Đ" on line 3 is the first bad byte.
    assert "row 3" in ran.stderr
    assert snapshot() == before


@pytest.mark.parametrize("content", ["", "   \n", HEADER], ids=["empty", "blank", "header-only"])
def test_empty_file(kiemdiem, snapshot, tmp_path: Path, content: str) -> None:
    before = snapshot()
    ran = kiemdiem("units", "import", write(tmp_path / "empty.csv", content))
    assert ran.exit_code == 2 and "[empty_file]" in ran.stderr
    assert snapshot() == before


def test_missing_column(kiemdiem, tmp_path: Path) -> None:
    ran = kiemdiem("units", "import", write(tmp_path / "t.csv", "code,parent,name,members\nA,,Một,1\n"))
    assert ran.exit_code == 2 and "row 1, field level [missing_column]" in ran.stderr


def test_unknown_format_and_missing_file(kiemdiem, tmp_path: Path) -> None:
    assert kiemdiem("units", "import", write(tmp_path / "t.json", "[]")).exit_code == 2
    ran = kiemdiem("units", "import", tmp_path / "nowhere.csv")
    assert ran.exit_code == 2 and "[file_not_found]" in ran.stderr


def test_many_roots_when_asked(kiemdiem, tmp_path: Path) -> None:
    two = HEADER + "A,,Một,province,1,\nB,,Hai,province,2,\n"
    assert kiemdiem("units", "import", write(tmp_path / "t.csv", two)).exit_code == 2
    assert kiemdiem("units", "import", tmp_path / "t.csv", "--many-roots").exit_code == 0
    assert [n["code"] for n in tree_json(kiemdiem)] == ["A", "B"]


def test_extra_levels_come_from_settings(kiemdiem, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env) -> None:
    text = HEADER + "A,,Một,district,0,\nA-1,A,Đảng bộ bộ phận,partial,0,\n"
    assert kiemdiem("units", "import", write(tmp_path / "t.csv", text)).exit_code == 2
    monkeypatch.setenv("KIEMDIEM_LEVELS", "province,district,commune,grassroots,partial,branch")
    env["KIEMDIEM_LEVELS"] = "province,district,commune,grassroots,partial,branch"
    assert kiemdiem("units", "import", tmp_path / "t.csv").exit_code == 0


def test_example_district_loads(kiemdiem) -> None:
    from tests.conftest import EXAMPLES

    ran = kiemdiem("units", "import", EXAMPLES / "district.csv")
    assert ran.exit_code == 0, ran.stderr
    root = tree_json(kiemdiem)[0]
    assert root["code"] == "HU-CUCHI" and root["subtree_members"] == 9899
    assert sum(1 for c in root["children"] if c["level"] == "grassroots") == 50
