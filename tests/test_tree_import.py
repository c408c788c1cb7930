"""`kiemdiem units import` and `units tree`: CSV, XLSX and YAML, updates, and every bad input refused whole."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.conftest import Shared, shared_database, write

# Characters no code may hold: C0 and C1 controls, DEL, bidi and zero-width formatting, line separators.

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
    pytest.param("=1+1,HU-A,Chi bộ 9,branch,3,", 7, "code", "code_formula_prefix", "'=1+1'", id="formula-code"),
    pytest.param("@CS-9,HU-A,Chi bộ 9,branch,3,", 7, "code", "code_formula_prefix", "'@'", id="at-code"),
    pytest.param(" CS-9,HU-A,Chi bộ 9,branch,3,", 7, "code", "code_whitespace", "leading", id="leading-space"),
    pytest.param("CS\x07-9,HU-A,Chi bộ 9,branch,3,", 7, "code", "code_control_character", "U+0007", id="bell"),
    pytest.param("CS-9,HU-A,Chi\x00 bộ 9,branch,3,", 7, "name", "name_control_character", "U+0000", id="nul-name"),
    pytest.param("CS-9,HU-A,Chi bộ 9,branch,9223372036854775808,", 7, "members", "too_large", "at most", id="2**63"),
    pytest.param("CS-9,HU-A,Chi bộ 9,branch,10000001,", 7, "members", "too_large", "10,000,000", id="over-bound"),
    pytest.param(
        "CS-9,HU-A,Chi bộ 9,district,3,", 7, "level", "level_order", "'district' of its parent", id="level-same"
    ),
    pytest.param("CS-9,CS-1-CB1,Chi bộ 9,grassroots,3,", 7, "level", "level_order", "'branch'", id="level-above"),
]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def small_tree(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shared]:
    """SMALL imported once per database for the files refused against it (or whatever the tree): each test shows
    that its own refusal changed nothing, so they may share it."""
    with shared_database(request, tmp_path_factory) as shared:
        ran = shared.kiemdiem("units", "import", write(tmp_path_factory.mktemp("small") / "tree.csv", SMALL))
        assert ran.exit_code == 0 and "5 new" in ran.stdout, ran.stderr
        yield shared


@pytest.mark.parametrize(("line", "row", "field", "rule", "detail"), BAD_ROWS)
def test_bad_row_is_refused_and_nothing_changes(
    small_tree: Shared, tmp_path: Path, line: str, row: int, field: str, rule: str, detail: str
) -> None:
    bad = SMALL.replace("CS-2,HU-A,Chi bộ cơ sở Hai", "CS-2,HU-A,Chi bộ cơ sở Hai (mới)") + line + "\n"
    with small_tree.unchanged() as kiemdiem:  # the valid edit on row 6 is not applied either
        ran = kiemdiem("units", "import", write(tmp_path / "bad.csv", bad))
    assert ran.exit_code == 2
    assert ran.stdout == ""
    assert f"row {row}, field {field} [{rule}]" in ran.stderr
    assert f"dòng {row}, cột/trường {field} [{rule}]" in ran.stderr
    assert detail in ran.stderr
    assert "Traceback" not in ran.stderr


def test_cycle_is_named(small_tree: Shared, tmp_path: Path) -> None:
    cyclic = HEADER + "CS-1,CS-1-CB1,Đảng bộ xã Một,grassroots,0,\n"
    with small_tree.unchanged() as kiemdiem:
        ran = kiemdiem("units", "import", write(tmp_path / "cycle.csv", cyclic))
    assert ran.exit_code == 2
    assert "[cycle]" in ran.stderr and "CS-1 → CS-1-CB1 → CS-1" in ran.stderr
    assert "row 2, field parent" in ran.stderr


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


def test_non_utf8_file_is_named_as_such(small_tree: Shared, tmp_path: Path) -> None:
    (tmp_path / "cp1258.csv").write_bytes(SMALL.encode("cp1258", errors="replace"))
    with small_tree.unchanged() as kiemdiem:
        ran = kiemdiem("units", "import", tmp_path / "cp1258.csv")
    assert ran.exit_code == 2
    assert "[not_utf8]" in ran.stderr and "not UTF-8" in ran.stderr and "không phải UTF-8" in ran.stderr
    # cp1258 cannot encode the letters of line 2 (replaced); "Đ" on line 3 is the first bad byte.
    assert "row 3" in ran.stderr


@pytest.mark.parametrize("content", ["", "   \n", HEADER], ids=["empty", "blank", "header-only"])
def test_empty_file(small_tree: Shared, tmp_path: Path, content: str) -> None:
    with small_tree.unchanged() as kiemdiem:
        ran = kiemdiem("units", "import", write(tmp_path / "empty.csv", content))
    assert ran.exit_code == 2 and "[empty_file]" in ran.stderr


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


# Limits of issue 8: depth, level order, codes, member counts, the number of problems listed, speed.


def chain(length: int, levels: list[str]) -> str:
    """A root and its descendants one under the other, each on its own level: the deepest tree `length` allows."""
    lines = [f"U{i},{f'U{i - 1}' if i else ''},Đơn vị {i},{levels[i]},1," for i in range(length)]
    return HEADER + "\n".join(lines) + "\n"


def many_levels(count: int, monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> list[str]:
    names = [f"L{i}" for i in range(count)]
    monkeypatch.setenv("KIEMDIEM_LEVELS", ",".join(names))
    env["KIEMDIEM_LEVELS"] = ",".join(names)
    return names


def test_a_tree_may_be_twelve_levels_deep_not_thirteen(
    kiemdiem, snapshot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env
) -> None:
    from models.tree import MAX_DEPTH

    assert MAX_DEPTH == 12
    levels = many_levels(20, monkeypatch, env)
    ran = kiemdiem("units", "import", write(tmp_path / "twelve.csv", chain(12, levels)))
    assert ran.exit_code == 0, ran.stderr
    assert flatten(tree_json(kiemdiem))["U0"]["subtree_units"] == 12
    before = snapshot()
    ran = kiemdiem("units", "import", write(tmp_path / "thirteen.csv", chain(13, levels)))
    assert ran.exit_code == 2
    assert "row 14, field parent [too_deep]" in ran.stderr and "'U12' would be level 13" in ran.stderr
    assert "at most 12 levels" in ran.stderr and "tối đa 12 cấp" in ran.stderr
    assert snapshot() == before


def test_moving_a_subtree_too_deep_names_the_row_that_moves_it(
    kiemdiem, snapshot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env
) -> None:
    levels = many_levels(20, monkeypatch, env)
    assert kiemdiem("units", "import", write(tmp_path / "deep.csv", chain(10, levels))).exit_code == 0
    below = HEADER + "S0,U0,Nhánh 0,L5,1,\nS1,S0,Nhánh 1,L6,1,\nS2,S1,Nhánh 2,L7,1,\nS3,S2,Nhánh 3,L8,1,\n"
    assert kiemdiem("units", "import", write(tmp_path / "branch.csv", below)).exit_code == 0
    before = snapshot()
    # S0 under U9 (depth 9): S0..S3 at depths 10..13, so S2 would be the 13th level; the file's only row is blamed.
    ran = kiemdiem("units", "import", write(tmp_path / "move.csv", HEADER + "S0,U9,Nhánh 0,L10,1,\n"))
    assert ran.exit_code == 2
    assert "row 2, field parent [too_deep]" in ran.stderr and "'S2' (under 'S0')" in ran.stderr
    assert snapshot() == before


def test_the_depth_limit_keeps_paths_within_their_column() -> None:
    from models.tables import OrgUnit
    from models.tree import MAX_DEPTH

    widest_id = len(str(2**63 - 1))  # a 64-bit key: SQLite's INTEGER; PostgreSQL's INTEGER is shorter
    assert MAX_DEPTH * (widest_id + 1) + 1 <= OrgUnit.__table__.c.path.type.length


def test_uneven_trees_are_fine_a_level_may_be_skipped(kiemdiem, tmp_path: Path) -> None:
    uneven = HEADER + (
        "TU-A,,Tỉnh ủy A,province,0,\n"
        "CS-DIRECT,TU-A,Đảng bộ cơ sở trực thuộc tỉnh,grassroots,40,\n"
        "XA-1,TU-A,Đảng ủy xã Một,commune,0,\n"
        "XA-1-CB1,XA-1,Chi bộ trực thuộc xã,branch,12,\n"
        "KHOI,TU-A,Đảng ủy Khối,district,0,\n"
        "KHOI-CB,KHOI,Chi bộ cơ sở,grassroots,7,\n"
    )
    ran = kiemdiem("units", "import", write(tmp_path / "uneven.csv", uneven))
    assert ran.exit_code == 0, ran.stderr
    assert flatten(tree_json(kiemdiem))["TU-A"]["subtree_members"] == 59


def test_a_level_moved_below_its_children_already_loaded_is_refused(small_tree: Shared, tmp_path: Path) -> None:
    edit = write(tmp_path / "edit.csv", HEADER + "CS-1,HU-A,Đảng bộ xã Một,branch,0,\n")
    with small_tree.unchanged() as kiemdiem:
        ran = kiemdiem("units", "import", edit)
    assert ran.exit_code == 2
    assert "row 2, field level [level_order]" in ran.stderr
    assert "'CS-1-CB1'" in ran.stderr and "'CS-1-CB2'" in ran.stderr


def test_moving_a_unit_with_children_moves_their_paths(kiemdiem, tmp_path: Path) -> None:
    two = HEADER + (
        "TU,,Tỉnh ủy,province,0,\nXA-1,TU,Xã Một,commune,0,\nXA-2,TU,Xã Hai,commune,0,\n"
        "CS,XA-1,Đảng bộ,grassroots,0,\nCS-B1,CS,Chi bộ 1,branch,5,\nCS-B2,CS,Chi bộ 2,branch,6,\n"
    )
    assert kiemdiem("units", "import", write(tmp_path / "two.csv", two)).exit_code == 0
    ran = kiemdiem("units", "import", write(tmp_path / "move.csv", HEADER + "CS,XA-2,Đảng bộ,grassroots,0,\n"))
    assert ran.exit_code == 0 and "1 updated" in ran.stdout, ran.stdout
    moved = tree_json(kiemdiem, "--root", "XA-2")[0]  # found by path: the branches' paths moved with their parent
    assert moved["subtree_units"] == 4 and moved["subtree_members"] == 11
    assert tree_json(kiemdiem, "--root", "XA-1")[0]["subtree_units"] == 1


def test_problems_listed_are_capped_with_a_count_of_the_rest(kiemdiem, tmp_path: Path) -> None:
    bad = HEADER + "".join(f"U{i},,Đơn vị {i},district,x,\n" for i in range(200))
    ran = kiemdiem("units", "import", write(tmp_path / "bad.csv", bad), "--format", "json")
    assert ran.exit_code == 2
    errors = json.loads(ran.stderr)["errors"]
    assert len(errors) == 51 and errors[-1]["rule"] == "more_problems"
    assert "150 more problems" in errors[-1]["en"] and "150 lỗi khác" in errors[-1]["vi"]
    assert [e["row"] for e in errors[:50]] == list(range(2, 52))


def test_yaml_anchors_are_refused_with_their_line(small_tree: Shared, tmp_path: Path) -> None:
    text = "units:\n  - &root {code: HU-A, name: Huyện ủy A, level: district}\n  - *root\n"
    with small_tree.unchanged() as kiemdiem:
        ran = kiemdiem("units", "import", write(tmp_path / "anchors.yaml", text))
    assert ran.exit_code == 2 and "row 2 [yaml_alias]" in ran.stderr and "anchor or alias" in ran.stderr


def test_yaml_numbers_are_read_as_written(kiemdiem, tmp_path: Path) -> None:
    text = "units:\n  - {code: 007, name: Huyện ủy A, level: district, members: 0012}\n"
    assert kiemdiem("units", "import", write(tmp_path / "t.yaml", text)).exit_code == 0
    assert flatten(tree_json(kiemdiem))["007"]["members"] == 12


def test_example_province_loads(kiemdiem) -> None:
    from tests.conftest import EXAMPLES

    ran = kiemdiem("units", "import", EXAMPLES / "province.csv")
    assert ran.exit_code == 0, ran.stderr
    assert tree_json(kiemdiem)[0]["subtree_units"] == 1879


def test_a_wide_tree_of_20000_units_imports(kiemdiem, tmp_path: Path) -> None:
    wide = HEADER + "HU,,Huyện ủy,district,0,\n" + "".join(f"B{i:05d},HU,Chi bộ {i},branch,3,\n" for i in range(20_000))
    started = time.perf_counter()
    ran = kiemdiem("units", "import", write(tmp_path / "wide.csv", wide))
    took = time.perf_counter() - started
    assert ran.exit_code == 0 and "20001 new" in ran.stdout, ran.stderr
    assert took < 120, f"{took:.1f} s"  # ~3 s on an idle machine; the ORM-per-object import took ~15 s
    ran = kiemdiem("units", "import", tmp_path / "wide.csv")
    assert ran.exit_code == 0 and "20001 unchanged" in ran.stdout
