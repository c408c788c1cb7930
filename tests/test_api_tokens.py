"""API tokens through real HTTP (uvicorn on loopback): who a token acts for is kept a short while (service.tokens'
TokenCache), keyed by the token's SHA-256, never by the token; a token revoked by another process is refused by
every request that starts AUTH_CACHE_SECONDS after the revocation; revoked in the serving process, at once; an
unknown token is never kept; no token reaches a log line."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pendulum
import pytest
from fastapi import FastAPI

from entrypoints.api import create_api
from models import tokens
from models.tokens import digest
from service.access import Actor
from service.bootstrap import App, build_app
from service.settings import Settings
from service.tokens import AUTH_CACHE_SECONDS, TokenCache, authenticated
from tests.conftest import CAPTURED, ROOT, TLS, write
from tests.test_api import TREE, serving

PROGRESS = "/api/campaigns/none/progress"  # a live token gets 404 (no such campaign), a dead one 401


@pytest.fixture
def served(kiemdiem: Any, env: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, dict[str, str], FastAPI]]:
    assert kiemdiem("units", "import", write(tmp_path / "t.csv", TREE)).exit_code == 0
    issued = {name: kiemdiem("tokens", "issue", *args).stdout.strip() for name, args in TOKENS.items()}
    api = create_api(build_app(Settings(database_url=env["KIEMDIEM_DATABASE_URL"])))
    with serving(api) as url:
        yield url, issued, api


TOKENS = {"admin": ["--admin"], "CS-1": ["CS-1"], "CS-2": ["CS-2"]}


def status(url: str, token: str) -> int:
    return httpx.get(url + PROGRESS, headers={"Authorization": f"Bearer {token}"}, timeout=30, verify=TLS).status_code


def kept(api: FastAPI) -> dict[str, Any]:
    cache: TokenCache = api.state.token_cache
    return dict(cache._kept)


def test_revoked_by_another_process_is_refused_within_the_bound(served: Any, env: dict[str, str]) -> None:
    url, issued, api = served
    assert status(url, issued["CS-2"]) == 404
    assert digest(issued["CS-2"]) in kept(api)  # kept, so only the bound ends it
    revoked = subprocess.run(
        [sys.executable, "-c", "from entrypoints.cli import main; main()", "tokens", "revoke", issued["CS-2"][:10]],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=ROOT,
        timeout=120,
    )
    assert revoked.returncode == 0, revoked.stderr
    done = time.monotonic()
    answers: list[tuple[float, int]] = []
    while not answers or answers[-1][0] < AUTH_CACHE_SECONDS + 1:
        started = time.monotonic() - done
        answers.append((started, status(url, issued["CS-2"])))
        time.sleep(0.1)
    after_bound = [code for since, code in answers if since >= AUTH_CACHE_SECONDS]
    assert after_bound and set(after_bound) == {401}
    first_refusal = [code for _, code in answers].index(401)
    assert {code for _, code in answers[first_refusal:]} == {401}  # once refused, never accepted again
    assert status(url, issued["CS-1"]) == 404  # the other tokens live on


def test_revoked_in_this_process_is_refused_at_once(served: Any, kiemdiem: Any) -> None:
    url, issued, api = served
    api.state.token_cache = TokenCache(seconds=3600)  # only the revocation itself can empty it
    assert status(url, issued["CS-2"]) == 404 and status(url, issued["admin"]) == 404
    assert len(kept(api)) == 2
    assert kiemdiem("tokens", "revoke", issued["CS-2"][:10]).exit_code == 0  # the command, in this process
    assert status(url, issued["CS-2"]) == 401
    assert status(url, issued["admin"]) == 404


def test_kept_by_hash_never_by_token_unknown_never_kept_nothing_logged(served: Any) -> None:
    url, issued, api = served
    logged = len(CAPTURED)
    for name in ("admin", "CS-1", "CS-1"):
        assert status(url, issued[name]) == 404
    wrong = "kd_" + "x" * 43
    assert status(url, wrong) == 401 and status(url, issued["CS-2"] + "x") == 401
    assert set(kept(api)) == {digest(issued["admin"]), digest(issued["CS-1"])}
    actors = [actor for _, actor in kept(api).values()]
    assert {a.name for a in actors} == {"api:admin", "api:CS-1"}
    kept_text = repr(kept(api))
    lines = CAPTURED[logged:]
    for token in (*issued.values(), wrong):
        assert token not in kept_text and token[10:] not in kept_text
        assert not any(token[10:] in line for line in lines)


def test_a_kept_token_is_not_read_again_until_it_expires(env: dict[str, str], kiemdiem: Any, tmp_path: Path) -> None:
    assert kiemdiem("units", "import", write(tmp_path / "t.csv", TREE)).exit_code == 0
    token = kiemdiem("tokens", "issue", "CS-1").stdout.strip()
    app = build_app(Settings(database_url=env["KIEMDIEM_DATABASE_URL"]))
    cache = TokenCache(seconds=3600)
    first = authenticated(app, token, cache)
    assert first is not None and first.unit_code == "CS-1" and first.path
    _revoke_behind_the_caches_back(app, token)
    assert authenticated(app, token, cache) == first  # from the cache: the database says revoked
    assert authenticated(app, token) is None
    cache.seconds = 0.0
    assert authenticated(app, token, cache) is None and len(cache) == 0
    app.engine.dispose()


def _revoke_behind_the_caches_back(app: App, token: str) -> None:
    """As another process would: the row revoked, no cache of this process told."""
    with app.sessions() as session, session.begin():
        assert tokens.revoke(session, token[:10], pendulum.now("UTC")) == 1


def test_the_cache_expires_entries_and_keeps_at_most_its_size() -> None:
    cache = TokenCache(seconds=0.3, entries=2)
    one, two, three = (Actor(name=f"api:U{i}", admin=False, unit_id=i) for i in (1, 2, 3))
    now = time.monotonic()
    cache.put("h1", one, now)
    cache.put("h2", two, now)
    assert cache.get("h1") == one  # h1 used last: h2 goes first
    cache.put("h3", three, now)
    assert (cache.get("h1"), cache.get("h2"), cache.get("h3")) == (one, None, three)
    cache.put("old", one, now - 0.3)  # read from the database longer ago than the bound
    assert cache.get("old") is None
    time.sleep(0.35)
    assert cache.get("h1") is None and cache.get("h3") is None and len(cache) == 0
