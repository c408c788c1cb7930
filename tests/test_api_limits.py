"""Limits of the HTTP API, tried for real: uvicorn in a process of its own on loopback, bodies streamed over a socket,
the server's memory read from /proc. A body over the limit is refused (413) without being held; no token, 401 before
the body is read; oversized text, counts and dates are refused naming the field; problems are capped."""

from __future__ import annotations

import http.client
import json
import os
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT, TLS, write
from tests.test_api import CONFIG, TREE

AT = "2026-11-23T08:00:00+07:00"
SERVE = """
import sys, uvicorn
from models import clock
from entrypoints.api import create_api
from service.bootstrap import build_app
from service.settings import Settings
clock.set_now(clock.parse_instant(sys.argv[3]))
app = build_app(Settings(database_url=sys.argv[1]))
app.engine
uvicorn.run(create_api(app), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""
MB = 1024 * 1024
BASE = "/api/campaigns/api-2026"
SUBMIT = f"{BASE}/units/CS-2/milestones/grassroots_review/submit"
# CS-2's report: its 10 members, as the tree counts them.
REPORT = {
    "subjects": {
        "member": {
            "total": 10,
            "evaluated": 9,
            "excellent": 1,
            "good": 6,
            "completed": 2,
            "not_evaluated": {"exempt": 1},
        }
    }
}


@dataclass
class Served:
    """The API in a process of its own: its address, the tokens, its pid, and what it wrote to stderr."""

    url: str
    port: int
    tokens: dict[str, str]
    process: subprocess.Popen[bytes]
    log: Path

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def call(self, method: str, path: str, token: str | None = "admin", body: Any = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[token]}"} if token else {}
        return httpx.request(method, self.url + path, json=body, headers=headers, timeout=30, verify=TLS)

    def logged(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def api_process(kiemdiem: Any, env: dict[str, str], tmp_path: Path, at: str = AT) -> Iterator[Served]:
    """Tree imported, campaign launched through the API, tokens issued; the server stopped afterwards."""
    assert kiemdiem("units", "import", write(tmp_path / "t.csv", TREE)).exit_code == 0
    tokens = {
        name: kiemdiem("tokens", "issue", *args).stdout.strip()
        for name, args in {"admin": ["--admin"], "CS-1": ["CS-1"], "CS-2": ["CS-2"]}.items()
    }
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-c", SERVE, env["KIEMDIEM_DATABASE_URL"], str(port), at],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    served = Served(f"http://127.0.0.1:{port}", port, tokens, process, log)
    try:
        _wait_for(served)
        launched = served.call("POST", "/api/campaigns", body=CONFIG)
        assert launched.status_code == 201, launched.text
        yield served
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for(served: Served) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert served.process.poll() is None, served.logged()
        try:
            with socket.create_connection(("127.0.0.1", served.port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"the API did not start:\n{served.logged()}")


@pytest.fixture
def served(kiemdiem: Any, env: dict[str, str], tmp_path: Path) -> Iterator[Served]:
    with api_process(kiemdiem, env, tmp_path) as running:
        yield running


@dataclass
class Streamed:
    status: int
    body: dict[str, Any]
    sent: int


def stream(served: Served, path: str, size: int, *, token: str | None = "CS-2", chunked: bool = False) -> Streamed:
    """POST `size` bytes over a plain socket, 64 KiB at a time, the way a client streams a file: with a
    Content-Length, or chunked without one. Stops sending as soon as the server has answered."""
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=60)
    connection.putrequest("POST", path)
    connection.putheader("Content-Type", "application/json")
    if token:
        connection.putheader("Authorization", f"Bearer {served.tokens[token]}")
    connection.putheader(*(("Transfer-Encoding", "chunked") if chunked else ("Content-Length", str(size))))
    connection.endheaders()
    block, sent = b'["' + b"x" * (64 * 1024 - 2), 0
    try:
        while sent < size and not select.select([connection.sock], [], [], 0)[0]:
            piece = block[: size - sent]
            connection.send(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            sent += len(piece)
        if chunked and sent >= size:
            connection.send(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered and closed while we were still sending: the answer is read below
    response = connection.getresponse()
    answer = Streamed(response.status, json.loads(response.read()), sent)
    connection.close()
    return answer


def test_a_50_mb_body_is_refused_without_being_held(served: Served) -> None:
    """413 for a declared 50 MB and for 50 MB chunked without a length; the server's memory does not follow."""
    assert served.call("POST", SUBMIT, "CS-2", {"report": REPORT}).status_code == 200  # warm: every path loaded
    stream(served, SUBMIT, 2 * MB)
    stream(served, SUBMIT, 2 * MB, chunked=True)
    before = served.rss_kb()
    declared = stream(served, SUBMIT, 50 * MB)
    chunked = stream(served, SUBMIT, 50 * MB, chunked=True)
    after = served.rss_kb()
    for answer in (declared, chunked):
        assert answer.status == 413, answer
        assert answer.body["code"] == "body_too_large" and answer.body["vi"] and "1,000,000" in answer.body["en"]
    assert declared.sent < 50 * MB  # refused on its Content-Length, not after reading it
    assert chunked.sent < 50 * MB
    assert after - before < 16 * 1024, f"RSS grew {(after - before) / 1024:.1f} MB (from {before} kB to {after} kB)"
    assert served.process.poll() is None and "Traceback" not in served.logged()
    # and the server still answers, a chunked body under the limit too
    # (the board's submission for CS-1, whose branch has not submitted: an override with its reason)
    body = json.dumps({"override_reason": "Chi bộ ấp 1 đang sáp nhập"}).encode()
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=30)
    headers = {"Authorization": f"Bearer {served.tokens['admin']}", "Content-Type": "application/json"}
    cs1 = f"{BASE}/units/CS-1/milestones/grassroots_review/submit"
    connection.request("POST", cs1, body=iter([body[:10], body[10:]]), headers=headers, encode_chunked=True)
    response = connection.getresponse()
    assert response.status == 200 and json.loads(response.read())["status"] == "submitted"


def test_no_token_is_401_before_the_body_is_read(served: Served) -> None:
    before = served.rss_kb()
    answer = stream(served, SUBMIT, 50 * MB, token=None)
    assert answer.status == 401 and answer.body["code"] == "unauthorized" and answer.sent < 50 * MB
    chunked = stream(served, "/api/campaigns", 50 * MB, token=None, chunked=True)
    assert chunked.status == 401 and chunked.sent < 50 * MB
    assert served.rss_kb() - before < 16 * 1024


def test_text_counts_and_dates_are_bounded(served: Served, snapshot: Any) -> None:
    before = snapshot()
    path = f"{BASE}/units/CS-2/milestones/grassroots_review"
    counts = REPORT["subjects"]["member"]
    long_reason = {"report": {**REPORT, "quota_override": {"reason": "x" * 10_000}}}
    refused = {
        "long reason": (f"{path}/submit", "CS-2", long_reason, "quota_override.reason"),
        "NUL in a reason": (f"{path}/status", "admin", {"state": "exempt", "reason": "a\x00b"}, "reason"),
        "long extend reason": (f"{path}/extend", "admin", {"until": "2026-12-20", "reason": "x" * 2_001}, "reason"),
        "2**63": (f"{path}/submit", "CS-2", _with(counts, total=2**63), "member.total"),
        "10**300": (f"{path}/submit", "CS-2", _with(counts, good=10**300), "member.good"),
        "true for 1": (f"{path}/submit", "CS-2", _with(counts, not_completed=True), "member.not_completed"),
        "2.5": (f"{path}/submit", "CS-2", _with(counts, completed=2.5), "member.completed"),
    }
    for name, (url, token, body, field) in refused.items():
        answer = served.call("POST", url, token, body)
        assert answer.status_code == 422, (name, answer.text)
        assert field in answer.json()["errors"][0]["field"] and field in answer.json()["en"], (name, answer.text)
        assert answer.json()["vi"] and "Traceback" not in answer.text
    for until in ("9999-12-31", "2028-01-01"):
        late = served.call("POST", f"{path}/extend", "admin", {"until": until, "reason": "Bão"})
        assert late.status_code == 422 and late.json()["code"] == "deadline_too_late", late.text
        assert "until" in late.json()["en"] and "2027-12-31" in late.json()["en"]
        state = served.call("POST", f"{path}/status", "admin", {"state": "exempt", "reason": "x", "until": until})
        assert state.status_code == 422 and state.json()["code"] == "deadline_too_late", state.text
    assert snapshot() == before
    assert "Traceback" not in served.logged()


def test_paths_queries_and_problem_lists_are_bounded(served: Served) -> None:
    """A NUL or 300 characters in a code in the path: 404 before any lookup (a NUL was a 500 on PostgreSQL)."""
    for path in (
        f"{BASE}%00/progress",
        f"{BASE}/units/CS-2%00",
        f"{BASE}/units/CS-2/milestones/grassroots_review%00/submit",
        f"{BASE}/units/{'X' * 300}",
    ):
        method = "POST" if path.endswith("submit") else "GET"
        answer = served.call(method, path, "admin", {} if method == "POST" else None)
        assert answer.status_code == 404 and answer.json()["code"] == "not_found", (path, answer.text)
    query = served.call("GET", f"{BASE}/progress?root=CS-1%00", "admin")
    assert query.status_code == 422 and "root" in query.json()["en"]
    # a report of 2,000 subjects: 422, 50 problems listed and the rest counted, quickly
    subjects = {f"s{i}": {"total": 1, "evaluated": 1, "good": 1} for i in range(2_000)}
    started = time.monotonic()
    answer = served.call("POST", SUBMIT, "CS-2", {"report": {"subjects": subjects}})
    assert answer.status_code == 422 and time.monotonic() - started < 10
    assert len(answer.json()["errors"]) == 50 and answer.json()["more_errors"] == 2_000 - 50
    # unknown paths, wrong methods and unreadable JSON answer {code, vi, en} too
    missing = served.call("GET", "/api/nothing-here")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found" and missing.json()["vi"]
    wrong_method = served.call("DELETE", f"{BASE}/progress")
    assert wrong_method.status_code == 405 and wrong_method.json()["code"] == "method_not_allowed"
    deep = httpx.post(
        served.url + SUBMIT,
        content=b"[" * 10_000 + b"]" * 10_000,
        headers={"Authorization": f"Bearer {served.tokens['CS-2']}", "Content-Type": "application/json"},
        verify=TLS,
    )
    assert deep.status_code in (400, 422) and set(deep.json()) >= {"code", "vi", "en"}, deep.text
    assert "Traceback" not in served.logged()


def _with(counts: dict[str, Any], **changed: Any) -> dict[str, Any]:
    return {"report": {"subjects": {"member": {**counts, **changed}}}}
