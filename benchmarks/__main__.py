"""Run the benchmarks: `python -m benchmarks` (all) or `python -m benchmarks launch sweep`.

A suite is a module `benchmarks/bench_NAME.py` with a `main()`: adding the file adds the suite.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections.abc import Callable

import benchmarks


def suites() -> dict[str, Callable[[], None]]:
    found = {}
    for module in sorted(pkgutil.iter_modules(benchmarks.__path__), key=lambda m: m.name):
        if module.name.startswith("bench_"):
            found[module.name.removeprefix("bench_")] = importlib.import_module(f"benchmarks.{module.name}").main
    return found


def main(names: list[str]) -> None:
    available = suites()
    for name in names or list(available):
        if name not in available:
            raise SystemExit(f"unknown benchmark {name!r}; have: {', '.join(available)}")
        available[name]()


if __name__ == "__main__":
    main(sys.argv[1:])
