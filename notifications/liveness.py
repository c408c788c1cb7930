"""Is the deliverer that claimed a notice still alive? Asked of the operating system, not of a clock.

A deliverer holds a lock for as long as its process lives: a PostgreSQL advisory lock on a connection of its own
(the server drops it when the connection dies; TCP keepalives of ~1 minute catch a machine that vanished), or, on
SQLite, whose writers all share one machine, an exclusive `flock` on a file beside the database (the kernel drops
it when the process dies, `kill -9` included). A claim is taken over only when its owner's lock can be taken: a slow
deliverer, however long it runs, keeps its claims; a dead one loses them at the very next sweep.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

# Server-side keepalives for the lock's connection: a deliverer whose machine is lost without closing its socket
# loses its lock after about idle + interval × count seconds.
_KEEPALIVES = "SET tcp_keepalives_idle = 30; SET tcp_keepalives_interval = 10; SET tcp_keepalives_count = 3"

_held_in_memory: set[str] = set()  # for an in-memory SQLite database, which no other process can see


def new_owner() -> str:
    """A name for one deliverer, unique across processes and machines."""
    return uuid.uuid4().hex


def _advisory_key(owner: str) -> int:
    return int.from_bytes(hashlib.sha256(owner.encode()).digest()[:8], "big", signed=True)


def _lock_dir(engine: Engine) -> Path | None:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return Path(database + ".deliverers")


@contextlib.contextmanager
def alive(engine: Engine, owner: str) -> Iterator[None]:
    """Hold `owner`'s lock for the duration of the block (the deliverer's life)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            for statement in _KEEPALIVES.split(";"):
                connection.exec_driver_sql(statement)
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _advisory_key(owner)})
            connection.commit()
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _advisory_key(owner)})
                connection.commit()
        return
    folder = _lock_dir(engine)
    if folder is None:
        _held_in_memory.add(owner)
        try:
            yield
        finally:
            _held_in_memory.discard(owner)
        return
    folder.mkdir(exist_ok=True)
    path = folder / f"{owner}.lock"
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            path.unlink(missing_ok=True)
            fcntl.flock(handle, fcntl.LOCK_UN)


def gone(engine: Engine, owners: set[str]) -> set[str]:
    """Those of `owners` whose process no longer holds its lock."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            return {owner for owner in owners if _postgres_gone(connection, owner)}
    folder = _lock_dir(engine)
    if folder is None:
        return owners - _held_in_memory
    return {owner for owner in owners if _file_gone(folder / f"{owner}.lock")}


def _postgres_gone(connection: Any, owner: str) -> bool:
    key = _advisory_key(owner)
    if not connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar():
        return False
    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
    return True


def _file_gone(path: Path) -> bool:
    try:
        handle = path.open("r")
    except FileNotFoundError:
        return True
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    return True
