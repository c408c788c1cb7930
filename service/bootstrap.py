"""The composition root: settings → engine (migrated) → unit of work. Built on demand, never at import."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from models import db
from service.settings import Settings, load_settings


@dataclass
class App:
    """What a command needs: settings and a migrated database, opened once per process."""

    settings: Settings

    @cached_property
    def engine(self) -> Engine:
        url = self.settings.resolved_database_url
        if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
            from pathlib import Path

            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = db.make_engine(url)
        db.upgrade(engine)
        return engine

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return db.session_factory(self.engine)

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A session whose changes are committed only when the block ends without an error."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


def build_app(settings: Settings | None = None) -> App:
    from notifications import log_redaction

    log_redaction.install()
    return App(settings or load_settings())
