"""The hostile API corpus (tests/corpus/api/*.json, format in its README) against the real server on each database:
every payload refused with its 4xx and a JSON `{code, vi, en}`, never a 500 or a trace, the database unchanged, each
answer within its time bound, and the server's memory bounded over the whole corpus."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import TLS
from tests.test_api_limits import Served, api_process

CORPUS = Path(__file__).parent / "corpus" / "api"
CASES = sorted(CORPUS.glob("*.json"))
MEMORY_MB = 64


@pytest.fixture
def served(kiemdiem: Any, env: dict[str, str], tmp_path: Path) -> Iterator[Served]:
    with api_process(kiemdiem, env, tmp_path) as running:
        yield running


def expand(text: str, fill: dict[str, list[Any]]) -> str:
    for mark, (piece, times) in fill.items():
        if mark in text:
            repeated = "".join(piece.replace("{i}", str(i)) for i in range(times)) if "{i}" in piece else piece * times
            text = text.replace(mark, repeated)
    return text


def request(served: Served, case: dict[str, Any]) -> httpx.Response:
    fill = case.get("fill", {})
    if "raw_hex" in case:
        content = bytes.fromhex(case["raw_hex"])
    else:
        text = case["raw"] if "raw" in case else json.dumps(case["body"]) if "body" in case else ""
        content = expand(text, fill).encode("utf-8", "surrogatepass")
    headers = {"Content-Type": case.get("content_type", "application/json")}
    token = case.get("token")
    if token is not None:
        headers["Authorization"] = f"Bearer {served.tokens.get(token) or expand(token, fill)}"
    return httpx.request(
        case.get("method", "POST"),
        served.url + expand(case["path"], fill),
        content=content if content or case.get("method", "POST") != "GET" else None,
        headers=headers,
        timeout=60,
        verify=TLS,
    )


def wrong(case: dict[str, Any], answer: httpx.Response, seconds: float) -> list[str]:
    """What is wrong with the answer to one case (nothing: an empty list)."""
    expected = case["status"] if isinstance(case["status"], list) else [case["status"]]
    found = []
    if answer.status_code not in expected:
        found.append(f"status {answer.status_code}, not {expected}")
    try:
        body = answer.json()
    except ValueError:
        return [*found, f"not JSON: {answer.text[:200]!r}"]
    if not (isinstance(body, dict) and all(isinstance(body.get(k), str) and body[k] for k in ("code", "vi", "en"))):
        found.append(f"no {{code, vi, en}}: {answer.text[:200]!r}")
    text = answer.text
    found += [f"does not name {name!r}" for name in case.get("names", []) if name not in text]
    found += [f"says {word!r}" for word in case.get("absent", []) if word in text]
    if "Traceback" in text or 'File "' in text:
        found.append("a trace in the answer")
    if "max_errors" in case and len(body.get("errors", [])) > case["max_errors"]:
        found.append(f"{len(body['errors'])} problems listed, over {case['max_errors']}")
    if seconds > case.get("seconds", 5):
        found.append(f"answered in {seconds:.1f} s, over {case.get('seconds', 5)} s")
    return found


def peak_rss_kb(served: Served) -> int:
    for line in Path(f"/proc/{served.process.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def test_every_hostile_payload_is_refused_cleanly(served: Served, snapshot: Any) -> None:
    assert len(CASES) >= 40
    peak_before = peak_rss_kb(served)
    failures: dict[str, list[str]] = {}
    for path in CASES:
        case = json.loads(path.read_text(encoding="utf-8"))
        before = snapshot()
        started = time.monotonic()
        answer = request(served, case)
        problems = wrong(case, answer, time.monotonic() - started)
        if snapshot() != before:
            problems.append("the database changed")
        if problems:
            failures[path.stem] = problems
    assert not failures, "\n".join(f"{name}: {'; '.join(found)}" for name, found in failures.items())
    log = served.logged()
    assert "Traceback" not in log and "Exception in ASGI application" not in log, log[-3000:]
    grown = (peak_rss_kb(served) - peak_before) / 1024
    assert grown < MEMORY_MB, f"the server's peak memory grew {grown:.0f} MB over the corpus"
