"""`kiemdiem deploy check`: is a production set-up ready? One check a line, each saying in plain words what is wrong
and what to do (Vietnamese and English). Reads only: it never migrates, creates or starts anything."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from models import db
from notifications.redact import redact, redact_url
from service.settings import Settings

OK, FAIL, SKIPPED = "ok", "fail", "skipped"
# Files a worker's code directory must hold: the deployments' entrypoints and the package they import.
CODE_FILES = ("flows/sweep.py", "flows/launch.py", "service/bootstrap.py", "models/db.py")
# A worker is live when it was heard from within this many of its heartbeat intervals (Prefect's own rule is 3).
MISSED_HEARTBEATS = 3
DEFAULT_HEARTBEAT_SECONDS = 30


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    vi: str
    en: str
    fix_vi: str = ""
    fix_en: str = ""

    @property
    def ok(self) -> bool:
        return self.status == OK

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


@dataclass(frozen=True)
class Target:
    """What to check: the settings (database), the Prefect API URL, the pool, the code directory."""

    settings: Settings
    api_url: str | None
    pool: str
    code_dir: str | None
    now: dt.datetime


def _ok(name: str, vi: str, en: str) -> Check:
    return Check(name, OK, vi, en)


def _fail(name: str, vi: str, en: str, fix_vi: str, fix_en: str) -> Check:
    return Check(name, FAIL, vi, en, fix_vi, fix_en)


def _skipped(name: str, because_vi: str, because_en: str) -> Check:
    return Check(name, SKIPPED, f"chưa kiểm tra: {because_vi}", f"not checked: {because_en}")


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return redact(f"{type(error).__name__}: {text[0] if text else ''}")


# --- the database -------------------------------------------------------------------------------------------


def _engine(url: str) -> Engine:
    if url.startswith("postgresql"):
        return db.make_engine(url, connect_args={"connect_timeout": 5})
    return db.make_engine(url)


def check_database(settings: Settings) -> tuple[list[Check], Engine | None]:
    """Reachable, then at the newest migration. Returns the engine when both hold (the schedules need it)."""
    url = settings.resolved_database_url
    shown = url if url.startswith("sqlite") else redact_url(url)  # a file path holds no secret
    if url.startswith("sqlite:///") and ":memory:" not in url and not Path(url.removeprefix("sqlite:///")).is_file():
        return [
            _fail(
                "database",
                f"không có tệp cơ sở dữ liệu {shown}",
                f"no database file at {shown}",
                "đặt KIEMDIEM_DATABASE_URL là PostgreSQL dùng chung (postgresql+psycopg://…), hoặc chạy "
                "`kiemdiem deploy migrate` để tạo",
                "set KIEMDIEM_DATABASE_URL to the shared PostgreSQL (postgresql+psycopg://…), or run "
                "`kiemdiem deploy migrate` to create it",
            ),
            _skipped("migrations", "chưa mở được cơ sở dữ liệu", "the database is not reachable"),
        ], None
    engine = _engine(url)
    try:
        revision = db.current_revision(engine)
    except Exception as error:
        engine.dispose()
        return [
            _fail(
                "database",
                f"không kết nối được cơ sở dữ liệu {shown} ({_first_line(error)})",
                f"cannot reach the database {shown} ({_first_line(error)})",
                "kiểm tra KIEMDIEM_DATABASE_URL, PostgreSQL đang chạy, tên người dùng, mật khẩu và tường lửa",
                "check KIEMDIEM_DATABASE_URL, that PostgreSQL is running, the user, the password and the firewall",
            ),
            _skipped("migrations", "chưa mở được cơ sở dữ liệu", "the database is not reachable"),
        ], None
    reached = _ok("database", f"kết nối được cơ sở dữ liệu {shown}", f"database reachable at {shown}")
    migrated = check_revision(revision, db.head_revision())
    return [reached, migrated], engine if migrated.ok else None


def check_revision(revision: str | None, head: str) -> Check:
    migrate_vi, migrate_en = "chạy `kiemdiem deploy migrate` một lần", "run `kiemdiem deploy migrate` once"
    if revision == head:
        return _ok("migrations", f"lược đồ ở bản mới nhất ({head})", f"schema at the newest revision ({head})")
    if revision is None:
        return _fail(
            "migrations",
            "cơ sở dữ liệu trống: chưa có bảng nào của kiemdiem (chưa chuyển đổi lược đồ)",
            "the database is empty: no kiemdiem tables (never migrated)",
            migrate_vi,
            migrate_en,
        )
    if not _known_revision(revision):
        return _fail(
            "migrations",
            f"cơ sở dữ liệu ở bản {revision}, mã nguồn ở máy này không biết bản đó (mã cũ hơn cơ sở dữ liệu)",
            f"the database is at revision {revision}, which the code on this machine does not know (older code)",
            "cập nhật mã nguồn ở máy này cho cùng phiên bản với các máy khác",
            "update the code on this machine to the version the other machines run",
        )
    return _fail(
        "migrations",
        f"lược đồ ở bản {revision}, bản mới nhất là {head}",
        f"schema at revision {revision}, the newest is {head}",
        migrate_vi,
        migrate_en,
    )


def _known_revision(revision: str) -> bool:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(db.MIGRATIONS))
    return any(r.revision == revision for r in script.walk_revisions())


# --- the code directory -------------------------------------------------------------------------------------


def check_code_dir(code_dir: str | None) -> Check:
    fix_vi = "đặt KIEMDIEM_CODE_DIR là thư mục chứa mã kiemdiem (bản sao kho mã) trên mỗi máy chạy worker"
    fix_en = "set KIEMDIEM_CODE_DIR to the folder holding kiemdiem's code (the clone) on every worker machine"
    if not code_dir:
        return _fail(
            "code_dir",
            "chưa đặt KIEMDIEM_CODE_DIR: bước pull báo thành công rồi lượt chạy hỏng vì thiếu flows/sweep.py",
            "KIEMDIEM_CODE_DIR is not set: the pull step reports success, then the run crashes on a missing "
            "flows/sweep.py",
            fix_vi,
            fix_en,
        )
    folder = Path(code_dir)
    if not folder.is_dir():
        return _fail(
            "code_dir", f"KIEMDIEM_CODE_DIR={code_dir} không tồn tại", f"KIEMDIEM_CODE_DIR={code_dir} does not exist",
            fix_vi, fix_en,
        )  # fmt: skip
    missing = [name for name in CODE_FILES if not (folder / name).is_file()]
    if missing:
        return _fail(
            "code_dir",
            f"KIEMDIEM_CODE_DIR={code_dir} thiếu {', '.join(missing)}",
            f"KIEMDIEM_CODE_DIR={code_dir} lacks {', '.join(missing)}",
            fix_vi,
            fix_en,
        )
    return _ok("code_dir", f"mã nguồn có ở {code_dir}", f"code present in {code_dir}")


# --- Prefect ------------------------------------------------------------------------------------------------


def check_api(api_url: str | None) -> Check:
    if not api_url:
        return _fail(
            "prefect_api",
            "chưa đặt PREFECT_API_URL: mỗi tiến trình sẽ tự mở một máy chủ Prefect tạm, worker không thấy gì",
            "PREFECT_API_URL is not set: each process would start a temporary Prefect server of its own, "
            "which no worker sees",
            "đặt PREFECT_API_URL=http://MÁY-CHỦ:4200/api (máy chủ `prefect server start`)",
            "set PREFECT_API_URL=http://SERVER:4200/api (the `prefect server start` machine)",
        )
    import httpx

    health = api_url.rstrip("/") + "/health"
    try:
        response = httpx.get(health, timeout=5)
        healthy = response.status_code == 200 and response.json() is True
        problem = "" if healthy else f"HTTP {response.status_code}"
    except Exception as error:
        healthy, problem = False, _first_line(error)
    if healthy:
        return _ok(
            "prefect_api",
            f"API Prefect trả lời ở {redact_url(api_url)}",
            f"Prefect API healthy at {redact_url(api_url)}",
        )
    return _fail(
        "prefect_api",
        f"API Prefect không trả lời ở {redact_url(health)} ({problem})",
        f"Prefect API not answering at {redact_url(health)} ({problem})",
        "khởi động `prefect server start` (xem deploy/README.md) và kiểm tra PREFECT_API_URL",
        "start `prefect server start` (see deploy/README.md) and check PREFECT_API_URL",
    )


def check_pool(client: Any, pool: str, now: dt.datetime) -> list[Check]:
    try:
        found = client.read_work_pool(pool)
    except Exception:
        return [
            _fail(
                "work_pool",
                f"không có work pool «{pool}»",
                f"no work pool '{pool}'",
                f"chạy `prefect work-pool create {pool} --type process`",
                f"run `prefect work-pool create {pool} --type process`",
            ),
            _skipped("workers", "chưa có work pool", "no work pool"),
        ]
    if found.is_paused:
        pool_check = _fail(
            "work_pool", f"work pool «{pool}» đang tạm dừng", f"work pool '{pool}' is paused",
            f"chạy `prefect work-pool resume {pool}`", f"run `prefect work-pool resume {pool}`",
        )  # fmt: skip
    else:
        pool_check = _ok(
            "work_pool", f"có work pool «{pool}» ({found.type})", f"work pool '{pool}' exists ({found.type})"
        )
    return [pool_check, check_workers(client.read_workers_for_work_pool(pool), pool, now)]


def check_workers(workers: list[Any], pool: str, now: dt.datetime) -> Check:
    live = [w.name for w in workers if _live(w, now)]
    if live:
        return _ok(
            "workers",
            f"{len(live)} worker đang chạy trên «{pool}»: {', '.join(sorted(live))}",
            f"{len(live)} live worker(s) on '{pool}': {', '.join(sorted(live))}",
        )
    heard = [w.last_heartbeat_time for w in workers if w.last_heartbeat_time]
    last_vi = last_en = ""
    if heard:
        minutes = int((now - max(heard)).total_seconds() // 60)
        last_vi, last_en = f" (lần cuối cách đây {minutes} phút)", f" (last heard from {minutes} min ago)"
    return _fail(
        "workers",
        f"không có worker nào đang chạy trên «{pool}»{last_vi}",
        f"no live worker on '{pool}'{last_en}",
        f"khởi động worker: `prefect worker start --pool {pool}` với KIEMDIEM_CODE_DIR, KIEMDIEM_DATABASE_URL, "
        "PREFECT_API_URL (deploy/systemd/kiemdiem-worker@.service)",
        f"start one: `prefect worker start --pool {pool}` with KIEMDIEM_CODE_DIR, KIEMDIEM_DATABASE_URL, "
        "PREFECT_API_URL (deploy/systemd/kiemdiem-worker@.service)",
    )


def _live(worker: Any, now: dt.datetime) -> bool:
    if worker.last_heartbeat_time is None:
        return False
    interval = worker.heartbeat_interval_seconds or DEFAULT_HEARTBEAT_SECONDS
    return (now - worker.last_heartbeat_time).total_seconds() <= MISSED_HEARTBEATS * interval


# --- everything, in order -----------------------------------------------------------------------------------


def run_checks(target: Target) -> list[Check]:
    from service.deploy_schedules import check_schedules

    database, engine = check_database(target.settings)
    checks = [*database, check_code_dir(target.code_dir), api := check_api(target.api_url)]
    try:
        if not api.ok:
            because = ("API Prefect chưa sẵn sàng", "the Prefect API is not ready")
            checks += [_skipped(name, *because) for name in ("work_pool", "workers", "schedules")]
            return checks
        with prefect_client(target.api_url) as client:
            checks += check_pool(client, target.pool, target.now)
            if engine is None:
                checks.append(_skipped("schedules", "cơ sở dữ liệu chưa sẵn sàng", "the database is not ready"))
            else:
                checks += check_schedules(client, engine)
        return checks
    finally:
        if engine is not None:
            engine.dispose()


@contextmanager
def prefect_client(api_url: str | None) -> Iterator[Any]:
    """A synchronous Prefect client of the API at `api_url`."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        yield client


def active_campaigns(engine: Engine) -> list[Any]:
    """The active campaigns' configs, read without migrating (the check changes nothing)."""
    from models.campaign_config import CampaignConfig
    from models.enums import CampaignStatus
    from models.tables import Campaign

    with db.session_factory(engine)() as session:
        rows = session.scalars(select(Campaign).where(Campaign.status == CampaignStatus.ACTIVE).order_by(Campaign.key))
        return [CampaignConfig.model_validate(c.config) for c in rows]


def configured_api_url() -> str | None:
    """PREFECT_API_URL as Prefect itself reads it (environment, then the active profile)."""
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value() or None


def migrate(app: Any) -> str:
    """Bring the database to the newest revision (what every command does first) and say which that is."""
    revision = db.current_revision(app.engine)
    assert revision is not None
    return revision
