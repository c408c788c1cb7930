"""The hostile campaign configs of tests/corpus/configs/, each launched by the command line in a process bounded in
time and memory: refused with exit 2, the message naming the field and the rule, no trace, no secret, and the
database exactly as it was.

Each corpus file says what it expects in its first lines: `# expect: FIELD [RULE]` (the field may be omitted
where the problem has none) and, optionally, `# expect-text: TEXT` that the message must also hold. Files too big
to keep in the repository (10 MB strings) are written here, once. On SQLite and on PostgreSQL, all cases share one
database with a small tree (refusals only read, and the database must end as it began), each run as the installed
command runs it, one after another in two long-lived bounded processes (tests/hostile.py `Drivers`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, SECRETS, fresh_database, table_rows
from tests.hostile import Bounded, Call, Drivers, assert_refused, drivers

CORPUS = ROOT / "tests" / "corpus" / "configs"
AT = "2026-11-23T08:00:00+07:00"
TREE = """code,parent,name,level,members,contacts
HU-CUCHI,,Huyện ủy Củ Chi,district,0,mailto://vanphong@cuchi.example.vn
XA-ANNHONTAY,HU-CUCHI,Đảng bộ xã An Nhơn Tây,grassroots,0,
XA-ANNHONTAY-AP01,XA-ANNHONTAY,Chi bộ ấp 1,branch,39,
XA-ANPHU,HU-CUCHI,Đảng bộ xã An Phú,grassroots,0,
XA-ANPHU-AP01,XA-ANPHU,Chi bộ ấp 1,branch,25,
"""
HEAD = """key: corpus-2026
title: "Kiểm điểm năm 2026"
year: 2026
plan_number: 45-KH/HU
root: HU-CUCHI
launch: 2026-11-23
milestones: [{key: grassroots_review, levels: [branch, grassroots], deadline: 2026-12-10}]
"""
TEN_MB = 10 * 1024 * 1024


@dataclass(frozen=True)
class Case:
    name: str
    expect: tuple[str, ...]  # what the message must name: the field, `[rule]`, and any expected text
    write: Callable[[Path], Path]
    timeout: float = 60


def from_file(path: Path) -> Case:
    lines = path.read_text(encoding="utf-8").splitlines()
    expected = [line.partition(":")[2].strip() for line in lines if line.startswith(("# expect:", "# expect-text:"))]
    field_and_rule = expected[0].rsplit(" ", 1) if " " in expected[0] else [expected[0]]
    return Case(path.stem, (*field_and_rule, *expected[1:]), lambda _dir: path)


def generated(name: str, body: str, *expect: str) -> Case:
    def write(folder: Path) -> Path:
        path = folder / f"{name}.yaml"
        path.write_text(body, encoding="utf-8")
        return path

    return Case(name, expect, write, timeout=180)


CASES = [from_file(path) for path in sorted(CORPUS.glob("*.yaml"))] + [
    generated("title-10mb", HEAD.replace("Kiểm điểm", "x" * TEN_MB), "title", "[string_too_long]"),
    generated(
        "secret-contact-10mb",
        HEAD + f'admin_contacts: ["mailtos://btc:MatKhau123@smtp.example.vn/{"a" * TEN_MB}"]\n',
        "admin_contacts[0]",
        "[string_too_long]",
    ),
]
DEEP = generated("nesting-50000-deep", HEAD + "working_groups: " + "[" * 50_000 + "]" * 50_000 + "\n")


@dataclass
class Corpus:
    runs: dict[str, Bounded | str]  # a run, or why it did not finish
    before: dict[str, list[tuple[Any, ...]]]
    after: dict[str, list[tuple[Any, ...]]]


@pytest.fixture(scope="module")
def runners() -> Iterator[Drivers]:
    with drivers(workers=2) as running:
        yield running


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("corpus-configs")
    return {case.name: case.write(folder) for case in [*CASES, DEEP]}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def corpus(
    request: pytest.FixtureRequest, runners: Drivers, files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Corpus]:
    folder = tmp_path_factory.mktemp("corpus-configs-db")
    with fresh_database(request.param, folder) as url:
        env = {"KIEMDIEM_DATABASE_URL": url, "KIEMDIEM_HOME": str(folder / "home")}
        tree = folder / "tree.csv"
        tree.write_text(TREE, encoding="utf-8")
        imported = runners.run(["units", "import", tree], env)
        assert imported.exit_code == 0, imported.output
        before = table_rows(url)
        assert before["org_unit"], "the tree was not imported"
        cases = [*CASES, DEEP]
        calls = [Call(["campaign", "launch", files[c.name], "--at", AT], env, c.timeout) for c in cases]
        runs = dict(zip([c.name for c in cases], runners.run_all(calls), strict=True))
        yield Corpus(runs, before, table_rows(url))


def check(corpus: Corpus, case: Case) -> None:
    ran = corpus.runs[case.name]
    assert isinstance(ran, Bounded), ran
    assert_refused(ran, *case.expect)
    leaked = [secret for secret in SECRETS if secret in ran.output]
    assert leaked == [], ran.output


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_hostile_config_is_refused_naming_the_field(corpus: Corpus, case: Case) -> None:
    check(corpus, case)


def test_a_deeply_nested_config_is_refused(corpus: Corpus) -> None:
    check(corpus, DEEP)


def test_the_corpus_changed_nothing(corpus: Corpus) -> None:
    assert corpus.after == corpus.before


def test_the_corpus_covers_what_issue_8_names() -> None:
    names = {c.name for c in CASES}
    for needed in ("alias-bomb", "title-10mb", "misspelled-top-level-key", "before-days-huge", "true-as-an-integer"):
        assert needed in names
    secrets = [p for p in CORPUS.glob("secret-*.yaml") if "MatKhau123" in p.read_text(encoding="utf-8")]
    assert len(secrets) >= 10
