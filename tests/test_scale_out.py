"""Beyond one machine, for real: a Prefect server on PostgreSQL, the pool, `prefect deploy` with deploy/prefect.yaml and
`kiemdiem deploy schedules` as deploy/README.md says, two process workers, a fanned-out sweep of a national-shaped
tree counted at a real SMTP server and a real HTTP server, then a worker and its run killed mid-delivery and
recovered with no step but waiting. The in-process parts (partitions, partition claims) are tested first."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pendulum
import pytest
from sqlalchemy import create_engine, text

from models.sweep_batches import Batch, plan_partitions
from notifications.senders import CaptureSender, smtp_connections
from service.bootstrap import build_app
from service.settings import Settings
from service.sweeps import FanOut, sweep, sweep_partition
from tests.conftest import POSTGRES_URL, ROOT, postgres_or_skip, write
from tests.reliability.harness import CONFIG, KEY, LAUNCH_AT, tree_csv
from tests.sinks import http_sink, mailbox, smtp_sink

MORNING = "2026-12-03T07:30:00+07:00"
LATER = "2026-12-07T07:30:00+07:00"  # three days before the deadline: one more reminder for every unit
BIN = Path(sys.executable).parent


def test_partitions_are_groups_of_whole_batches_in_order() -> None:
    batches = [Batch(prefixes=(f"/1/{i}/",), units=n) for i, n in enumerate([300, 300, 500, 100, 900])]
    parts = plan_partitions(batches, 600)
    assert [[b.prefixes[0] for b in p.batches] for p in parts] == [["/1/0/", "/1/1/"], ["/1/2/", "/1/3/"], ["/1/4/"]]
    assert [p.units for p in parts] == [600, 600, 900] and [p.index for p in parts] == [0, 1, 2]


def _prepared(kiemdiem: Any, tmp_path: Path, port: int, grassroots: int, branches: int) -> str:
    tree = tree_csv(port, grassroots, branches)
    assert kiemdiem("units", "import", write(tmp_path / "tree.csv", tree)).exit_code == 0
    launched = kiemdiem("campaign", "launch", write(tmp_path / "c.yaml", CONFIG), "--at", LAUNCH_AT)
    assert launched.exit_code == 0, launched.stderr
    return tree


@pytest.mark.parametrize("lost", [(), (1,)])
def test_a_fanned_out_sweep_in_one_process_delivers_each_notice_once(
    kiemdiem: Any, env: dict[str, str], tmp_path: Path, lost: tuple[int, ...]
) -> None:
    """Partitions run here in turn (what flows.partition runs on workers); a partition reported lost is decided
    again by the sweep and its notices delivered by the sweep's own delivery."""
    sender = CaptureSender()
    _prepared(kiemdiem, tmp_path, 2525, grassroots=3, branches=9)
    app = build_app(Settings())
    now = pendulum.parse(MORNING)
    assert isinstance(now, pendulum.DateTime)

    def run(campaign: Any, partitions: Any, at: pendulum.DateTime) -> list[bool]:
        for part in partitions:
            if part.index not in lost:
                sweep_partition(app, campaign.key, part, at, sender)
        return [p.index not in lost for p in partitions]

    result = sweep(app, KEY, now, sender, fan_out=FanOut(run=run, max_units=11))["campaigns"][KEY]
    assert result["partitions"] == 3 and result.get("partitions_redone", 0) == len(lost), result
    urls = [url for url, _title, _body in sender.messages]
    assert len(urls) == len(set(urls)) == 3 * 10, urls  # every unit but the root, once
    again = sweep(app, KEY, now, sender, fan_out=FanOut(run=run, max_units=11))
    assert len(sender.messages) == 30, again


# --- the real thing: Prefect server on PostgreSQL, pool, prefect deploy, two workers -------------------------------

# A national-shaped tree: PROVINCES subtrees of UNITS units under one root, swept in partitions of two provinces
# each. Three partitions, workers with --limit 2: the worker running the sweep takes at most one, the other at most
# two, so both run partitions. The time goes to flow-run starts (10 s each on a quiet machine, 20-45 s at a load of
# 6-12: the test starts nine in series), not to the tree: 600 units deliver in ~30 s.
PROVINCES, UNITS = 6, 100
PARTITION_UNITS = 2 * UNITS + 10
NEXT = "2026-12-07T09:30:00+07:00"  # the same day, two hours later: nothing new is due, what was left is delivered


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _databases() -> Iterator[tuple[str, str]]:
    """Two databases of their own on the test PostgreSQL server: kiemdiem's and the Prefect server's."""
    postgres_or_skip()
    suffix = uuid.uuid4().hex[:10]
    names = (f"kd_scale_{suffix}", f"pf_scale_{suffix}")
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    base = POSTGRES_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{names[0]}", f"{base.replace('+psycopg', '+asyncpg')}/{names[1]}"
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class Cluster:
    env: dict[str, str]
    folder: Path
    api: str
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, program: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.folder / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [str(BIN / program), *args],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def run(self, *steps: tuple[str, ...]) -> None:
        """Steps of deploy/README.md (name, program, arguments), side by side, to their end; each must succeed."""
        started = [(step, self.start(*step)) for step in steps]
        for (name, *command), process in started:
            assert process.wait(timeout=120) == 0, f"{' '.join(command)}:\n{self.log(name)}"

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    def set_up(self, workers: int = 2) -> None:
        """deploy/README.md steps 5-7 once the server answers: pool, workers, `prefect deploy`, `deploy schedules`."""
        wait_for("the Prefect server answers", lambda: _healthy(self.api), 120, 0.5)
        self.run(("pool", "prefect", "work-pool", "create", "kiemdiem", "--type", "process"))
        for name in (f"worker-{n}" for n in range(1, workers + 1)):
            self.start(name, "prefect", "worker", "start", "--pool", "kiemdiem", "--limit", "2", "--name", name)
        self.run(
            ("deploy", "prefect", "deploy", "--all", "--prefect-file", "deploy/prefect.yaml"),
            ("schedules", "kiemdiem", "deploy", "schedules", "--pool", "kiemdiem"),
        )


def wait_for(what: str, check: Any, timeout: float, every: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"not within {timeout:.0f} s: {what}")


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
            return bool(answer.read().strip() == b"true")
    except OSError:
        return False


@contextmanager
def prefect_cluster(tmp_path: Path, quiet: bool = False) -> Iterator[Cluster]:
    """A Prefect server starting on a PostgreSQL database of its own, on a free loopback port (set_up() does the rest
    of the README's steps): what each process needs as the README's table says. The worker polls every 2 s (Prefect's
    default is 15) and a sweep waiting for the slot asks again after 5 s (default 30): both only make it quicker."""
    with _databases() as (kiemdiem_url, prefect_url):
        port = _free_port()
        api = f"http://127.0.0.1:{port}/api"
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "KIEMDIEM_"))},
            "PREFECT_HOME": str(tmp_path / "prefect-home"),
            "PREFECT_API_URL": api,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_UI_ENABLED": "false",
            "PREFECT_LOGGING_LEVEL": "INFO",
            "PREFECT_API_DATABASE_CONNECTION_URL": prefect_url,
            "PREFECT_WORKER_QUERY_SECONDS": "2",
            "PREFECT_SERVER_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS": "5",
            "KIEMDIEM_DATABASE_URL": kiemdiem_url,
            "KIEMDIEM_HOME": str(tmp_path / "kiemdiem-home"),
            "KIEMDIEM_SECRET_KEY": secrets.token_hex(32),
            "KIEMDIEM_CODE_DIR": str(ROOT),
            "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
        }
        servers = Cluster(env, tmp_path, api)
        try:
            servers.start("server", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-ui")
            yield servers
        finally:
            servers.stop()
            for name in [] if quiet else servers.processes:
                print(f"--- {name} (last lines) ---\n" + "\n".join(servers.log(name).splitlines()[-30:]))


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    with prefect_cluster(tmp_path) as servers:
        yield servers


def national_tree(smtp_port: int, http: str, provinces: int = PROVINCES, units: int = UNITS) -> str:
    """A root, `provinces` provinces (each by email, at the SMTP server) and `units` - 1 units under each (each a
    webhook of its own at the HTTP server): every unit but the root gets a notice in each sweep."""

    def mail(code: str) -> str:
        return f"mailto://127.0.0.1:{smtp_port}?from=kd@example.vn&to={code.lower()}@example.vn&secure=no"

    lines = ["code,parent,name,level,members,contacts", f"HU-R,,Trung ương,district,0,{mail('HU-R')}"]
    for p in range(provinces):
        lines.append(f"CS-{p},HU-R,Tỉnh {p},grassroots,0,{mail(f'CS-{p}')}")
        lines += [
            f"CS-{p}-B{b:03d},CS-{p},Chi bộ {b},branch,10,json://{http}/cs-{p}-b{b:03d}" for b in range(units - 1)
        ]
    return "\n".join(lines) + "\n"


def arrived(smtp: Any, http: Any) -> Counter[str]:
    """Messages per unit, as the receivers counted them."""
    counts = Counter(mailbox(m) for m in list(smtp.messages))
    counts.update(str(r["path"]).strip("/") for r in list(http.received))
    return counts


def cli(env: dict[str, str], *args: str) -> None:
    from typer.testing import CliRunner

    from entrypoints.cli import app

    result = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.stdout + result.stderr


def start_sweep(client: Any, at: str, partition_units: int = PARTITION_UNITS) -> Any:
    deployment = client.read_deployment_by_name("sweep/sweep").id
    parameters = {"campaign": KEY, "at": at, "partition_units": partition_units}
    return client.create_flow_run_from_deployment(deployment, parameters=parameters).id


def ended(client: Any, run_id: Any) -> Any:
    run = client.read_flow_run(run_id)
    return run if run.state is not None and run.state.is_final() else None


def _partitions(client: Any, at: str) -> list[Any]:
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    deployment = client.read_deployment_by_name("sweep-partition/sweep-partition").id
    runs = client.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment])))
    return [r for r in runs if pendulum.parse(r.parameters["at"]) == pendulum.parse(at)]


def _outbox(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT status, count(*) FROM outbox GROUP BY status")).all()
        return {str(status): int(n) for status, n in rows}
    finally:
        engine.dispose()


def _worker_of(pid: int, workers: dict[str, int]) -> str | None:
    """The worker whose process started `pid` (its parent, or an ancestor)."""
    while pid > 1:
        for name, worker_pid in workers.items():
            if pid == worker_pid:
                return name
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:
            return None
    return None


def test_two_workers_share_a_national_sweep_and_a_lost_worker_costs_a_minute(cluster: Cluster, tmp_path: Path) -> None:
    from prefect.client.orchestration import SyncPrefectClient

    url = cluster.env["KIEMDIEM_DATABASE_URL"]
    began = time.monotonic()
    with smtp_sink() as smtp, http_sink() as http, SyncPrefectClient(cluster.api) as client:
        tree = national_tree(smtp.port, http.url)
        cli(cluster.env, "units", "import", str(write(tmp_path / "tree.csv", tree)))  # while the server starts
        cli(cluster.env, "campaign", "launch", str(write(tmp_path / "c.yaml", CONFIG)), "--at", LAUNCH_AT)
        everyone = {line.split(",")[0].lower() for line in tree.splitlines()[2:]}  # every unit but the root
        cluster.set_up()
        ready = time.monotonic()

        first = start_sweep(client, MORNING)
        run = wait_for("the first sweep ends", lambda: ended(client, first), 300, 1)
        assert run.state.is_completed(), run.state
        got = arrived(smtp, http)
        assert set(got) == everyone and max(got.values()) == 1, {b: n for b, n in got.items() if n != 1}
        parts = _partitions(client, MORNING)
        assert sorted(p.parameters["index"] for p in parts) == list(range(3))  # each partition once
        assert all(p.state.is_completed() and p.run_count == 1 for p in parts), [p.state for p in parts]
        ran_by = {name for name in ("worker-1", "worker-2") for p in parts if str(p.id) in cluster.log(name)}
        assert ran_by == {"worker-1", "worker-2"}, "both workers ran partitions"
        rows = _outbox(url)
        swept = time.monotonic()

        again = start_sweep(client, MORNING)  # the same slot swept again adds nothing
        assert wait_for("the re-run ends", lambda: ended(client, again), 180, 1).state.is_completed()
        assert arrived(smtp, http) == got and _outbox(url) == rows and len(_partitions(client, MORNING)) == 3
        rerun = time.monotonic()

        # A worker and the run it is delivering from are lost (SIGKILL, as a machine is).
        later = start_sweep(client, LATER)
        workers = {name: cluster.processes[name].pid for name in ("worker-1", "worker-2")}

        def delivering() -> Any:
            if sum(arrived(smtp, http).values()) < len(everyone) + 10:
                return None
            for p in _partitions(client, LATER):
                pid = int(str(p.infrastructure_pid or "0").rsplit(":", 1)[-1])
                if p.state.is_running() and _worker_of(pid, workers):
                    return p, pid
            return None

        victim, pid = wait_for("a partition mid-delivery", delivering, 240, 0.2)
        worker = _worker_of(pid, workers)
        assert worker is not None
        following = start_sweep(client, NEXT, 10_000)  # the next sweep, as the schedule would start it: one partition
        os.kill(pid, signal.SIGKILL)
        os.killpg(workers[worker], signal.SIGKILL)
        killed, sent_at_kill = time.monotonic(), sum(arrived(smtp, http).values()) - len(everyone)

        def recovered() -> Any:  # nothing but waiting: the parent sees its partition lost and finishes it
            run = client.read_flow_run(following)
            assert run.state is None or not run.state.is_final() or run.state.is_completed(), run.state
            return run.state is not None and run.state.is_completed() and _outbox(url).get("sending", 0) == 0

        wait_for("the slot freed, the next sweep run, every notice sent", recovered, 180, 1)
        recovered_in = time.monotonic() - killed
        assert client.read_flow_run(victim.id).state.name == "Crashed"
        # The sweep finished what its partition left; or, when it ran on the lost worker too, it crashed with it (its
        # output cut off) and the next sweep, which then had the slot at once, finished it.
        parent = client.read_flow_run(later).state
        assert parent.is_completed() or parent.is_crashed(), parent
        final, outbox = arrived(smtp, http), _outbox(url)
        assert set(final) == everyone and max(final.values()) <= 2, {b: n for b, n in final.items() if n > 2}
        short = {b for b in everyone if final[b] < 2}  # only the wave in flight (per channel) may be lost, and shown
        in_flight = 2 * smtp_connections()  # two channels, KIEMDIEM_SMTP_CONNECTIONS messages a wave each
        assert len(short) <= outbox.get("uncertain", 0) <= in_flight and not outbox.get("pending"), (short, outbox)
        print(
            f"\n{PROVINCES} × {UNITS} units; set-up {ready - began:.0f} s; first sweep {swept - ready:.0f} s "
            f"({len(everyone)} messages); re-run {rerun - swept:.0f} s; killed {worker} and its run after "
            f"{sent_at_kill} messages of the second sweep (that sweep {parent.name}); next sweep completed and every "
            f"notice in "
            f"{recovered_in:.0f} s; whole test {time.monotonic() - began:.0f} s; outbox {outbox}"
        )
