"""Real local servers that receive what we send: an HTTP server for webhooks, an SMTP server for email."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class HttpSink:
    url: str
    received: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    on_receive: Any = None  # called after a request is recorded, before the response (crash tests)


@contextmanager
def http_sink() -> Iterator[HttpSink]:
    sink = HttpSink(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            sink.received.append({"path": self.path, "body": json.loads(body or b"{}")})
            if sink.on_receive is not None:
                sink.on_receive()
            self.send_response(sink.status)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    sink.url = f"127.0.0.1:{server.server_address[1]}"
    try:
        yield sink
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class SmtpSink:
    port: int
    messages: list[Any] = field(default_factory=list)
    reply: str = "250 OK"  # "550 …" makes the server refuse every recipient (RCPT TO), as a closed mailbox does
    delay: float = 0.0  # seconds before each message is accepted: a slow mail server


@contextmanager
def smtp_sink() -> Iterator[SmtpSink]:
    import asyncio
    import email
    import email.policy
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = SmtpSink(port=port)

    class Handler:
        async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
            if not sink.reply.startswith("250"):
                return sink.reply
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            if sink.delay:
                await asyncio.sleep(sink.delay)
            sink.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


def text_of(message: Any) -> str:
    """An email's plain-text part as one line, the way a person reads it."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return " ".join(part.get_content().split())


def mailbox(message: Any) -> str:
    """Whom an email went to: the local part of its To address (`cs-0@example.vn` → `cs-0`)."""
    return str(message["To"]).split("@")[0].lower()
