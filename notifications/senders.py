"""Where messages go: Apprise for real channels, and a capture sink for the simulator and for tests of our logic."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from notifications.redact import redact, remember_secrets


class Sender(Protocol):
    def send(self, url: str, title: str, body: str) -> str | None:
        """Deliver one message to one Apprise URL; None when delivered, else the (redacted) reason it was not."""


# Apprise's SMS gateways: they get the short unaccented text (notifications.messages.render_sms), not Markdown.
SMS_SCHEMES = frozenset(
    {
        "sns",
        "twilio",
        "nexmo",
        "vonage",
        "clicksend",
        "d7sms",
        "bulksms",
        "msg91",
        "smseagle",
        "sinch",
        "kavenegar",
        "plivo",
        "seven",
        "smsmgr",
        "httpsms",
        "bulkvs",
        "esms",
        "voipms",
    }
)


def is_sms(url: str) -> bool:
    return url.split("://", 1)[0].lower() in SMS_SCHEMES


def fingerprint(url: str) -> str:
    """A stable name for a contact URL that reveals nothing of it, for delivery records."""
    return hashlib.sha256(url.encode()).hexdigest()[:16]


class AppriseSender:
    """Every channel (email, webhooks, Telegram, Slack, SMS gateways, Zalo, …) through Apprise, paced by the
    per-channel rate limits of KIEMDIEM_RATE_LIMITS (`mailtos=5,json=50`: messages a second per URL scheme).
    Email keeps its SMTP connections open between messages (notifications.email_relay), up to `connections` per
    relay (KIEMDIEM_SMTP_CONNECTIONS, default 4): as many messages may be in flight to one relay at once.
    Safe to call from several threads; `close()` quits the kept connections."""

    def __init__(self, limits: dict[str, float] | None = None, connections: int | None = None) -> None:
        from notifications.email_relay import ConnectionPool
        from notifications.rate_limits import RateLimiter

        self.limiter = RateLimiter(limits or {})
        self.connections = connections if connections is not None else smtp_connections()
        self.pool = ConnectionPool(keep=self.connections)

    def send(self, url: str, title: str, body: str) -> str | None:
        import apprise

        import notifications.zalo  # noqa: F401  (registers zalo://)
        from notifications.email_relay import kept

        remember_secrets(url)
        self.limiter.wait(url)
        plugin = apprise.Apprise.instantiate(url)
        if plugin is None:
            return "invalid Apprise URL"
        notifier = apprise.Apprise()
        notifier.add(kept(plugin, self.pool))
        body_format = apprise.NotifyFormat.TEXT if is_sms(url) else apprise.NotifyFormat.MARKDOWN
        with capture_warnings() as captured:
            delivered = notifier.notify(title=title, body=body, body_format=body_format)
        if delivered:
            return None
        lines = [line for line in captured if line.strip()]
        return redact(" ".join(lines[-3:]))[:500] or "delivery failed"

    def close(self) -> None:
        self.pool.close()


def smtp_connections() -> int:
    """KIEMDIEM_SMTP_CONNECTIONS: messages in flight at once to one SMTP relay (and to any one channel), 1 to 32."""
    text = os.environ.get("KIEMDIEM_SMTP_CONNECTIONS", "").strip()
    return min(32, max(1, int(text))) if text.isdigit() else DEFAULT_CONNECTIONS


DEFAULT_CONNECTIONS = 4


class _ThreadCapture(logging.Handler):
    """Apprise's warnings, kept for the thread that is sending (Apprise's LogCapture would mix threads)."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.local = threading.local()
        self.setFormatter(logging.Formatter("%(levelname)s - %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        lines = getattr(self.local, "lines", None)
        if lines is not None:
            lines.append(self.format(record))


_capture = _ThreadCapture()
_capture_lock = threading.Lock()


@contextlib.contextmanager
def capture_warnings() -> Iterator[list[str]]:
    """The lines Apprise logs at WARNING or above in this thread during the block."""
    with _capture_lock:
        logger = logging.getLogger("apprise")
        if _capture not in logger.handlers:
            logger.addHandler(_capture)
            if logger.getEffectiveLevel() > logging.WARNING:
                logger.setLevel(logging.WARNING)
    lines: list[str] = []
    _capture.local.lines = lines
    try:
        yield lines
    finally:
        _capture.local.lines = None


@dataclass
class CaptureSender:
    """Keeps messages in memory instead of sending them; `refuse` lists URLs that fail, to exercise retries."""

    messages: list[tuple[str, str, str]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    def send(self, url: str, title: str, body: str) -> str | None:
        if url in self.refuse:
            return "refused by the capture sink"
        self.messages.append((url, title, body))
        return None


_installed: list[Sender] = []


def installed_sender() -> Sender | None:
    """The simulator's capture sink, when it installed one for this process (App.sender uses Apprise otherwise)."""
    return _installed[-1] if _installed else None


def install_sender(sender: Sender | None) -> None:
    """Route every delivery of this process to `sender` (None: back to Apprise). Used by the simulator."""
    _installed.clear()
    if sender is not None:
        _installed.append(sender)
