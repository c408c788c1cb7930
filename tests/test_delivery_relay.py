"""Email on kept SMTP connections (notifications.email_relay), counted at a real SMTP server: one connection for
many messages, a connection the server dropped replaced before a message goes on it, a refusal reported with the
server's words while the connection carries the next message."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from notifications import email_relay
from notifications.senders import AppriseSender


@dataclass
class Relay:
    port: int
    sessions: int = 0  # EHLO/HELO greetings: one per connection
    received: list[str] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)


@contextmanager
def relay(port: int = 0) -> Iterator[Relay]:
    if not port:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
    found = Relay(port)

    class Handler:
        async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str, responses: Any) -> Any:
            found.sessions += 1
            session.host_name = hostname
            return responses

        async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
            if address in found.refuse:
                return "550 5.1.1 no such mailbox"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            found.received.extend(envelope.rcpt_tos)
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield found
    finally:
        controller.stop()


def url(port: int, to: str) -> str:
    return f"mailto://127.0.0.1:{port}?from=kd@example.vn&to={to}&secure=no"


def test_many_messages_travel_on_one_connection_each_once() -> None:
    sender = AppriseSender(connections=2)
    with relay() as server:
        for i in range(12):
            assert sender.send(url(server.port, f"u{i}@example.vn"), f"Tiêu đề {i}", "Kính gửi **Chi bộ**") is None
        sender.close()
        time.sleep(0.2)
    assert server.received == [f"u{i}@example.vn" for i in range(12)]
    assert server.sessions == 1


def test_a_dropped_connection_is_replaced_before_a_message_goes(monkeypatch: pytest.MonkeyPatch) -> None:
    sender = AppriseSender(connections=1)
    with relay() as first:
        assert sender.send(url(first.port, "a@example.vn"), "t", "b") is None
    port = first.port  # the server went away with our kept connection; a new one listens on the same port
    monkeypatch.setattr(email_relay, "CHECK_AFTER_IDLE", 0.0)  # check at once rather than after 2 s idle
    with relay(port) as second:
        assert sender.send(url(port, "b@example.vn"), "t", "b") is None
        sender.close()
        time.sleep(0.2)
    assert first.received == ["a@example.vn"] and second.received == ["b@example.vn"]


def test_a_refused_recipient_fails_with_the_servers_words_and_the_connection_goes_on() -> None:
    sender = AppriseSender(connections=1)
    with relay() as server:
        server.refuse.add("closed@example.vn")
        error = sender.send(url(server.port, "closed@example.vn"), "t", "b")
        assert sender.send(url(server.port, "open@example.vn"), "t", "b") is None
        sender.close()
        time.sleep(0.2)
    assert error is not None and "550 5.1.1 no such mailbox" in error
    assert server.received == ["open@example.vn"] and server.sessions == 1


def test_no_server_is_a_failure_not_an_exception() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nobody listens here
    error = AppriseSender().send(url(port, "a@example.vn"), "t", "b")
    assert error is not None and "Connection" in error
