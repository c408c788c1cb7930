"""Twenty submissions of one unit's report at once, split over two API server processes on one database: one is
recorded, the others are told 409 with a clear message; one audit row, one report version."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from tests.conftest import ROOT, write
from tests.reliability.harness import CONFIG, KEY, LAUNCH_AT, tree_csv

SERVER = """
import sys, uvicorn
from entrypoints.api import create_api
from service.bootstrap import build_app
uvicorn.run(create_api(build_app()), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""
REPORT = {
    "subjects": {
        "member": {"total": 10, "evaluated": 10, "excellent": 1, "good": 7, "completed": 2, "not_completed": 0}
    }
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(port)], cwd=ROOT, env={**os.environ, **env}, stdin=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("the API server did not start")


def test_twenty_submits_at_once_record_one(kiemdiem, env, tmp_path: Path) -> None:
    assert kiemdiem("units", "import", write(tmp_path / "tree.csv", tree_csv(9))).exit_code == 0
    launched = kiemdiem("campaign", "launch", write(tmp_path / "c.yaml", CONFIG), "--at", LAUNCH_AT)
    assert launched.exit_code == 0, launched.stderr
    issued = kiemdiem("tokens", "issue", "CS-0-B00")
    assert issued.exit_code == 0
    token = issued.stdout.strip()
    servers = [serve(env), serve(env)]
    answers: list[httpx.Response] = []
    gate = threading.Barrier(20)
    path = f"/api/campaigns/{KEY}/units/CS-0-B00/milestones/grassroots_review/submit"

    def submit(base: str) -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            gate.wait()
            answers.append(client.post(path, json={"report": REPORT}, headers={"Authorization": f"Bearer {token}"}))

    try:
        threads = [threading.Thread(target=submit, args=(servers[i % 2][1],)) for i in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        for process, _ in servers:
            process.terminate()
            process.wait(timeout=30)
    assert Counter(a.status_code for a in answers) == {200: 1, 409: 19}, [a.text for a in answers]
    refused = next(a.json() for a in answers if a.status_code == 409)
    assert refused["code"] == "already_closed" and "submitted" in refused["en"] and refused["vi"]
    engine = create_engine(env["KIEMDIEM_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            audits = connection.execute(
                text("SELECT count(*) FROM audit_log WHERE action = 'assignment.submit'")
            ).scalar()
            versions = connection.execute(text("SELECT version FROM report")).scalars().all()
    finally:
        engine.dispose()
    assert (audits, versions) == (1, [1])
