"""The composition root: settings → engine (migrated) → unit of work. Built on demand, never at import."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from models import db
from notifications.senders import Sender
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
        engine = db.make_engine(url, **pool_settings(url))
        db.upgrade(engine)
        return engine

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return db.session_factory(self.engine)

    @cached_property
    def _apprise(self) -> Sender:
        from notifications.rate_limits import parse_limits
        from notifications.senders import AppriseSender

        return AppriseSender(parse_limits(self.settings.rate_limits))

    @property
    def sender(self) -> Sender:
        """Where messages go: Apprise paced by KIEMDIEM_RATE_LIMITS, or the simulator's capture sink."""
        from notifications.senders import installed_sender

        return installed_sender() or self._apprise

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


# Connections a process keeps open to PostgreSQL, and the most it opens at once: an API worker serves 8 to 16
# requests at a time without opening a connection per request (a connection over the kept ones is closed when
# returned, and opening one costs the server a process); 4 API workers stay under PostgreSQL's default 100.
POOL_SIZE, POOL_OVERFLOW = 10, 10


def pool_settings(url: str) -> dict[str, int]:
    return {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW} if url.startswith("postgresql") else {}


def build_app(settings: Settings | None = None) -> App:
    from notifications import log_redaction

    log_redaction.install()
    return App(settings or load_settings())


_built: OrderedDict[str, App] = OrderedDict()
_KEEP = 4  # a process serves one configuration; tests switch between a few, and each app holds a connection pool


_installed: list[App] = []


def install_app(app: App | None) -> None:
    """Make `app` the app of this process (None: back to the settings'), for the simulator, which runs the
    production flows on a database of its own without touching the environment."""
    _installed.clear()
    if app is not None:
        _installed.append(app)


def process_app(settings: Settings | None = None) -> App:
    """The app of this process: the installed one, else the one for its settings (from the environment by
    default), built once, then reused by every command, request, flow and task of the process."""
    if _installed and settings is None:
        return _installed[-1]
    settings = settings or load_settings()
    key = _fingerprint(settings)
    if key in _built:
        _built.move_to_end(key)
        return _built[key]
    app = _built[key] = build_app(settings)
    while len(_built) > _KEEP:
        _key, old = _built.popitem(last=False)
        if "engine" in old.__dict__:
            old.engine.dispose()
    return app


def _fingerprint(settings: Settings) -> str:
    """Settings that differ in anything, secrets included, give different apps (the secret itself is not kept)."""
    import hashlib

    from pydantic import SecretStr

    values = sorted((k, v.get_secret_value() if isinstance(v, SecretStr) else v) for k, v in dict(settings).items())
    return hashlib.sha256(repr(values).encode()).hexdigest()
