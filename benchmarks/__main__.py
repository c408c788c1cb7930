"""Run the benchmarks: `python -m benchmarks` (all) or `python -m benchmarks launch`."""

from __future__ import annotations

import sys

from benchmarks import bench_api, bench_burst, bench_dashboard, bench_delivery, bench_launch, bench_rollup, bench_sweep

SUITES = {
    "launch": bench_launch.main,
    "sweep": bench_sweep.main,
    "delivery": bench_delivery.main,
    "rollup": bench_rollup.main,
    "api": bench_api.main,
    "burst": bench_burst.main,
    "dashboard": bench_dashboard.main,
}


def main(names: list[str]) -> None:
    for name in names or list(SUITES):
        if name not in SUITES:
            raise SystemExit(f"unknown benchmark {name!r}; have: {', '.join(SUITES)}")
        SUITES[name]()


if __name__ == "__main__":
    main(sys.argv[1:])
