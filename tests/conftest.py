"""Fixtures: every database test runs on SQLite and on PostgreSQL, each test on a database of its own."""

from __future__ import annotations

import functools
import logging
import os
import ssl
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, text

from models import clock

POSTGRES_URL = os.environ.get("KIEMDIEM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "deploy" / "examples"
# One TLS context for every HTTP request a test makes: httpx reads the CA bundle again for each client it builds
# (~30 ms of CPU for each httpx.request), though the tests speak plain HTTP to servers on loopback.
TLS = ssl.create_default_context()


def _postgres_problem() -> str | None:
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as error:
        return f"{type(error).__name__}: {str(error).splitlines()[0]}"


# The longest test files start first, so that under `pytest -n 4 --dist loadgroup --no-loadscope-reorder` none of
# them is left to run alone at the end (xdist hands out files in collection order; without --no-loadscope-reorder it
# orders them by their number of tests instead). Measured by `make test`'s --durations (wall seconds, 2026-12-02).
LONGEST_FIRST = (
    "tests/test_scale_out.py",  # ~60
    "tests/test_flows_prefect.py",  # ~95, and with the next two on one worker: see PREFECT_HARNESS
    "tests/test_forecast.py",  # ~55
    "tests/test_deploy_check.py",  # ~30
    "tests/test_corpus_trees.py",  # ~100
    "tests/test_tree_import.py",  # ~85
    "tests/test_board_report.py",  # ~85
    "tests/test_sweep_rows.py",  # ~65
    "tests/test_reports.py",  # ~65
    "tests/test_campaign_launch.py",  # ~60
    "tests/test_corpus_forms.py",  # ~50
    "tests/test_sweep.py",  # ~45
    "tests/reliability/test_concurrent_sweeps.py",  # ~45
    "tests/test_corpus_configs.py",  # ~45
)
# The files that use the `prefect_server` fixture run on one worker, which starts Prefect's embedded server once
# (~16 s of CPU each start) instead of once on each worker.
PREFECT_HARNESS = ("tests/test_flows_prefect.py", "tests/test_forecast.py", "tests/test_deploy_check.py")


def pytest_configure(config: pytest.Config) -> None:
    # xdist registers its marker only when it is loaded: a run with `-p no:xdist` sees the groups too
    config.addinivalue_line("markers", "xdist_group(name): tests of one group run on the same xdist worker")


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = Path(str(item.path)).relative_to(ROOT).as_posix()
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    for item in items:  # under loadgroup an unmarked test is handed out alone: each file is a group of its own
        path = Path(str(item.path)).relative_to(ROOT).as_posix()
        item.add_marker(pytest.mark.xdist_group("prefect" if path in PREFECT_HARNESS else path))
    items.sort(key=rank)  # stable: a file's tests keep their order and stay together


_PG_PROBLEM: list[str | None] = []


def postgres_or_skip() -> None:
    if not _PG_PROBLEM:
        _PG_PROBLEM.append(_postgres_problem())
    if _PG_PROBLEM[0] is not None:
        pytest.skip(
            f"PostgreSQL test server not reachable at {POSTGRES_URL} ({_PG_PROBLEM[0]}); "
            "set KIEMDIEM_TEST_POSTGRES_URL to run these tests on PostgreSQL"
        )


@contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file in `folder`, or a PostgreSQL schema of its own (dropped afterwards)."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'kiemdiem.db'}"
        return
    postgres_or_skip()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_database(request.param, tmp_path) as url:
        yield url


def table_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to show that a refused command changed nothing."""
    engine = create_engine(url)
    try:
        tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
        with engine.connect() as connection:
            return {t: sorted(map(tuple, connection.execute(text(f"SELECT * FROM {t}"))), key=repr) for t in tables}
    finally:
        engine.dispose()


# Secrets planted in the URLs the tests use; test_zz_no_secrets greps everything captured below for them.
SECRETS = ("S3cretPass", "Hunter2Secret", "MatKhau123", "TokenBiMat987")
CAPTURED: list[str] = []


class _Everything(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        CAPTURED.append(self.format(record))


@pytest.fixture(scope="session", autouse=True)
def _capture_every_log_line() -> Iterator[None]:
    handler = _Everything(level=logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.DEBUG)
    yield
    root.removeHandler(handler)
    root.setLevel(previous)


@pytest.fixture(autouse=True)
def _no_secret_in_what_this_test_logged() -> Iterator[None]:
    """Every log line and CLI output a test produced is searched for the planted secrets, so a leak fails the test
    that caused it (on whichever worker it ran)."""
    start = len(CAPTURED)
    yield
    leaked = [line for line in CAPTURED[start:] if any(secret in line for secret in SECRETS)]
    if leaked:
        pytest.fail(f"a planted secret appeared in {len(leaked)} captured lines, e.g. {leaked[0][:300]!r}")


@pytest.fixture(autouse=True)
def _system_clock_after_each_test() -> Iterator[None]:
    yield
    clock.set_now(None)


@dataclass
class Ran:
    exit_code: int
    stdout: str
    stderr: str

    def __bool__(self) -> bool:
        # A Ran is always "there": `assert kiemdiem(...)` would pass whatever the command did.
        raise TypeError("assert on .exit_code and output, not on the result object")


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {"KIEMDIEM_DATABASE_URL": database_url, "KIEMDIEM_HOME": str(tmp_path / "home")}
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


@functools.cache
def cli_command() -> Any:
    """The command line as click runs it, built once: typer.testing.CliRunner builds it anew from every command's
    signature on each call (~27 ms of CPU, more than most commands themselves take)."""
    from typer.main import get_command

    from entrypoints.cli import app

    return get_command(app)


def run_cli(env: dict[str, str], args: tuple[object, ...]) -> Ran:
    """The command line in this process with `env`, its output kept for the planted-secrets check."""
    result = CliRunner().invoke(cli_command(), [str(a) for a in args], env=env, catch_exceptions=False)
    CAPTURED.extend((result.stdout, result.stderr))
    return Ran(result.exit_code, result.stdout, result.stderr)


Kiemdiem = Callable[..., Ran]


@pytest.fixture
def kiemdiem(env: dict[str, str]) -> Kiemdiem:
    """Run the command line in this process, against this test's database: kiemdiem("units", "tree")."""
    return lambda *args: run_cli(env, args)


@dataclass
class Shared:
    """A database and the command line on it (as `kiemdiem`): mostly one set up once by a module's fixture and
    then only read by the tests that share it."""

    url: str
    kiemdiem: Kiemdiem

    @contextmanager
    def unchanged(self) -> Iterator[Kiemdiem]:
        """The command line, and the check that it changed nothing in the database meanwhile."""
        before = table_rows(self.url)
        yield self.kiemdiem
        assert table_rows(self.url) == before, "a refused command changed the database"


@contextmanager
def shared_database(request: pytest.FixtureRequest, factory: pytest.TempPathFactory) -> Iterator[Shared]:
    """A fresh database of its own (request.param: sqlite or postgresql) for a module-scoped fixture."""
    with database_with_cli(request.param, factory.mktemp(f"shared-{request.param}")) as shared:
        yield shared


@contextmanager
def database_with_cli(kind: str, folder: Path) -> Iterator[Shared]:
    """A fresh database (fresh_database in `folder`) and the command line on it."""
    with fresh_database(kind, folder) as url:
        env = {"KIEMDIEM_DATABASE_URL": url, "KIEMDIEM_HOME": str(folder / "home")}
        yield Shared(url, lambda *args: run_cli(env, args))


@pytest.fixture(scope="module")
def zygote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One warm parent for the module (tests.reliability.harness.Zygote): each killed run is a child forked from it
    (a process of its own, in a session of its own, which the SIGKILL ends), not a fresh interpreter importing
    everything again (~1 s of CPU each)."""
    from tests.reliability.harness import Zygote

    parent = Zygote(tmp_path_factory.mktemp("zygote"))
    yield parent
    parent.close()


@pytest.fixture
def snapshot(env: dict[str, str]) -> Any:
    """Every row of every table, to show that a refused command changed nothing."""
    return lambda: table_rows(env["KIEMDIEM_DATABASE_URL"])


def write(path: Path, text_: str) -> Path:
    path.write_text(text_, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Prefect's embedded server, started once per session in a temporary PREFECT_HOME."""
    home = tmp_path_factory.mktemp("prefect-home")
    os.environ.update(
        {
            "PREFECT_HOME": str(home),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_LOGGING_LEVEL": "WARNING",
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        }
    )
    os.environ.pop("PREFECT_API_URL", None)
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
