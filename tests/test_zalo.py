"""The zalo:// channel against a local HTTP server that speaks the Zalo OA message API."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from notifications.senders import AppriseSender
from service.units import apprise_url_ok
from tests.conftest import CAPTURED

TOKEN = "TokenBiMat987-zalo_oa"


@contextmanager
def zalo_api(error: int = 0) -> Iterator[list[dict[str, Any]]]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            ok_token = self.headers.get("access_token") == TOKEN
            received.append({"path": self.path, "body": body, "token_ok": ok_token})
            answer = {
                "error": error if ok_token else -216,
                "message": "Success" if ok_token and not error else "Access token is invalid",
                "data": {"message_id": "m1", "user_id": body["recipient"]["user_id"]},
            }
            raw = json.dumps(answer).encode()
            self.send_response(200)  # Zalo answers 200 and puts failures in `error`
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    received.append({"base": f"http://127.0.0.1:{server.server_address[1]}"})
    try:
        yield received
    finally:
        server.shutdown()
        server.server_close()


def test_zalo_delivers_vietnamese_text_to_every_user() -> None:
    with zalo_api() as received:
        base = received.pop(0)["base"]
        url = f"zalo://{TOKEN}@1234567890/998877?base={base}"
        assert apprise_url_ok(url)
        assert AppriseSender().send(url, "Nhắc việc: còn 3 ngày", "Kính gửi **Đảng bộ xã An Phú**") is None
    assert [r["path"] for r in received] == ["/v3.0/oa/message/cs"] * 2
    assert [r["body"]["recipient"]["user_id"] for r in received] == ["1234567890", "998877"]
    assert received[0]["body"]["message"]["text"].startswith("Nhắc việc: còn 3 ngày\n\nKính gửi")
    assert all(r["token_ok"] for r in received)


@pytest.mark.parametrize("token", [TOKEN, "wrong-token"])
def test_zalo_refusal_is_a_failure_without_the_token_in_it(token: str) -> None:
    with zalo_api(error=-124 if token == TOKEN else 0) as received:
        base = received.pop(0)["base"]
        error = AppriseSender().send(f"zalo://{token}@1234567890?base={base}", "t", "b")
    assert error is not None
    assert token not in error and all(token not in line for line in CAPTURED)


def test_zalo_url_needs_numeric_user_ids() -> None:
    assert AppriseSender().send(f"zalo://{TOKEN}@not-a-user?base=http://127.0.0.1:9", "t", "b") is not None
