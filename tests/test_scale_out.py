"""Beyond one machine, for real: a Prefect server on PostgreSQL, the pool, `prefect deploy` with deploy/prefect.yaml,
two process workers, a fanned-out sweep counted at an SMTP server, then a worker and its run killed mid-delivery
and recovered with no step but waiting. The in-process parts (partitions, partition claims) are tested first."""

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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pendulum
import pytest
from sqlalchemy import create_engine, text

from models.sweep import Batch, plan_partitions
from notifications.senders import CaptureSender
from service.bootstrap import build_app
from service.settings import Settings
from service.sweeps import FanOut, sweep, sweep_partition
from tests.conftest import POSTGRES_URL, ROOT, postgres_or_skip, write
from tests.reliability.harness import CONFIG, KEY, LAUNCH_AT, mailboxes, received, tree_csv
from tests.sinks import smtp_sink

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
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.folder / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [str(BIN / "prefect"), *args],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [str(BIN / "prefect"), *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, f"prefect {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def _wait_for(what: str, check: Any, timeout: float, every: float = 0.5) -> Any:
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


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[Cluster, str]]:
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
            "KIEMDIEM_DATABASE_URL": kiemdiem_url,
            "KIEMDIEM_HOME": str(tmp_path / "kiemdiem-home"),
            "KIEMDIEM_SECRET_KEY": secrets.token_hex(32),
            "KIEMDIEM_CODE_DIR": str(ROOT),
            "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
        }
        servers = Cluster(env, tmp_path)
        try:
            servers.start("server", "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-ui")
            _wait_for("the Prefect server answers", lambda: _healthy(api), 120, 1)
            servers.run("work-pool", "create", "kiemdiem", "--type", "process")
            servers.run("deploy", "--all", "--prefect-file", "deploy/prefect.yaml")
            servers.run("automation", "create", "--from-file", "deploy/automations.yaml")
            for name in ("worker-1", "worker-2"):
                servers.start(name, "worker", "start", "--pool", "kiemdiem", "--limit", "2", "--name", name)
            yield servers, api
        finally:
            servers.stop()
            for name in servers.processes:
                print(f"--- {name} (last lines) ---\n" + "\n".join(servers.log(name).splitlines()[-40:]))


PROVINCES, UNITS = 4, 60  # 4 "provinces" of 60 units (241 with the root): on 2 shared cores 2,000 each is too slow
NEXT = "2026-12-07T09:30:00+07:00"  # the same day, two hours later: nothing new is due, what was left is delivered


def _cli(env: dict[str, str], *args: str) -> None:
    from typer.testing import CliRunner

    from entrypoints.cli import app

    result = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.stdout + result.stderr


def _start_sweep(client: Any, deployment: Any, at: str, when: pendulum.DateTime | None = None) -> Any:
    from prefect.states import Scheduled

    parameters = {"campaign": KEY, "at": at, "partition_units": UNITS + 50}
    state = Scheduled(scheduled_time=when) if when else None
    return client.create_flow_run_from_deployment(deployment, parameters=parameters, state=state).id


def _ended(client: Any, run_id: Any) -> Any:
    run = client.read_flow_run(run_id)
    return run if run.state is not None and run.state.is_final() else None


def _partitions(client: Any, deployment: Any, at: str) -> list[Any]:
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

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


def _parent_pid(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[1])


def _worker_of(pid: int, workers: dict[str, int]) -> str | None:
    while pid > 1:
        for name, worker_pid in workers.items():
            if pid == worker_pid:
                return name
        try:
            pid = _parent_pid(pid)
        except OSError:
            return None
    return None


def test_two_workers_share_a_sweep_and_a_lost_worker_costs_minutes(
    cluster: tuple[Cluster, str], tmp_path: Path
) -> None:
    from prefect.client.orchestration import SyncPrefectClient

    servers, api = cluster
    with smtp_sink() as smtp, SyncPrefectClient(api) as client:
        tree = tree_csv(smtp.port, PROVINCES, UNITS - 1)
        _cli(servers.env, "units", "import", str(write(tmp_path / "tree.csv", tree)))
        _cli(servers.env, "campaign", "launch", str(write(tmp_path / "c.yaml", CONFIG)), "--at", LAUNCH_AT)
        everyone = mailboxes(tree)
        sweep_deployment = client.read_deployment_by_name("sweep/sweep").id
        part_deployment = client.read_deployment_by_name("sweep-partition/sweep-partition").id

        started = time.monotonic()
        first = _start_sweep(client, sweep_deployment, MORNING)
        run = _wait_for("the first sweep ends", lambda: _ended(client, first), 240, 1)
        assert run.state.is_completed(), run.state
        _wait_for("every mailbox reached", lambda: len(smtp.messages) >= len(everyone), 10)
        took = time.monotonic() - started
        got = received(smtp)
        assert set(got) == everyone and max(got.values()) == 1, {b: n for b, n in got.items() if n > 1}
        parts = _partitions(client, part_deployment, MORNING)
        assert sorted(p.parameters["index"] for p in parts) == list(range(PROVINCES))  # each partition once
        assert all(p.state.is_completed() and p.run_count == 1 for p in parts), [p.state for p in parts]
        ran_by = {name for name in ("worker-1", "worker-2") for p in parts if str(p.id) in servers.log(name)}
        assert ran_by == {"worker-1", "worker-2"}, "both workers ran partitions"
        rows = _outbox(servers.env["KIEMDIEM_DATABASE_URL"])
        print(f"first sweep: {len(smtp.messages)} messages, {sum(rows.values())} notices, {took:.1f} s; {rows}")

        again = _start_sweep(client, sweep_deployment, MORNING)  # the same slot swept again adds nothing
        assert _wait_for("the re-run ends", lambda: _ended(client, again), 120, 1).state.is_completed()
        time.sleep(1)
        assert received(smtp) == got and _outbox(servers.env["KIEMDIEM_DATABASE_URL"]) == rows
        assert len(_partitions(client, part_deployment, MORNING)) == PROVINCES

        # A worker and the run it is delivering from are lost (SIGKILL, as a machine is).
        before = len(smtp.messages)
        later = _start_sweep(client, sweep_deployment, LATER)
        workers = {name: servers.processes[name].pid for name in ("worker-1", "worker-2")}

        def delivering() -> Any:
            if len(smtp.messages) < before + 20:
                return None
            for p in _partitions(client, part_deployment, LATER):
                if p.state.is_running() and p.infrastructure_pid:
                    pid = int(str(p.infrastructure_pid).rsplit(":", 1)[-1])
                    if _worker_of(pid, workers):
                        return p, pid
            return None

        victim, pid = _wait_for("a partition mid-delivery", delivering, 120, 0.2)
        worker = _worker_of(pid, workers)
        assert worker is not None
        # The next sweep, scheduled as the campaign's schedule would have it: then nothing but waiting. The dead
        # run is marked Crashed 90 s after its last heartbeat at most; its parent then decides and delivers the rest.
        following = _start_sweep(client, sweep_deployment, NEXT, pendulum.now("UTC").add(seconds=140))
        os.kill(pid, signal.SIGKILL)
        os.killpg(workers[worker], signal.SIGKILL)
        killed = time.monotonic()
        sent_at_kill = len(smtp.messages) - before

        def recovered() -> bool:
            counts = received(smtp)
            run = client.read_flow_run(following)
            assert run.state is None or not run.state.is_cancelled(), f"the next sweep: {run.state.message}"
            if set(counts) != everyone or (min(counts.values()) < 2 and not _outbox(url).get("uncertain")):
                return False
            return run.state is not None and (run.state.is_running() or run.state.is_completed())

        url = servers.env["KIEMDIEM_DATABASE_URL"]
        _wait_for("every notice arrived and the next sweep runs", recovered, 180, 1)
        recovered_in = time.monotonic() - killed
        assert client.read_flow_run(victim.id).state.name == "Crashed"
        assert client.read_flow_run(later).state.is_completed()  # it decided and delivered what its partition left
        run = _wait_for("the next sweep ends", lambda: _ended(client, following), 180, 1)
        assert run.state.is_completed(), f"the next sweep was {run.state.name}: {run.state.message}"
        time.sleep(1)
        final, uncertain = received(smtp), _outbox(url).get("uncertain", 0)
        assert max(final.values()) <= 2, {b: n for b, n in final.items() if n > 2}  # nobody twice a notice
        short = {b for b in everyone if final[b] < 2}
        assert len(short) <= uncertain <= 1, (short, uncertain)  # only the one in flight may be lost, and shown
        print(
            f"killed {worker} and its run after {sent_at_kill} messages; all arrived and next sweep running "
            f"{recovered_in:.0f} s later; "
            f"{uncertain} uncertain; outbox {_outbox(servers.env['KIEMDIEM_DATABASE_URL'])}"
        )
