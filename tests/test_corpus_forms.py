"""The hostile-input corpus of offline forms (tests/corpus/forms/): each file is refused by `kiemdiem status import`
as the installed command runs it, bounded in time and memory (one after another in a long-lived bounded process,
tests/hostile.py `Drivers`), with exit 2, a message naming the sheet and cell (or the file),
no trace, and the database unchanged; the control form beside them goes in.

The forms are signed with CORPUS_KEY for the example district's campaign (deploy/campaign.example.yaml); to make them
again after the form's layout changes: `.venv/bin/python -m tests.test_corpus_forms`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pendulum
import pytest
from openpyxl import Workbook, load_workbook

from service.report_forms import FIRST_ROW, ROWS, SHEETS, write_template
from service.secret_key import derive
from tests.conftest import EXAMPLES, ROOT
from tests.hostile import Drivers, assert_refused, drivers

CORPUS = Path(__file__).parent / "corpus" / "forms"
CORPUS_KEY = "5e0f9a3c71d24b68a0c3e1f7b2d94c6a" * 2  # a test key, not a secret: it signs the corpus only
IDS = ("cuchi-2020", "CB-HOINONGDAN", "grassroots_review")
FIELDS = [field for _label, field in ROWS]
# CB-HOINONGDAN has 30 members in the example tree: the control form's total agrees (a total that differs is refused)
MEMBERS = {"total": 30, "evaluated": 28, "excellent": 4, "good": 21, "completed": 3, "not_evaluated.exempt": 2}

# file: (rule, place the message must name)
REFUSED = {
    "tampered-unit.xlsx": ("[bad_signature]", "Thông tin!B4"),
    "tampered-milestone.xlsx": ("[bad_signature]", "Thông tin!B4"),
    "forged-signature.xlsx": ("[bad_signature]", "Thông tin!B4"),
    "unsigned.xlsx": ("[unsigned_form]", "Thông tin!B4"),
    "formula-in-count.xlsx": ("[formula]", "Đảng viên!C6"),
    "hyperlink-in-count.xlsx": ("[formula]", "Đảng viên!C8"),
    "boolean-count.xlsx": ("[not_a_count]", "Tổ chức đảng!C6"),
    "huge-count.xlsx": ("[not_a_count]", "Đảng viên!C6"),
    "negative-count.xlsx": ("[not_a_count]", "Đảng viên!C9"),
    "text-count.xlsx": ("[not_a_count]", "Đảng viên!C10"),
    "levels-do-not-add-up.xlsx": ("[levels_sum]", "34"),
    "empty-form.xlsx": ("[empty_form]", "empty-form.xlsx"),
    "no-meta-sheet.xlsx": ("[not_a_form]", "no-meta-sheet.xlsx"),
    "not-a-workbook.xlsx": ("[not_xlsx]", "not-a-workbook.xlsx"),
}
CONTROL = "control-valid.xlsx"


@pytest.fixture(scope="module")
def runners() -> Iterator[Drivers]:
    with drivers(workers=1) as running:
        yield running


def test_every_hostile_form_is_refused_and_changes_nothing(kiemdiem, snapshot, env, monkeypatch, runners) -> None:  # type: ignore[no-untyped-def]
    assert sorted(p.name for p in CORPUS.glob("*.xlsx")) == sorted([*REFUSED, CONTROL]), "corpus and table differ"
    monkeypatch.setenv("KIEMDIEM_SECRET_KEY", CORPUS_KEY)
    assert kiemdiem("units", "import", EXAMPLES / "district.csv").exit_code == 0
    launch = kiemdiem(
        "campaign", "launch", ROOT / "deploy" / "campaign.example.yaml", "--at", "2020-11-23T08:00:00+07:00"
    )
    assert launch.exit_code == 0, launch.stderr
    bounded_env = {**env, "KIEMDIEM_SECRET_KEY": CORPUS_KEY}
    before = snapshot()
    for name, (rule, place) in REFUSED.items():
        ran = runners.run(["status", "import", CORPUS / name, "--at", "2020-12-05T09:00:00+07:00"], bounded_env)
        try:
            assert_refused(ran, rule, place)
        except AssertionError as error:
            raise AssertionError(f"{name}: {error}") from None
        assert snapshot() == before, f"{name} changed the database"
    # The control: the same form, untouched, is accepted (so each refusal above is for what its file does).
    ran = runners.run(["status", "import", CORPUS / CONTROL, "--at", "2020-12-05T09:00:00+07:00"], bounded_env)
    assert ran.exit_code == 0 and "CB-HOINONGDAN · grassroots_review: submitted" in ran.stdout, ran.output
    assert snapshot() != before


def make_corpus() -> None:
    """Write every file of the corpus: a signed form for IDS, filled in, then spoiled one way per file."""
    key = derive(Path("/nonexistent"), "offline-form", CORPUS_KEY)
    CORPUS.mkdir(parents=True, exist_ok=True)

    def form(name: str, ids: tuple[str, str, str] = IDS, signed_with: bytes = key) -> Path:
        path = CORPUS / name
        now = pendulum.datetime(2020, 12, 1, 9, tz="Asia/Ho_Chi_Minh")
        write_template(path, signed_with, ids, "Chi bộ Hội Nông dân", "Huyện ủy Củ Chi", 2020, now)
        fill(path, "Đảng viên", MEMBERS)
        fill(path, "Tổ chức đảng", {"total": 1, "evaluated": 1, "good": 1})
        return path

    form(CONTROL)
    meta(form("tampered-unit.xlsx"), "B2", "XA-ANPHU")
    meta(form("tampered-milestone.xlsx"), "B3", "unit_plans")
    other = derive(Path("/nonexistent"), "offline-form", "0123456789abcdef" * 4)
    form("forged-signature.xlsx", ("cuchi-2020", "XA-ANPHU", "grassroots_review"), other)
    meta(form("unsigned.xlsx"), "B4", None)
    fill(form("formula-in-count.xlsx"), "Đảng viên", {"total": "=28+2"})
    fill(form("hyperlink-in-count.xlsx"), "Đảng viên", {"excellent": '=HYPERLINK("http://evil.example/",5)'})
    fill(form("boolean-count.xlsx"), "Tổ chức đảng", {"total": True})
    fill(form("huge-count.xlsx"), "Đảng viên", {"total": 10**20})
    fill(form("negative-count.xlsx"), "Đảng viên", {"good": -21})
    fill(form("text-count.xlsx"), "Đảng viên", {"completed": "ba"})
    fill(form("levels-do-not-add-up.xlsx"), "Đảng viên", {"completed": 9})
    empty = form("empty-form.xlsx")
    for title in SHEETS.values():
        fill(empty, title, dict.fromkeys(FIELDS))
    book = Workbook()
    book.active.title = "Đảng viên"
    book.save(CORPUS / "no-meta-sheet.xlsx")
    (CORPUS / "not-a-workbook.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook\n" * 4)


def fill(path: Path, sheet: str, values: dict[str, Any]) -> None:
    book = load_workbook(path)
    for field, value in values.items():
        book[sheet].cell(FIRST_ROW + FIELDS.index(field), 3).value = value  # None empties the cell
    book.save(path)


def meta(path: Path, cell: str, value: str | None) -> None:
    book = load_workbook(path)
    book["Thông tin"][cell] = value
    book.save(path)


if __name__ == "__main__":
    make_corpus()
