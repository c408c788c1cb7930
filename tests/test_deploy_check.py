"""`kiemdiem deploy check` on real pieces: SQLite and PostgreSQL databases (migrated, empty, unreachable), the
session's Prefect server (a pool without a live worker, then with one; a campaign's schedules missing, then
written by `deploy schedules`), and the deployment files (compose, systemd, prefect.yaml) against the README."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import create_engine, inspect

from service.deploy_check import check_code_dir, check_revision, check_workers
from tests.conftest import EXAMPLES, ROOT, fresh_database, write

DEPLOY = ROOT / "deploy"
README = (DEPLOY / "README.md").read_text(encoding="utf-8")


@pytest.fixture
def no_prefect_api() -> Iterator[None]:
    """PREFECT_API_URL unset for this test, even after the session's Prefect server has set it."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        yield


def checks(ran: Any) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in json.loads(ran.stdout)}


def test_a_migrated_database_passes_and_an_unset_api_url_fails_with_its_words(kiemdiem, env, no_prefect_api) -> None:
    migrated = kiemdiem("deploy", "migrate")
    assert migrated.exit_code == 0, migrated.stderr
    assert "database at the newest revision" in migrated.stdout
    ran = kiemdiem("deploy", "check", "--format", "json", "--code-dir", ROOT)
    assert ran.exit_code == 1
    found = checks(ran)
    assert found["database"]["ok"] and found["migrations"]["ok"] and found["code_dir"]["ok"]
    assert "schema at the newest revision" in found["migrations"]["en"]
    api = found["prefect_api"]
    assert api["status"] == "fail"
    assert "PREFECT_API_URL is not set" in api["en"] and "chưa đặt PREFECT_API_URL" in api["vi"]
    assert "PREFECT_API_URL=http://" in api["fix_en"]
    assert found["workers"]["status"] == "skipped"
    table = kiemdiem("deploy", "check", "--code-dir", ROOT)
    assert table.exit_code == 1
    lines = table.stdout.splitlines()
    assert lines[0].startswith("✓ database: ") and lines[1].startswith("✓ migrations: ")
    assert any(line.startswith("✗ prefect_api: ") for line in lines)
    assert lines[-1] == f"3/{len(lines) - 1} đạt / passed"


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_an_empty_database_fails_and_is_left_empty(kind: str, tmp_path: Path, kiemdiem_at: Any) -> None:
    with fresh_database(kind, tmp_path) as url:
        create_engine(url).connect().close()  # the SQLite file exists, empty
        ran = kiemdiem_at(url, "deploy", "check", "--format", "json")
        assert ran.exit_code == 1
        found = checks(ran)
        assert found["database"]["ok"]
        assert found["migrations"]["en"] == "the database is empty: no kiemdiem tables (never migrated)"
        assert "kiemdiem deploy migrate" in found["migrations"]["fix_en"]
        assert inspect(create_engine(url)).get_table_names() == []  # the check changed nothing


def test_an_unreachable_database_fails_without_showing_its_password(kiemdiem_at: Any) -> None:
    url = "postgresql+psycopg://kiemdiem:s3cr3t-pw@127.0.0.1:1/kiemdiem"
    ran = kiemdiem_at(url, "deploy", "check")
    assert ran.exit_code == 1
    assert "s3cr3t-pw" not in ran.stdout + ran.stderr
    line = ran.stdout.splitlines()[0]
    assert line.startswith("✗ database: không kết nối được cơ sở dữ liệu postgresql+psycopg://***@127.0.0.1")
    assert "cannot reach the database postgresql+psycopg://***@127.0.0.1/***" in line
    assert "check KIEMDIEM_DATABASE_URL" in line
    assert ran.stdout.splitlines()[1].startswith("· migrations: chưa kiểm tra")


def test_a_missing_sqlite_file_fails_and_is_not_created(tmp_path: Path, kiemdiem_at: Any) -> None:
    path = tmp_path / "none" / "kiemdiem.db"
    ran = kiemdiem_at(f"sqlite:///{path}", "deploy", "check")
    assert ran.exit_code == 1
    assert f"no database file at sqlite:///{path}" in ran.stdout
    assert not path.exists()


def test_revisions_older_and_unknown() -> None:
    from models import db

    head = db.head_revision()
    assert check_revision(head, head).ok
    older = check_revision("0001", head)
    assert older.en == f"schema at revision 0001, the newest is {head}" and not older.ok
    unknown = check_revision("ffff9999", head)
    assert "which the code on this machine does not know" in unknown.en


def test_the_code_directory(tmp_path: Path) -> None:
    assert check_code_dir(str(ROOT)).ok
    unset = check_code_dir(None)
    assert "KIEMDIEM_CODE_DIR is not set" in unset.en and "flows/sweep.py" in unset.en
    assert "does not exist" in check_code_dir(str(tmp_path / "nowhere")).en
    (tmp_path / "flows").mkdir()
    write(tmp_path / "flows" / "sweep.py", "")
    lacks = check_code_dir(str(tmp_path))
    assert lacks.en == f"KIEMDIEM_CODE_DIR={tmp_path} lacks flows/launch.py, service/bootstrap.py, models/db.py"


def test_bad_input_exits_2(kiemdiem, env) -> None:
    ran = kiemdiem("deploy", "check", "--pool", " ")
    assert ran.exit_code == 2 and "--pool" in ran.stderr


def test_a_worker_is_live_within_three_heartbeats() -> None:
    import datetime as dt
    from types import SimpleNamespace

    now = dt.datetime(2026, 12, 10, 8, 0, tzinfo=dt.UTC)
    fresh = SimpleNamespace(
        name="w1", last_heartbeat_time=now - dt.timedelta(seconds=80), heartbeat_interval_seconds=30
    )
    stale = SimpleNamespace(name="w2", last_heartbeat_time=now - dt.timedelta(minutes=5), heartbeat_interval_seconds=30)
    assert check_workers([fresh, stale], "kiemdiem", now).en == "1 live worker(s) on 'kiemdiem': w1"
    dead = check_workers([stale], "kiemdiem", now)
    assert dead.en == "no live worker on 'kiemdiem' (last heard from 5 min ago)"
    assert "prefect worker start --pool kiemdiem" in dead.fix_en


@pytest.fixture
def kiemdiem_at(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_prefect_api: None) -> Any:
    """The command line against a given database URL (nothing else of a test's environment)."""
    from typer.testing import CliRunner

    from entrypoints.cli import app
    from tests.conftest import Ran

    def run(url: str, *args: str) -> Ran:
        env = {"KIEMDIEM_DATABASE_URL": url, "KIEMDIEM_HOME": str(tmp_path / "home")}
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        result = CliRunner().invoke(app, [str(a) for a in args], env=env, catch_exceptions=False)
        return Ran(result.exit_code, result.stdout, result.stderr)

    return run


# --- against the session's Prefect server ----------------------------------------------------------------------

SHORT = """
key: dc-2026
title: "Đợt kiểm tra triển khai"
year: 2026
plan_number: 2-KH/HU
root: HU-CUCHI
launch: 2026-12-01
milestones:
  - key: grassroots_review
    levels: [branch, grassroots]
    deadline: 2026-12-05
  - key: district_review
    levels: [district]
    deadline: 2026-12-08
    after_children: grassroots_review
"""


SAME_IN_ANY_ORDER = """
import itertools
from prefect.events.schemas.automations import AutomationCore
from service.deploy_schedules import _same_automation, wanted_automations
want = wanted_automations()[0]
data = want.model_dump(mode="json")
for order in itertools.permutations(data["trigger"]["expect"]):
    data["trigger"]["expect"] = list(order)
    assert _same_automation(AutomationCore.model_validate(data), want), order
print("same")
"""


def test_an_automation_read_back_in_another_order_is_the_same() -> None:
    """The server answers the trigger's sets as lists in its own order; read back, a set's JSON order depends on that
    order under some hash seeds (7 is one), and `deploy schedules` rewrote an unchanged automation now and then."""
    env = {**os.environ, "PYTHONHASHSEED": "7"}
    done = subprocess.run([sys.executable, "-c", SAME_IN_ANY_ORDER], cwd=ROOT, env=env, capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (0, "same\n"), done.stderr[-2000:]


@pytest.mark.prefect
def test_pool_workers_and_schedules_on_a_real_prefect_server(
    prefect_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from typer.testing import CliRunner

    from entrypoints.cli import app

    pool = f"kd-{uuid.uuid4().hex[:8]}"
    with fresh_database("sqlite", tmp_path) as url:
        env = {"KIEMDIEM_DATABASE_URL": url, "KIEMDIEM_HOME": str(tmp_path / "home"), "KIEMDIEM_CODE_DIR": str(ROOT)}
        for key, value in env.items():
            monkeypatch.setenv(key, value)

        def run(*args: Any) -> Any:
            return CliRunner().invoke(app, [str(a) for a in args], env=env, catch_exceptions=False)

        def check() -> dict[str, dict[str, Any]]:
            return checks(run("deploy", "check", "--pool", pool, "--format", "json"))

        assert run("units", "import", EXAMPLES / "district.csv").exit_code == 0
        launched = run("campaign", "launch", write(tmp_path / "c.yaml", SHORT), "--at", "2026-11-25T08:00:00+07:00")
        assert launched.exit_code == 0, launched.stderr
        found = check()
        assert found["prefect_api"]["ok"] and found["database"]["ok"] and found["migrations"]["ok"]
        assert found["work_pool"]["en"] == f"no work pool '{pool}'"
        assert f"prefect work-pool create {pool} --type process" in found["work_pool"]["fix_en"]

        with get_client(sync_client=True) as client:
            client.create_work_pool(WorkPoolCreate(name=pool, type="process"))
            found = check()
            assert found["work_pool"]["ok"]
            assert found["workers"]["en"] == f"no live worker on '{pool}'"
            assert not found["schedules:dc-2026"]["ok"]
            assert "3 of 3 sweep schedules missing in Asia/Ho_Chi_Minh: " in found["schedules:dc-2026"]["en"]
            client.send_worker_heartbeat(pool, "worker-a", heartbeat_interval_seconds=30)

            try:
                written = run("deploy", "schedules", "--pool", pool)
                assert written.exit_code == 0, written.stderr
                lines = written.stdout.splitlines()
                assert lines[:2] == [
                    "ghi / written: sweep/sweep-dc-2026",
                    "ghi / written: automation/kiemdiem-crash-zombie-flow-runs",
                ], lines
                assert "ghi / written: limit/kiemdiem-channel-mailtos=8" in lines
                again = run("deploy", "schedules", "--pool", pool)
                assert again.stdout.splitlines() == [
                    line.replace("ghi / written", "giữ nguyên / unchanged") for line in lines
                ]
                zombie = client.read_automations_by_name("kiemdiem-crash-zombie-flow-runs")
                assert len(zombie) == 1 and zombie[0].trigger.within.total_seconds() == 90
                assert client.read_global_concurrency_limit_by_name("kiemdiem-channel-json").limit == 16
                # Shorter for a test, through the same command: the automation rewritten, never duplicated.
                env["KIEMDIEM_LOST_RUN_SECONDS"] = "45"
                shorter = run("deploy", "schedules", "--pool", pool)
                assert "ghi / written: automation/kiemdiem-crash-zombie-flow-runs" in shorter.stdout
                zombie = client.read_automations_by_name("kiemdiem-crash-zombie-flow-runs")
                assert len(zombie) == 1 and zombie[0].trigger.within.total_seconds() == 45
                env["KIEMDIEM_LOST_RUN_SECONDS"] = "20"  # under one heartbeat (30 s) and some slack: refused
                refused = run("deploy", "schedules", "--pool", pool)
                assert refused.exit_code == 2 and "KIEMDIEM_LOST_RUN_SECONDS" in refused.stderr, refused.stderr
                del env["KIEMDIEM_LOST_RUN_SECONDS"]
            finally:  # the session's server is shared: leave no automation or limit behind
                for automation in client.read_automations_by_name("kiemdiem-crash-zombie-flow-runs"):
                    client.delete_automation(automation.id)
                for limit in client.read_global_concurrency_limits(limit=200):
                    if limit.name.startswith("kiemdiem-channel-"):
                        client.delete_global_concurrency_limit_by_name(limit.name)

            ran = run("deploy", "check", "--pool", pool)
            assert ran.exit_code == 0, ran.stdout
            assert f"✓ workers: 1 worker đang chạy trên «{pool}»: worker-a / 1 live worker(s) on '{pool}'" in ran.stdout
            assert "✓ schedules:dc-2026: " in ran.stdout and "all 3 sweep schedules in Asia/Ho_Chi_Minh" in ran.stdout

            deployment = client.read_deployment_by_name("sweep/sweep-dc-2026")
            try:
                assert deployment.work_pool_name == pool and deployment.parameters == {"campaign": "dc-2026"}
                assert deployment.concurrency_options.collision_strategy.value == "ENQUEUE"  # never cancelled
                assert deployment.entrypoint == "flows/sweep.py:sweep"
                assert deployment.pull_steps == [
                    {"prefect.deployments.steps.set_working_directory": {"directory": "{{ $KIEMDIEM_CODE_DIR }}"}}
                ]
            finally:
                client.delete_deployment(deployment.id)
                client.delete_work_pool(pool)


@pytest.mark.prefect
def test_an_api_url_that_does_not_answer(kiemdiem, env) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:1/api"}):
        found = checks(kiemdiem("deploy", "check", "--format", "json"))
    assert found["prefect_api"]["en"].startswith("Prefect API not answering at http://127.0.0.1/***")


# --- the deployment files --------------------------------------------------------------------------------------


def test_compose_parses_and_names_the_services_the_readme_names() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"postgres", "prefect-server", "prefect-setup", "kiemdiem", "worker"} <= set(services)
    for name in services:
        assert f"`{name}`" in README, name
    worker = services["worker"]
    assert worker["environment"]["KIEMDIEM_CODE_DIR"] == "/app"
    assert "prefect worker start --pool kiemdiem" in " ".join(worker["command"])
    for name in ("kiemdiem", "worker", "prefect-setup"):
        assert services[name]["environment"]["PREFECT_API_URL"] == "http://prefect-server:4200/api"


def test_systemd_units_read_an_environment_file_and_the_readme_names_them() -> None:
    units = sorted(p.name for p in (DEPLOY / "systemd").iterdir())
    for name in ("prefect-server.service", "kiemdiem-worker@.service", "kiemdiem.service"):
        assert name in units
        assert re.search(r"^EnvironmentFile=/etc/kiemdiem/\S+\.env$", (DEPLOY / "systemd" / name).read_text(), re.M)
    for name in units:
        assert name in README, name


def test_prefect_yaml_names_the_code_dir_and_carries_no_deadline_crons() -> None:
    source = (DEPLOY / "prefect.yaml").read_text(encoding="utf-8")
    config = yaml.safe_load(source)
    assert config["pull"][0]["prefect.deployments.steps.set_working_directory"]["directory"] == (
        "{{ $KIEMDIEM_CODE_DIR }}"
    )
    assert "KIEMDIEM_CODE_DIR" in source.split("\nname:")[0]  # the header says so
    crons = [s["cron"] for d in config["deployments"] for s in d.get("schedules") or []]
    assert all(cron.split()[2:4] == ["*", "*"] for cron in crons), crons  # no day of a month written by hand
    for variable in ("KIEMDIEM_DATABASE_URL", "KIEMDIEM_CODE_DIR", "PREFECT_API_URL", "KIEMDIEM_SECRET_KEY"):
        assert variable in README, variable
    assert "kiemdiem deploy check" in README and "Docker" in README


def test_the_readme_names_every_kiemdiem_setting() -> None:
    from service.settings import Settings

    for field in Settings.model_fields:
        assert f"KIEMDIEM_{field.upper()}" in README, field
