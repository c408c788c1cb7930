"""The hostile org tree files of tests/corpus/trees/, and larger ones written here, each imported by the command line
in a process bounded in time and memory: refused with exit 2, the message naming the row, field and rule, nothing
invisible echoed, no trace, and the database exactly as it was.

What each committed file must be refused for is in EXPECT below (a CSV has no room for a comment). Files too big
to keep in the repository (a 5,000-unit chain, a zip bomb, 50 MB) are written at test time, once. On each database,
all cases run against one database holding a small tree (refusals only read), each as the installed command runs it,
one after another in two long-lived bounded processes (tests/hostile.py `Drivers`) rather than one process each.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from tests.conftest import ROOT, fresh_database, table_rows
from tests.hostile import Bounded, Call, Drivers, assert_refused, drivers, run_bounded

CORPUS = ROOT / "tests" / "corpus" / "trees"
MEMORY_MB = 1024
HEADER = "code,parent,name,level,members,contacts\n"
TREE = HEADER + (
    "HU-A,,Huyện ủy A,district,0,mailto://vanphong@a.example.vn\n"
    "CS-1,HU-A,Đảng bộ xã Một,grassroots,0,\n"
    "CS-1-CB1,CS-1,Chi bộ ấp 1,branch,30,\n"
    "CS-2,HU-A,Chi bộ cơ sở Hai,grassroots,25,\n"
)

EXPECT: dict[str, tuple[str, ...]] = {
    "alias-bomb.yaml": ("row 2 [yaml_alias]",),
    "merge-key-alias.yaml": ("row 2 [yaml_alias]",),
    "python-object-tag.yaml": ("row 2 [invalid_yaml]",),
    "two-documents.yaml": ("row 2 [invalid_yaml]",),
    "timestamp-not-a-date.yaml": ("[invalid_yaml]", "date"),
    "members-5000-digits.yaml": ("row 2, field members [too_large]",),
    "members-hex-20000-digits.yaml": ("row 2, field members [not_a_number]",),
    "cycle.csv": ("row 3, field parent [cycle]", "CS-B → CS-D → CS-C → CS-B"),
    "code-escape-sequence.csv": ("row 3, field code [code_control_character]", "U+001B", "\\x1b[31m"),
    "code-nul.csv": ("row 3, field code [code_control_character]", "U+0000"),
    "code-trailing-tab.csv": ("row 3, field code [code_control_character]", "U+0009"),
    "code-zero-width.csv": ("row 3, field code [code_control_character]", "U+200B"),
    "code-leading-space.csv": ("row 3, field code [code_whitespace]",),
    "code-too-long.csv": ("row 3, field code [code_too_long]",),
    "code-formula-equals.csv": ("row 3, field code [code_formula_prefix]", "=HYPERLINK"),
    "code-formula-plus-minus-at.csv": (
        "row 3, field code [code_formula_prefix]",
        "row 4, field code [code_formula_prefix]",
        "row 5, field code [code_formula_prefix]",
    ),
    "parent-formula.csv": ("row 3, field parent [code_formula_prefix]",),
    "name-nul.csv": ("row 3, field name [name_control_character]", "U+0000"),
    "name-escape-sequence.csv": ("row 3, field name [name_control_character]", "U+001B"),
    "name-too-long.csv": ("row 3, field name [name_too_long]",),
    "level-order-grassroots-under-branch.csv": ("row 4, field level [level_order]", "'grassroots' of 'CS-2'"),
    "level-order-same-level.csv": ("row 4, field level [level_order]",),
    "members-2-63.csv": ("row 3, field members [too_large]", "9223372036854775808"),
    "members-10-300.csv": ("row 3, field members [too_large]",),
    "members-5000-digits.csv": ("row 3, field members [too_large]",),
    "members-negative-huge.csv": ("row 3, field members [negative]",),
    "members-float-inf.csv": ("row 3, field members [not_a_number]",),
    "members-arabic-digits.csv": ("row 3, field members [not_a_number]",),
    "utf16-bom.csv": ("row 1 [not_utf8]", "UTF-16"),
    "binary-junk.csv": ("row 1 [not_utf8]",),
    "not-a-zip.xlsx": ("[not_xlsx]",),
    "empty-zip.xlsx": ("[not_xlsx]",),
}


@dataclass(frozen=True)
class Case:
    name: str
    expect: tuple[str, ...]
    write: Callable[[Path], Path]
    env: dict[str, str] = field(default_factory=dict)
    absent: tuple[str, ...] = ()
    timeout: float = 60


def committed(name: str) -> Case:
    return Case(name, EXPECT[name], lambda _folder: CORPUS / name)


def generated(name: str, make: Callable[[], str | bytes], *expect: str, **options: Any) -> Case:
    def write(folder: Path) -> Path:
        made = make()
        path = folder / name
        path.write_bytes(made.encode("utf-8") if isinstance(made, str) else made)
        return path

    return Case(name, expect, write, **options)


def chain(length: int, level: Callable[[int], str]) -> str:
    return HEADER + "".join(f"U{i},{f'U{i - 1}' if i else ''},Đơn vị {i},{level(i)},1,\n" for i in range(length))


def long_cycle() -> str:
    units = 5000
    rows = "".join(f"C{i},C{(i + 1) % units},Chi bộ {i},branch,1,\n" for i in range(units))
    return HEADER + "TU,,Tỉnh ủy,province,0,\n" + rows


def zip_bomb() -> bytes:
    """300 MB of zeros as a sheet, in about 300 KB: refused from the sizes the zip declares, before unpacking."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            block = b"\0" * (1024 * 1024)
            for _ in range(300):
                sheet.write(block)
    return out.getvalue()


def many_parts() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for i in range(5000):
            archive.writestr(f"xl/part{i}.xml", "")
    return out.getvalue()


def workbook(fill: Callable[[Any], None]) -> bytes:
    book = Workbook()
    sheet = book.active
    for line in TREE.strip().splitlines()[:1]:
        sheet.append(line.split(","))
    sheet.append(["HU-X", None, "Huyện ủy X", "district", 0])
    fill(sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def formula_code_in_the_last_row(sheet: Any) -> None:
    """A code that a spreadsheet would run, in Excel's last row, with a cell in its last column: the sheet declares
    A1:XFD1048576, which read as given would pad a million rows to 16,384 cells each."""
    cell = sheet.cell(row=1_048_576, column=1, value="=1+1")
    cell.data_type = "s"  # stored as text, as a hostile file would
    for column, value in enumerate(["HU-X", "Chi bộ", "branch", 1], start=2):
        sheet.cell(row=1_048_576, column=column, value=value)
    sheet.cell(row=1, column=16_384, value="x")


def huge_member_count(sheet: Any) -> None:
    sheet.append(["CS-1", "HU-X", "Chi bộ 1", "branch", 1e300])


def lying_sizes() -> bytes:
    """A real workbook whose sheet says, in both zip headers, that it unpacks to 10 bytes: zipfile stops there and
    finds the checksum wrong."""
    data = bytearray(workbook(lambda sheet: [sheet.append([f"B{i}", "HU-X", "x", "branch", 1]) for i in range(5000)]))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    assert info.file_size > 10_000
    data[info.header_offset + 22 : info.header_offset + 26] = (10).to_bytes(4, "little")
    central = data.rfind(b"PK\x01\x02" + bytes(data[info.header_offset + 4 : info.header_offset + 6]))
    while data[central + 46 : central + 46 + len(info.filename)] != info.filename.encode():
        central = data.rfind(b"PK\x01\x02", 0, central)
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    return bytes(data)


LEVELS_5000 = ",".join(f"L{i}" for i in range(5000))
GENERATED = [
    generated("deep-nesting.yaml", lambda: "units: " + "[" * 50_000 + "]" * 50_000 + "\n", "row 1 [yaml_too_deep]"),
    generated(
        "chain-5000.csv",
        lambda: chain(5000, lambda i: "branch" if i else "district"),
        "row 14, field parent [too_deep]",
        "row 4, field level [level_order]",
        "[more_problems]",
    ),
    generated(
        "chain-5000-each-on-its-own-level.csv",
        lambda: chain(5000, lambda i: f"L{i}"),
        "row 14, field parent [too_deep]",
        "'U12' would be level 13",
        env={"KIEMDIEM_LEVELS": LEVELS_5000},
        absent=("[level_order]", "[more_problems]"),
    ),
    generated("cycle-5000.csv", long_cycle, "row 3, field parent [cycle]", "C0 → C1 →", "… (4989) → C4999 → C0"),
    generated(
        "problems-1000-rows.csv",
        lambda: HEADER + "".join(f"U{i},,Đơn vị {i},district,many,\n" for i in range(1000)),
        "row 51, field members [not_a_number]",
        "and 950 more problems",
        absent=("row 52,",),
    ),
    generated("over-50-mb.csv", lambda: HEADER + "x" * (50 * 1024 * 1024), "[file_too_large]", "50 MB"),
    generated(
        "500001-rows.csv",
        lambda: HEADER + "".join(f"B{i},HU-A,x,branch,1,\n" for i in range(500_001)),
        "[too_many_rows]",
        "500,000",
    ),
    generated("field-over-csv-limit.csv", lambda: HEADER + "A,,Một," + "x" * 200_000 + ",0,\n", "row 2 [invalid_csv]"),
    generated("zip-bomb.xlsx", zip_bomb, "[xlsx_too_large]", "300 MB"),
    generated("zip-5000-parts.xlsx", many_parts, "[xlsx_too_large]", "5000 parts"),
    generated("zip-lying-sizes.xlsx", lying_sizes, "[not_xlsx]"),
    generated(
        "formula-code-in-the-last-row.xlsx",
        lambda: workbook(formula_code_in_the_last_row),
        "row 1048576, field code [code_formula_prefix]",
    ),
    generated("members-1e300.xlsx", lambda: workbook(huge_member_count), "row 3, field members [too_large]"),
]
CASES = [committed(name) for name in sorted(EXPECT)] + GENERATED


@dataclass
class Corpus:
    runs: dict[str, Bounded | str]  # a run, or why it did not finish
    before: dict[str, list[tuple[Any, ...]]]
    after: dict[str, list[tuple[Any, ...]]]


@pytest.fixture(scope="module")
def runners() -> Iterator[Drivers]:
    with drivers(workers=2, memory_mb=MEMORY_MB) as running:
        yield running


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("corpus-trees")
    return {case.name: case.write(folder) for case in CASES}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def corpus_database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database(request.param, tmp_path_factory.mktemp("corpus-trees-db")) as url:
        yield url


@pytest.fixture(scope="module")
def corpus_env(corpus_database: str, runners: Drivers, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The database with the small tree imported."""
    folder = tmp_path_factory.mktemp("corpus-trees-home")
    env = {"KIEMDIEM_DATABASE_URL": corpus_database, "KIEMDIEM_HOME": str(folder / "home")}
    tree = folder / "tree.csv"
    tree.write_text(TREE, encoding="utf-8")
    imported = runners.run(["units", "import", tree], env)
    assert imported.exit_code == 0, imported.output
    return env


@pytest.fixture(scope="module")
def corpus(corpus_env: dict[str, str], runners: Drivers, files: dict[str, Path]) -> Corpus:
    url = corpus_env["KIEMDIEM_DATABASE_URL"]
    before = table_rows(url)
    assert len(before["org_unit"]) == 4, "the tree was not imported"
    calls = [Call(["units", "import", files[c.name]], {**corpus_env, **c.env}, c.timeout) for c in CASES]
    runs = dict(zip([c.name for c in CASES], runners.run_all(calls), strict=True))
    return Corpus(runs, before, table_rows(url))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_hostile_tree_file_is_refused_naming_the_place(corpus: Corpus, case: Case) -> None:
    ran = corpus.runs[case.name]
    assert isinstance(ran, Bounded), ran
    assert_refused(ran, *case.expect)
    for name in case.absent:
        assert name not in ran.stderr, ran.stderr
    assert "invalid input, nothing changed" in ran.stderr and ran.stdout == ""
    invisible = [ch for ch in ran.stderr if ord(ch) < 0x20 and ch not in "\n"]
    assert invisible == [], f"echoed raw: {invisible!r}"
    assert len(ran.stderr) < 60_000, len(ran.stderr)  # problems are capped, echoed values cut


def test_the_corpus_changed_nothing(corpus: Corpus) -> None:
    assert corpus.after == corpus.before


def test_every_committed_file_has_its_expectation() -> None:
    committed_files = {p.name for p in CORPUS.iterdir() if p.suffix in (".csv", ".yaml", ".xlsx")}
    assert committed_files == set(EXPECT)
    assert (CORPUS / "alias-bomb.yaml").stat().st_size < 500  # the 449-byte bomb of issue 8, give or take


def test_the_driver_runs_a_case_as_a_process_of_its_own_would(
    corpus: Corpus, corpus_env: dict[str, str], files: dict[str, Path]
) -> None:
    """What the driver runs is the installed command: a case that reads the database, run again the old way, in a
    process of its own, exits and prints exactly the same."""
    name = "level-order-grassroots-under-branch.csv"
    alone = run_bounded(["units", "import", files[name]], corpus_env, memory_mb=MEMORY_MB)
    ran = corpus.runs[name]
    assert isinstance(ran, Bounded), ran
    assert (ran.exit_code, ran.stdout, ran.stderr) == (alone.exit_code, alone.stdout, alone.stderr)


def test_the_driver_fails_a_hang_a_runaway_and_a_crash_and_goes_on() -> None:
    """Each misbehaving command fails alone (a fresh process takes over), and nothing a command leaves behind
    (environment, working folder, sys.stdout) reaches the next; `tests.hostile._misbehave` stands in for the CLI."""
    calls = [
        Call(["hang"], timeout=1),
        Call(["print", "after the hang", "KIEMDIEM_GIVEN"], {"KIEMDIEM_GIVEN": "given"}),
        Call(["eat"]),
        Call(["crash"]),
        Call(["leave"]),
        Call(["print", "after leaving", "KIEMDIEM_LEFT"]),
        Call(["exit", "2"]),
        Call(["print", "after the refusal", "KIEMDIEM_GIVEN"]),
    ]
    with drivers(workers=1, memory_mb=MEMORY_MB, main="tests.hostile:_misbehave") as running:
        hang, after_hang, eat, crash, leave, after_leaving, refusal, after_refusal = running.run_all(calls)
        started = running.all[0].started
    assert hang == "did not finish in 1 s"
    assert isinstance(after_hang, Bounded) and after_hang.exit_code == 0
    assert (after_hang.stdout, after_hang.stderr) == ("after the hang\n", f"given {ROOT}\n")
    assert isinstance(eat, Bounded) and eat.exit_code == 1 and "MemoryError" in eat.stderr
    assert isinstance(crash, Bounded) and crash.exit_code == -11
    assert isinstance(leave, Bounded) and leave.exit_code == 0
    assert isinstance(after_leaving, Bounded) and after_leaving.exit_code == 0
    assert (after_leaving.stdout, after_leaving.stderr) == ("after leaving\n", f"- {ROOT}\n")
    assert isinstance(refusal, Bounded) and refusal.exit_code == 2
    assert isinstance(after_refusal, Bounded) and after_refusal.stderr == f"- {ROOT}\n"
    assert started == 4  # the first, and one after each of the hang, the runaway and the crash
