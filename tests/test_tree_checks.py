"""The tree's checks without a database: the shape of long chains and cycles found in linear time, and each
code and member count, as properties (whatever the text, a refusal is clean and echoes nothing invisible)."""

from __future__ import annotations

import time
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.errors import InputError
from models.tree import RawRow

CONTROLS = [chr(c) for c in (*range(0x20), 0x7F, 0x85, 0x9B)] + ["\u200b", "\u200e", "\u202e", "\u2028", "\ufeff"]


# The checks themselves, without a database: linear in the number of units, whatever the shape.


def raw_chain(length: int) -> list[RawRow]:
    return [
        RawRow(i + 2, {"code": f"U{i}", "parent": f"U{i - 1}" if i else "", "name": "x", "level": "L", "members": "1"})
        for i in range(length)
    ]


def test_the_shape_of_a_200000_unit_chain_is_found_in_linear_time() -> None:
    from models.tree import Placed, shape

    tree = {f"U{i}": Placed(f"U{i - 1}" if i else None, "L") for i in range(200_000)}
    started = time.perf_counter()
    cycles, depth = shape(tree, list(tree))
    took = time.perf_counter() - started
    assert cycles == [] and depth["U199999"] == 199_999
    assert took < 5, f"{took:.2f} s"  # ~0.3 s; the quadratic walk it replaces took 10 s for 1,200 units

    tree["U0"] = Placed("U199999", "L")  # one cycle through all of them
    cycles, depth = shape(tree, reversed(list(tree)))
    assert [len(c) for c in cycles] == [200_000] and depth == {}


def test_a_5000_unit_chain_is_refused_for_depth_in_well_under_a_second() -> None:
    from models.tree import check_tree, parse_rows

    rows = raw_chain(5000)
    levels = tuple(f"L{i}" for i in range(5000))
    rows = [RawRow(r.number, {**r.cells, "level": levels[i]}) for i, r in enumerate(rows)]
    units = parse_rows(rows, levels, lambda _url: True)
    started = time.perf_counter()
    with pytest.raises(InputError) as refused:
        check_tree(units, rows, {}, levels, allow_many_roots=False)
    took = time.perf_counter() - started
    assert [(p.row, p.rule) for p in refused.value.problems] == [(14, "too_deep")]
    assert took < 2, f"{took:.2f} s"  # ~0.02 s


def test_cycles_hanging_subtrees_and_long_loops_are_each_named_once() -> None:
    from models.tree import Placed, shape

    tree = {"R": Placed(None, "L"), "A": Placed("B", "L"), "B": Placed("A", "L"), "C": Placed("A", "L")}
    tree.update({f"X{i}": Placed(f"X{(i + 1) % 30}", "L") for i in range(30)})
    cycles, depth = shape(tree, list(tree))
    assert sorted(len(c) for c in cycles) == [2, 30] and depth == {"R": 0}


# Codes, as a property: whatever the text, a refusal is clean, names the rule and echoes nothing invisible.

SAFE = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._/-", min_size=1, max_size=64)


@given(SAFE.filter(lambda code: code[0] != "-"))
def test_plain_codes_are_accepted(code: str) -> None:
    from models.tree import code_problem

    assert code_problem(code) is None


@given(st.text(max_size=63), st.integers(min_value=0, max_value=63), st.sampled_from(CONTROLS))
def test_a_control_or_invisible_character_anywhere_is_refused(text: str, where: int, bad: str) -> None:
    from models.tree import code_problem

    refused = code_problem(text[:where] + bad + text[where:])
    assert refused is not None and refused[0] == "code_control_character"
    assert_shown_safely(refused)


@given(st.sampled_from("=+-@"), SAFE)
def test_a_formula_prefix_is_refused(prefix: str, rest: str) -> None:
    from models.tree import code_problem

    refused = code_problem((prefix + rest)[:64])
    assert refused is not None and refused[0] == "code_formula_prefix"


@given(st.text(alphabet=" \u00a0\u2003\u3000", min_size=1, max_size=3), SAFE.map(lambda c: c[:60]), st.booleans())
def test_leading_or_trailing_whitespace_is_refused(space: str, code: str, leading: bool) -> None:
    from models.tree import code_problem

    refused = code_problem(space + code if leading else code + space)
    assert refused is not None and refused[0] == "code_whitespace"


@given(st.text(max_size=100_000))
def test_any_text_is_answered_without_an_exception_and_echoed_safely(code: str) -> None:
    from models.tree import code_problem

    refused = code_problem(code)
    if refused is not None:
        assert_shown_safely(refused)
        assert len(refused[1]) < 400 and len(refused[2]) < 400


@given(st.one_of(st.integers(), st.text(max_size=50)).map(str))
def test_any_member_count_is_a_number_in_bounds_or_a_named_problem(text: str) -> None:
    from models.tree import MAX_MEMBERS, parse_rows

    row = RawRow(2, {"code": "A", "parent": "", "name": "Một", "level": "district", "members": text})
    try:
        [unit] = parse_rows([row], ("district",), lambda _url: True)
    except InputError as refused:
        assert {p.rule for p in refused.problems} <= {"not_a_number", "negative", "too_large"}
        assert all(p.row == 2 and p.field == "members" for p in refused.problems)
    else:
        assert 0 <= unit.members <= MAX_MEMBERS


@pytest.mark.parametrize("value", [2**63, 10**300, int("9" * 4000)], ids=["2**63", "10**300", "4000-digits"])
def test_huge_member_counts_are_refused_not_overflowed(value: int) -> None:
    from models.tree import parse_rows

    row = RawRow(2, {"code": "A", "parent": "", "name": "Một", "level": "district", "members": str(value)})
    with pytest.raises(InputError) as refused:
        parse_rows([row], ("district",), lambda _url: True)
    assert [(p.row, p.field, p.rule) for p in refused.value.problems] == [(2, "members", "too_large")]


def assert_shown_safely(refused: tuple[str, str, str]) -> None:
    for message in refused[1:]:
        assert not any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") for ch in message), message
