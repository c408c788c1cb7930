"""The example trees are what their generator makes, and shaped like the seed documents."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_committed_examples_are_what_the_generator_makes(tmp_path: Path) -> None:
    copy = tmp_path / "generate.py"
    copy.write_text((EXAMPLES / "generate.py").read_text(encoding="utf-8"), encoding="utf-8")
    subprocess.run([sys.executable, str(copy)], check=True, capture_output=True, timeout=60)
    for name in ("district.csv", "province.csv"):
        assert (tmp_path / name).read_bytes() == (EXAMPLES / name).read_bytes(), name


@pytest.mark.parametrize(
    ("name", "grassroots", "members"), [("district.csv", 50, 9_899), ("province.csv", 577, 75_280)]
)
def test_examples_match_the_seed_figures(name: str, grassroots: int, members: int) -> None:
    rows = read(EXAMPLES / name)
    assert Counter(r["level"] for r in rows)["grassroots"] == grassroots
    assert sum(int(r["members"]) for r in rows) == members
    assert any("ấ" in r["name"] or "ộ" in r["name"] for r in rows)  # Vietnamese names, with their marks
