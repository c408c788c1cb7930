"""No check that cannot fail: `assert kiemdiem(...)` asserts on a result object, which is always there.

A runner's result (`Ran`, `Bounded`, `CompletedProcess`) is true whatever the command did, so an assert on the
bare call passes on exit 1, on a refusal, on a trace. Assert on `.exit_code` and on the output instead.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import Ran

TESTS = Path(__file__).resolve().parent
RUNNERS = frozenset({"kiemdiem", "run", "run_bounded"})


def _runner_name(node: ast.AST) -> str | None:
    """`kiemdiem(...)`, `run(...)`, `run_bounded(...)`, also as an attribute (`hostile.run_bounded(...)`)."""
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
    return name if name in RUNNERS else None


def _bare_runner_calls(test: ast.expr) -> list[str]:
    """The runner calls whose truth the assert takes: the test itself, `not` it, or an operand of `and`/`or`."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _bare_runner_calls(test.operand)
    if isinstance(test, ast.BoolOp):
        return [name for value in test.values for name in _bare_runner_calls(value)]
    name = _runner_name(test)
    return [name] if name else []


def dishonest_asserts(source: str, filename: str = "<test>") -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Assert):
            for name in _bare_runner_calls(node.test):
                found.append(f"{filename}:{node.lineno}: assert {name}(...) cannot fail; {ast.unparse(node)[:120]}")
    return found


def suite_files() -> list[Path]:
    return sorted({*TESTS.glob("*.py"), *TESTS.glob("**/*.py")})


def test_no_assert_on_a_bare_runner_call_anywhere_in_the_tests() -> None:
    files = suite_files()
    assert Path(__file__).resolve() in files and len(files) > 10  # the walk does see the suite
    found = [line for path in files for line in dishonest_asserts(path.read_text(encoding="utf-8"), str(path))]
    assert found == [], "assert on .exit_code and the output, not on the result object:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "source",
    [
        'assert kiemdiem("campaign", "launch", path)',
        'assert kiemdiem("units", "import", path), "import failed"',
        'assert run(["units", "tree"], home)',
        "assert hostile.run_bounded(args, env)",
        'assert not kiemdiem("report", "--out", out)',
        'assert kiemdiem("units", "import", a) and kiemdiem("units", "tree")',
        'def t(kiemdiem):\n    if True:\n        assert kiemdiem("x")\n',
    ],
)
def test_the_checker_finds_the_pattern(source: str) -> None:
    assert len(dishonest_asserts(source)) >= 1, source


@pytest.mark.parametrize(
    "source",
    [
        'assert kiemdiem("units", "import", path).exit_code == 0',
        'ran = kiemdiem("units", "tree")\nassert ran.exit_code == 2 and "[cycle]" in ran.stderr',
        'assert "no units yet" in run(["units", "tree"], home).stdout',
        'assert json.loads(kiemdiem("progress", "--format", "json").stdout)["no_contact"] == {}',
        "assert any(line.startswith('x') for line in lines)",
    ],
)
def test_the_checker_lets_real_checks_through(source: str) -> None:
    assert dishonest_asserts(source) == []


def test_a_result_object_refuses_to_be_taken_as_true_or_false() -> None:
    ran = Ran(exit_code=1, stdout="", stderr="internal error")
    with pytest.raises(TypeError, match=r"assert on \.exit_code and output"):
        bool(ran)
    with pytest.raises(TypeError):
        assert ran  # the old pattern now fails loudly instead of passing
