"""Issuing and revoking API tokens (mã truy cập), each in its own transaction; authenticating them, with a short
cache.

The cache (TokenCache) keeps, for AUTH_CACHE_SECONDS, who a live token acted for, keyed by the token's SHA-256 (the
value stored in the database), never by the token itself; unknown and revoked tokens are never cached, so they are
looked up every time. The bound: a token revoked (`kiemdiem tokens revoke`, any process) is refused by every API
process within AUTH_CACHE_SECONDS, and by a process that revoked it itself at once; a unit moved in the tree is
read with its new subtree within the same bound. Its clock is time.monotonic(), not models.clock: the program's
clock can be frozen or replayed, and a cache entry must still expire."""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict

import pendulum

from models import tokens
from models.errors import fail
from service.access import Actor
from service.bootstrap import App

AUTH_CACHE_SECONDS = 2.0
AUTH_CACHE_ENTRIES = 10_000

_caches: weakref.WeakSet[TokenCache] = weakref.WeakSet()


def issue_token(app: App, unit_code: str | None, now: pendulum.DateTime) -> str:
    """A new token for a unit, or for the admin when `unit_code` is None; shown once, stored hashed."""
    with app.unit_of_work() as session:
        return tokens.issue(session, unit_code, now)


def revoke_token(app: App, prefix: str, now: pendulum.DateTime) -> int:
    with app.unit_of_work() as session:
        count = tokens.revoke(session, prefix, now)
    for cache in list(_caches):
        cache.clear()
    if not count:
        raise fail("unknown_token", "không có mã nào như vậy", "no such token", field="PREFIX")
    return count


def token_hash(token: str) -> str:
    """What a token is stored, kept and looked up by (its SHA-256); the token itself is never kept."""
    return tokens.digest(token)


def authenticated(app: App, token: str, cache: TokenCache | None = None) -> Actor | None:
    """The actor a bearer token stands for, or None for a token unknown or revoked; from `cache` when it has the
    token, else read from the database in one query (and kept in `cache`)."""
    return authenticated_digest(app, token_hash(token), cache)


def authenticated_digest(app: App, token_hash: str, cache: TokenCache | None = None) -> Actor | None:
    if cache is not None:
        found = cache.get(token_hash)
        if found is not None:
            return found
    read_at = time.monotonic()  # before the read: an entry never outlives a revocation by more than the bound
    with app.sessions() as session:
        # A single read: no transaction is opened (autocommit), so none is left to commit or roll back.
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        caller = tokens.authenticate_digest(session, token_hash)
    if caller is None:
        return None
    actor = Actor.from_token(caller)
    if cache is not None:
        cache.put(token_hash, actor, read_at)
    return actor


class TokenCache:
    """Who live tokens act for, by the token's SHA-256, each kept `seconds` from when it was read from the database,
    at most `entries` of them (the least recently used go first). Thread-safe: a process's request threads share
    it."""

    def __init__(self, seconds: float = AUTH_CACHE_SECONDS, entries: int = AUTH_CACHE_ENTRIES) -> None:
        self.seconds, self.entries = seconds, entries
        self._kept: OrderedDict[str, tuple[float, Actor]] = OrderedDict()
        self._lock = threading.Lock()
        _caches.add(self)

    def get(self, token_hash: str) -> Actor | None:
        with self._lock:
            kept = self._kept.get(token_hash)
            if kept is None:
                return None
            if time.monotonic() - kept[0] >= self.seconds:
                del self._kept[token_hash]
                return None
            self._kept.move_to_end(token_hash)
            return kept[1]

    def put(self, token_hash: str, actor: Actor, read_at: float) -> None:
        """Keep `actor` for the token, as read from the database at `read_at` (time.monotonic())."""
        with self._lock:
            self._kept[token_hash] = (read_at, actor)
            self._kept.move_to_end(token_hash)
            while len(self._kept) > self.entries:
                self._kept.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()

    def __len__(self) -> int:
        return len(self._kept)
