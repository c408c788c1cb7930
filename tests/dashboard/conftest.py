"""The dashboard's fixtures: a small launched campaign with a token per role, the dashboard served by real uvicorn
on loopback, and Debian's Chromium driven by Playwright (installed here where it is missing: a fresh machine's
`make test` runs the browser tests rather than skipping them; Playwright never downloads a browser of its own)."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from models import clock
from service.bootstrap import build_app
from service.settings import Settings
from tests.conftest import ROOT, database_with_cli, table_rows, write
from tests.test_api import serving

CHROMIUM = Path("/usr/bin/chromium")
# The flags the machine notes ask for (shared env notes): no sandbox as root, no GPU, nothing fetched in the background.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "tests" / "artifacts" / "dashboard"

TREE = """code,parent,name,level,members,contacts
HU-A,,Huyện ủy A,district,0,
CS-1,HU-A,Đảng bộ xã Một,grassroots,0,
CS-1-CB1,CS-1,Chi bộ ấp 1,branch,20,
CS-1-CB2,CS-1,Chi bộ ấp 2 <b>đậm</b>,branch,15,
CS-2,HU-A,Chi bộ Hai,grassroots,10,
"""
CONFIG = {
    "key": "web-2026",
    "title": "Kiểm điểm 2026",
    "year": 2026,
    "plan_number": "45-KH/HU",
    "root": "HU-A",
    "launch": "2026-11-23",
    "milestones": [
        {"key": "grassroots_review", "levels": ["branch", "grassroots"], "deadline": "2026-12-10"},
        {
            "key": "district_review",
            "levels": ["district"],
            "deadline": "2026-12-25",
            "after_children": "grassroots_review",
        },
    ],
}
LAUNCH = "2026-11-23T08:00:00+07:00"
NOW = "2026-12-12T09:00:00+07:00"  # after the grassroots deadline: some units are overdue


def ensure_chromium() -> Path:
    """Debian's chromium at /usr/bin/chromium, installed with apt-get (as root) where it is missing; one worker at a
    time (a lock file), so two test workers never run apt-get at once."""
    if CHROMIUM.exists():
        return CHROMIUM
    with open("/tmp/kiemdiem-chromium.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not CHROMIUM.exists():
            if os.geteuid() != 0 or shutil.which("apt-get") is None:
                pytest.fail("the dashboard tests need Debian's chromium: run `apt-get install -y chromium` as root")
            quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.STDOUT, "timeout": 900}
            environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            if subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], env=environment, **quiet).returncode:
                subprocess.run(["apt-get", "update", "-q"], env=environment, **quiet)
                subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], env=environment, check=True, **quiet)
    return CHROMIUM


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per test module: Playwright's sync API runs an event loop in this thread while it lives, which
    would refuse every later `asyncio.run` of the same test process."""
    from playwright.sync_api import sync_playwright

    path = ensure_chromium()
    with sync_playwright() as playwright:
        found = playwright.chromium.launch(executable_path=str(path), args=CHROMIUM_FLAGS, headless=True)
        yield found
        SIGNED_OUT.pop(found, None)
        found.close()


# Per Chromium: the sessions its tests closed, signed out, for the next sign-in (a new context and its page start a
# renderer, ~0.5 s of a loaded machine each; the dashboard keeps its session and language in cookies only).
SIGNED_OUT: dict[Any, list[Session]] = {}


@dataclass
class Session:
    """A browser context and its page. close() signs it out (other pages closed, a blank page, every cookie cleared)
    and keeps it for the module's next sign-in; a context made with options (a phone's) is closed for good."""

    browser: Any
    context: Any
    page: Any
    reusable: bool

    @classmethod
    def new(cls, browser: Any, options: dict[str, Any]) -> Session:
        context = browser.new_context(locale="vi-VN", **options)
        return cls(browser, context, context.new_page(), reusable=not options)

    @classmethod
    def signed_out(cls, browser: Any, options: dict[str, Any]) -> Session | None:
        free = SIGNED_OUT.get(browser)
        return free.pop() if free and not options else None

    def close(self) -> None:
        if not self.reusable:
            self.context.close()
            return
        for other in self.context.pages:
            if other is not self.page:
                other.close()
        self.page.goto("about:blank")
        self.context.clear_cookies()
        assert self.context.cookies() == []
        SIGNED_OUT.setdefault(self.browser, []).append(self)


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Any:
    """Save a page's screenshot as a test artifact: tests/artifacts/dashboard/<test>/<name>.png (ignored by git)."""
    folder = ARTIFACTS / request.node.name.replace("[", "-").replace("]", "")
    folder.mkdir(parents=True, exist_ok=True)

    def shoot(page: Any, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shoot


@dataclass
class Site:
    url: str
    tokens: dict[str, str]
    app: Any
    kiemdiem: Any
    database_url: str


@pytest.fixture
def site(kiemdiem, env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    """The campaign launched on 23 November, the clock at 12 December 09:00 (after the grassroots deadline), a
    token per role, and the API with the dashboard mounted beside it (as `kiemdiem serve` runs them)."""
    this_years_tree(kiemdiem, tmp_path)
    with served(kiemdiem, env, tmp_path, monkeypatch) as found:
        yield found


def this_years_tree(kiemdiem, folder: Path) -> None:
    assert kiemdiem("units", "import", write(folder / "t.csv", TREE)).exit_code == 0


@contextmanager
def shared_site(
    request: pytest.FixtureRequest, factory: pytest.TempPathFactory, prepare: Callable[..., None]
) -> Iterator[Site]:
    """A site for a module's tests that only read it (request.param: sqlite or postgresql), set up once: `prepare`
    (kiemdiem, folder) before the launch, as `site` and `history_site` do. Left as it was found: every table is
    compared at the end, so a test that writes to it fails there (and belongs on a site of its own)."""
    folder = factory.mktemp(f"site-{request.param}")
    with database_with_cli(request.param, folder) as shared, pytest.MonkeyPatch.context() as monkeypatch:
        env = {"KIEMDIEM_DATABASE_URL": shared.url, "KIEMDIEM_HOME": str(folder / "home")}
        prepare(shared.kiemdiem, folder)
        with served(shared.kiemdiem, env, folder, monkeypatch) as found:
            before = table_rows(found.database_url)
            yield found
            assert table_rows(found.database_url) == before, "a test changed a read-only site: give it its own"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def _read_only_site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with shared_site(request, tmp_path_factory, this_years_tree) as found:
        yield found


@pytest.fixture
def read_only_site(_read_only_site: Site) -> Site:
    """`site`, set up once for the module's tests that only read it (sign-in and cookies, 403s, pages, searches);
    the clock set again for each (conftest puts it back after every test)."""
    clock.set_now(clock.parse_instant(NOW))
    return _read_only_site


# Last year's campaign on the same tree (and CS-9, which has moved to another district since), closed; this year
# the tree gained CS-3. Its grassroots deadline, moved to 2026, is a Sunday (13/12), its district one a Saturday.
TREE_2025 = TREE + "CS-9,HU-A,Chi bộ Chín,grassroots,8,\n"
TREE_2026 = (
    TREE + "CS-3,HU-A,Chi bộ Ba,grassroots,12,\nHU-B,,Huyện ủy B,district,0,\nCS-9,HU-B,Chi bộ Chín,grassroots,8,\n"
)
CONFIG_2025 = {
    **CONFIG,
    "key": "web-2025",
    "title": "Kiểm điểm 2025",
    "year": 2025,
    "plan_number": "30-KH/HU",
    "launch": "2025-11-24",
    "milestones": [
        {"key": "grassroots_review", "levels": ["branch", "grassroots"], "deadline": "2025-12-13"},
        {
            "key": "district_review",
            "levels": ["district"],
            "deadline": "2025-12-26",
            "after_children": "grassroots_review",
        },
    ],
}
SUBMITTED_2025 = {  # CS-1-CB2 and then CS-1 (lower levels first) three days late, CS-2 and CS-9 never
    "CS-1-CB1": "2025-12-05T09:00:00+07:00",
    "CS-1-CB2": "2025-12-16T09:00:00+07:00",
    "CS-1": "2025-12-16T10:00:00+07:00",
}


@pytest.fixture
def history_site(kiemdiem, env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    """`site` with last year's campaign before it: web-2025 launched on 24 November 2025, CS-1-CB1 on time,
    CS-1-CB2 and CS-1 three days late, CS-2 and CS-9 never; closed; the tree re-imported (CS-3 new, CS-9 moved to
    another district, HU-B); then this year's web-2026 as `site` has it."""
    last_years_campaign(kiemdiem, tmp_path)
    with served(kiemdiem, env, tmp_path, monkeypatch) as found:
        yield found


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def _read_only_history_site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with shared_site(request, tmp_path_factory, last_years_campaign) as found:
        yield found


@pytest.fixture
def read_only_history_site(_read_only_history_site: Site) -> Site:
    """`history_site`, set up once for the module's tests that only read it."""
    clock.set_now(clock.parse_instant(NOW))
    return _read_only_history_site


def last_years_campaign(kiemdiem, tmp_path: Path) -> None:
    assert (
        kiemdiem("units", "import", write(tmp_path / "t.csv", TREE_2025), "--at", "2025-11-01T08:00:00+07:00").exit_code
        == 0
    )
    config = write(tmp_path / "c25.yaml", yaml.safe_dump(CONFIG_2025, allow_unicode=True))
    assert kiemdiem("campaign", "launch", config, "--at", "2025-11-24T08:00:00+07:00").exit_code == 0
    for unit, at in SUBMITTED_2025.items():
        ran = kiemdiem(
            "status", "submit", "--campaign", "web-2025", "--unit", unit, "--milestone", "grassroots_review", "--at", at
        )
        assert ran.exit_code == 0, ran.stderr
    assert kiemdiem("campaign", "close", "web-2025", "--at", "2026-01-10T08:00:00+07:00").exit_code == 0
    tree = write(tmp_path / "t26.csv", TREE_2026)
    ran = kiemdiem("units", "import", tree, "--many-roots", "--at", "2026-02-01T08:00:00+07:00")
    assert ran.exit_code == 0, ran.stderr


@contextmanager
def served(kiemdiem, env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    from entrypoints.serve import web_app

    # Pages are computed for every load here, however slow a loaded machine makes them (a page slower than
    # KIEMDIEM_DASHBOARD_SNAPSHOT_AFTER_SECONDS would be kept as a snapshot); test_dashboard_snapshot.py asks for
    # snapshots itself.
    monkeypatch.setenv("KIEMDIEM_DASHBOARD_SNAPSHOT_AFTER_SECONDS", "600")

    config = write(tmp_path / "c.yaml", yaml.safe_dump(CONFIG, allow_unicode=True))
    assert kiemdiem("campaign", "launch", config, "--at", LAUNCH).exit_code == 0
    tokens = {
        name: kiemdiem("tokens", "issue", *args).stdout.strip()
        for name, args in {
            "admin": ["--admin"],
            "HU-A": ["HU-A"],
            "CS-1": ["CS-1"],
            "CS-2": ["CS-2"],
            "CB1": ["CS-1-CB1"],
            "CB2": ["CS-1-CB2"],
        }.items()
    }
    app = build_app(Settings(database_url=env["KIEMDIEM_DATABASE_URL"], home=Path(env["KIEMDIEM_HOME"])))
    clock.set_now(clock.parse_instant(NOW))
    with serving(web_app(app)) as url:
        yield Site(url, tokens, app, kiemdiem, env["KIEMDIEM_DATABASE_URL"])
    app.engine.dispose()
