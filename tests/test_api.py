"""The HTTP API through real HTTP (uvicorn on loopback): every endpoint and every authorization rule."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
import yaml
from fastapi import FastAPI

from entrypoints.api import create_api
from models import clock
from models.errors import InputError, Problem, fail
from service.bootstrap import build_app
from service.settings import Settings
from tests.conftest import TLS, write

TREE = """code,parent,name,level,members,contacts
HU-A,,Huyện ủy A,district,0,json://127.0.0.1:9/HU-A
CS-1,HU-A,Đảng bộ xã Một,grassroots,0,json://127.0.0.1:9/CS-1
CS-1-CB1,CS-1,Chi bộ ấp 1,branch,20,json://127.0.0.1:9/CB1
CS-2,HU-A,Chi bộ Hai,grassroots,10,
"""
CONFIG = {
    "key": "api-2026",
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
REPORT = {
    "subjects": {
        "member": {
            "total": 20,
            "evaluated": 18,
            "excellent": 2,
            "good": 14,
            "completed": 2,
            "not_evaluated": {"exempt": 2},
        }
    }
}
BASE = "/api/campaigns/api-2026"


@pytest.fixture
def server(kiemdiem, env, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    assert kiemdiem("units", "import", write(tmp_path / "t.csv", TREE)).exit_code == 0
    tokens = {
        name: kiemdiem("tokens", "issue", *args).stdout.strip()
        for name, args in {
            "admin": ["--admin"],
            "HU-A": ["HU-A"],
            "CS-1": ["CS-1"],
            "CS-2": ["CS-2"],
            "CB1": ["CS-1-CB1"],
        }.items()
    }
    app = build_app(Settings(database_url=env["KIEMDIEM_DATABASE_URL"]))
    clock.set_now(clock.parse_instant("2026-11-23T08:00:00+07:00"))
    with serving(create_api(app)) as url:
        yield url, tokens


@contextmanager
def serving(api: FastAPI) -> Iterator[str]:
    """`api` on loopback through real uvicorn, in a thread; its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    uv = uvicorn.Server(uvicorn.Config(api, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    for _ in range(200):  # up to 10 s on a loaded machine
        if uv.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        uv.should_exit = True
        thread.join(timeout=10)


def call(url: str, token: str | None, method: str, path: str, body: Any = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.request(method, url + path, json=body, headers=headers, timeout=30, verify=TLS)


def test_launch_submit_accept_progress_and_unit_page(server) -> None:
    url, t = server
    assert call(url, t["CS-1"], "POST", "/api/campaigns", CONFIG).status_code == 403
    launched = call(url, t["admin"], "POST", "/api/campaigns", CONFIG)
    assert launched.status_code == 201 and launched.json()["units"] == 4
    again = call(url, t["admin"], "POST", "/api/campaigns", CONFIG)
    assert again.status_code == 422 and again.json()["code"] == "campaign_exists" and again.json()["vi"]
    clock.set_now(clock.parse_instant("2026-12-05T09:00:00+07:00"))
    path = f"{BASE}/units/CS-1-CB1/milestones/grassroots_review"
    done = call(url, t["CB1"], "POST", f"{path}/submit", {"report": REPORT})
    assert done.status_code == 200 and done.json()["status"] == "submitted" and done.json()["on_time"] is True
    accepted = call(url, t["CS-1"], "POST", f"{path}/status", {"state": "accepted"})  # CS-1 is CB1's parent
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    progress = call(url, t["CS-1"], "GET", f"{BASE}/progress").json()
    assert progress["root"] == "CS-1" and progress["results"]["member"]["evaluated"] == 18
    page = call(url, t["HU-A"], "GET", f"{BASE}/units/CS-1-CB1").json()
    assert page["assignments"][0]["status"] == "accepted" and page["notices"][0]["kind"] == "plan_issued"
    assert "json://" not in str(page)  # no contact address on a page


def test_refusals(server) -> None:
    url, t = server
    call(url, t["admin"], "POST", "/api/campaigns", CONFIG)
    cs2 = f"{BASE}/units/CS-2/milestones/grassroots_review"
    # a unit submitting for a sibling
    sibling = call(url, t["CS-1"], "POST", f"{cs2}/submit", {})
    assert sibling.status_code == 403 and sibling.json()["code"] == "forbidden" and sibling.json()["en"]
    # a unit reading its parent's subtree, or a sibling's page
    assert call(url, t["CS-1"], "GET", f"{BASE}/progress?root=HU-A").status_code == 403
    assert call(url, t["CS-1"], "GET", f"{BASE}/units/CS-2").status_code == 403
    # a child accepting its parent, a grandparent returning a grandchild, a unit exempting itself
    assert (
        call(
            url, t["CS-1"], "POST", f"{BASE}/units/HU-A/milestones/district_review/status", {"state": "accepted"}
        ).status_code
        == 403
    )
    assert (
        call(
            url,
            t["HU-A"],
            "POST",
            f"{BASE}/units/CS-1-CB1/milestones/grassroots_review/status",
            {"state": "returned", "reason": "x"},
        ).status_code
        == 403
    )
    assert call(url, t["CS-2"], "POST", f"{cs2}/status", {"state": "exempt", "reason": "x"}).status_code == 403
    assert call(url, t["CS-2"], "POST", f"{cs2}/extend", {"until": "2026-12-20", "reason": "x"}).status_code == 403
    # missing, wrong and revoked tokens
    assert call(url, None, "GET", f"{BASE}/progress").status_code == 401
    assert call(url, "kd_not-a-token", "GET", f"{BASE}/progress").status_code == 401


def test_revoked_token(server, kiemdiem) -> None:
    url, t = server
    assert call(url, t["CS-2"], "GET", "/api/campaigns/none/progress").status_code == 404
    assert kiemdiem("tokens", "revoke", t["CS-2"][:10]).exit_code == 0
    refused = call(url, t["CS-2"], "GET", "/api/campaigns/none/progress")
    assert refused.status_code == 401 and refused.json()["code"] == "unauthorized"


def test_bad_input_is_422_with_both_languages_and_changes_nothing(server) -> None:
    url, t = server
    call(url, t["admin"], "POST", "/api/campaigns", CONFIG)
    path = f"{BASE}/units/CS-2/milestones/grassroots_review"
    bad = {"report": {"subjects": {"member": {**REPORT["subjects"]["member"], "completed": 5}}}}
    answer = call(url, t["CS-2"], "POST", f"{path}/submit", bad)
    assert answer.status_code == 422 and answer.json()["code"] == "levels_sum"
    assert "21" in answer.json()["vi"] and "21" in answer.json()["en"]
    assert call(url, t["CS-2"], "GET", f"{BASE}/units/CS-2").json()["assignments"][0]["status"] == "pending"
    junk = call(url, t["CS-2"], "POST", f"{path}/submit", {"report": "nope", "extra": 1})
    assert junk.status_code == 422 and junk.json()["code"] == "invalid_request"
    state = call(url, t["admin"], "POST", f"{path}/status", {"state": "returned", "reason": "x"})
    assert state.status_code == 422 and state.json()["code"] == "transition"
    assert "Traceback" not in answer.text + junk.text + state.text


def test_admin_chain_through_the_api(server) -> None:
    url, t = server
    call(url, t["admin"], "POST", "/api/campaigns", CONFIG)
    hu = f"{BASE}/units/HU-A/milestones/district_review"
    clock.set_now(clock.parse_instant("2026-12-20T09:00:00+07:00"))
    assert call(url, t["HU-A"], "POST", f"{hu}/submit", {}).status_code == 200
    refused = call(url, t["admin"], "POST", f"{hu}/status", {"state": "accepted"})
    assert refused.status_code == 422 and refused.json()["code"] == "children_missing"
    forced = call(url, t["admin"], "POST", f"{hu}/status", {"state": "accepted", "override": True, "reason": "OK"})
    assert forced.status_code == 200 and forced.json()["status"] == "accepted"
    extended = call(
        url,
        t["admin"],
        "POST",
        f"{BASE}/units/CS-2/milestones/grassroots_review/extend",
        {"until": "2026-12-31", "reason": "Bão lụt"},
    )
    assert extended.status_code == 200 and extended.json()["due_before"].startswith("2026-12-31T17:00:00")
    assert yaml.safe_load(call(url, None, "GET", "/openapi.json").text)["info"]["title"] == "kiemdiem"


def test_each_input_error_has_its_status(env: dict[str, str]) -> None:
    """One place maps domain errors to HTTP: unknown_* 404, a lost race or a closed assignment 409 (models/status.py
    raises these when a submit loses to another), anything else 422; problems listed are capped at 50."""
    api = create_api(build_app(Settings(database_url=env["KIEMDIEM_DATABASE_URL"])))

    @api.post("/api/raise/{rule}")
    def _raise(rule: str, count: int = 1) -> None:
        if count == 1:
            raise fail(rule, f"vi {rule}", f"en {rule}", field="--unit")
        long = "x" * 5_000
        raise InputError([Problem(rule=rule, vi=long, en=f"problem {i}", field=f"f{i}") for i in range(count)])

    expected = {"unknown_unit": 404, "concurrent_change": 409, "already_closed": 409, "transition": 422}
    with serving(api) as url:
        for rule, status in expected.items():
            answer = call(url, "kd_any", "POST", f"/api/raise/{rule}")
            assert answer.status_code == status, (rule, answer.text)
            assert answer.json()["code"] == rule and answer.json()["en"] == f"en {rule}"
        many = call(url, "kd_any", "POST", "/api/raise/levels_sum?count=20000").json()
    assert len(many["errors"]) == 50 and many["more_errors"] == 20_000 - 50
    assert len(many["vi"]) <= 1_000 and many["errors"][49]["en"] == "problem 49"
