"""Engines, sessions and schema migrations. The URL comes from the caller (settings); nothing connects at import."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets foreign keys, WAL and a busy timeout so two processes can share a file."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def _alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    """The newest migration, read from the migration files themselves: importing Alembic costs a command 0.1 s,
    so it is loaded only when there is something to migrate."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        revision = re.search(r"^revision(?:\s*:[^=]*)?\s*=\s*['\"]([^'\"]+)['\"]", text, re.MULTILINE)
        down = re.search(r"^down_revision(?:\s*:[^=]*)?\s*=\s*(.*)$", text, re.MULTILINE)
        assert revision is not None and down is not None, path
        revisions.add(revision[1])
        parents.update(re.findall(r"['\"]([^'\"]+)['\"]", down[1]))
    heads = revisions - parents
    assert len(heads) == 1, heads
    return heads.pop()


def current_revision(engine: Engine) -> str | None:
    if not inspect(engine).has_table("alembic_version"):
        return None
    with engine.connect() as connection:
        from sqlalchemy import text

        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (a no-op when it is there already)."""
    if current_revision(engine) == head_revision():
        return
    from alembic import command

    command.upgrade(_alembic_config(engine), "head")


def refresh_statistics(engine: Engine) -> None:
    """Let the planner see a launch's hundreds of thousands of new rows before the first sweep (PostgreSQL's
    autovacuum would, later; SQLite never does by itself)."""
    from sqlalchemy import text

    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("ANALYZE org_unit, assignment, outbox"))
        else:
            connection.execute(text("ANALYZE"))
