"""A national-shaped sweep and its delivery by 1, 2 and 4 process workers, the way deploy/README.md sets them up (a
Prefect server on its own PostgreSQL database, the pool, `prefect deploy`, `kiemdiem deploy schedules`), beside the
same sweep in one process without Prefect (`kiemdiem campaign sweep`, the baseline), measured in the same run.

For each: the sweep's wall time from its creation to its end (flow-run starts included), the messages that arrived
at the local receivers (each province's committee by email at an SMTP server, every other unit by webhook at an HTTP
server), messages a second, the ratio to the baseline, and the growth of the Prefect server's database for that sweep
(`pg_database_size`). Partitions: two per worker (whole provinces), workers with `--limit 2`. Then a projection for
34 provinces (~323,000 units, one digest each) from the best rate per worker measured.

Uses the cluster machinery of tests/test_scale_out.py. Needs the test PostgreSQL server (KIEMDIEM_TEST_POSTGRES_URL).
Knobs: KIEMDIEM_BENCH_WORKERS_PROVINCES (8), KIEMDIEM_BENCH_WORKERS_UNITS (150 a province), KIEMDIEM_BENCH_WORKERS
(1,2,4). On a shared machine the figures are under contention: the ratios are what to read."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.conftest import write
from tests.reliability.harness import CONFIG, KEY, LAUNCH_AT
from tests.sinks import http_sink, smtp_sink
from tests.test_scale_out import MORNING, _databases, arrived, cli, ended, national_tree, prefect_cluster, wait_for

NATIONAL_UNITS = 323_000
NATIONAL_PROVINCES = 34


def _size(url: str) -> int:
    name = url.rsplit("/", 1)[1]
    engine = create_engine(url.rsplit("/", 1)[0].replace("+asyncpg", "+psycopg") + "/postgres")
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT pg_database_size(:n)"), {"n": name}).scalar_one())
    finally:
        engine.dispose()


def _prepare(env: dict[str, str], folder: Path, tree: str) -> None:
    cli(env, "units", "import", str(write(folder / "tree.csv", tree)))
    cli(env, "campaign", "launch", str(write(folder / "c.yaml", CONFIG)), "--at", LAUNCH_AT)


def baseline(provinces: int, units: int) -> tuple[float, int]:
    """The same sweep in one process, no Prefect: `kiemdiem campaign sweep` on its own PostgreSQL database."""
    with tempfile.TemporaryDirectory() as folder, _databases() as (url, _prefect):
        env = {"KIEMDIEM_DATABASE_URL": url, "KIEMDIEM_HOME": folder}  # no PREFECT_API_URL: in this process
        with smtp_sink() as smtp, http_sink() as http:
            _prepare(env, Path(folder), national_tree(smtp.port, http.url, provinces, units))
            started = time.monotonic()
            cli(env, "campaign", "sweep", "--campaign", KEY, "--at", MORNING)
            return time.monotonic() - started, sum(arrived(smtp, http).values())


def on_workers(workers: int, provinces: int, units: int) -> tuple[float, int, int]:
    """One sweep fanned out to `workers` process workers: seconds, messages, Prefect database growth in bytes."""
    from prefect.client.orchestration import SyncPrefectClient

    partitions = 2 * workers
    per_partition = -(-provinces // partitions) * units + 10
    with (
        tempfile.TemporaryDirectory() as folder,
        prefect_cluster(Path(folder), quiet=True) as cluster,
        smtp_sink() as smtp,
        http_sink() as http,
    ):
        _prepare(cluster.env, Path(folder), national_tree(smtp.port, http.url, provinces, units))
        cluster.set_up(workers)
        prefect_db = cluster.env["PREFECT_API_DATABASE_CONNECTION_URL"]
        before = _size(prefect_db)
        with SyncPrefectClient(cluster.api) as client:
            deployment = client.read_deployment_by_name("sweep/sweep").id
            parameters = {"campaign": KEY, "at": MORNING, "partition_units": per_partition}
            started = time.monotonic()
            run_id = client.create_flow_run_from_deployment(deployment, parameters=parameters).id
            run = wait_for("the sweep ends", lambda: ended(client, run_id), 1800, 0.5)
            took = time.monotonic() - started
            assert run.state.is_completed(), run.state
        return took, sum(arrived(smtp, http).values()), _size(prefect_db) - before


def main() -> None:
    provinces = int(os.environ.get("KIEMDIEM_BENCH_WORKERS_PROVINCES", "8"))
    units = int(os.environ.get("KIEMDIEM_BENCH_WORKERS_UNITS", "150"))
    counts = [int(n) for n in os.environ.get("KIEMDIEM_BENCH_WORKERS", "1,2,4").split(",")]
    print(
        f"\n== workers: a sweep of {provinces} provinces × {units} units, delivered (load now {os.getloadavg()[0]:.1f})"
    )
    base_s, base_n = baseline(provinces, units)
    print(f"{'one process, no Prefect (baseline)':<38} {base_s:7.1f} s {base_n:6d} msgs {base_n / base_s:6.1f} msg/s")
    best = 0.0
    for workers in counts:
        took, messages, growth = on_workers(workers, provinces, units)
        rate = messages / took
        best = max(best, rate / workers)
        print(
            f"{f'{workers} worker(s), {2 * workers} partitions':<38} {took:7.1f} s {messages:6d} msgs {rate:6.1f} msg/s"
            f"  ×{base_s / took:4.2f} of the baseline's speed; Prefect DB +{growth / 1e6:.1f} MB this sweep"
        )
    print(
        f"projection, {NATIONAL_PROVINCES} provinces (~{NATIONAL_UNITS:,} digests), at the best rate per worker "
        f"measured ({best:.1f} msg/s): "
        + "; ".join(f"{n} workers {NATIONAL_UNITS / (best * n) / 60:.0f} min" for n in (4, 8, 16))
        + " (each worker on cores of its own; flow-run starts of 10-40 s each not counted)"
    )
