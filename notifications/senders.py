"""Where messages go: Apprise for real channels, and a capture sink for the simulator and for tests of our logic."""

from __future__ import annotations

import hashlib
import logging
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
    per-channel rate limits of KIEMDIEM_RATE_LIMITS (`mailtos=5,json=50`: messages a second per URL scheme)."""

    def __init__(self, limits: dict[str, float] | None = None) -> None:
        from notifications.rate_limits import RateLimiter

        self.limiter = RateLimiter(limits or {})

    def send(self, url: str, title: str, body: str) -> str | None:
        import apprise

        import notifications.zalo  # noqa: F401  (registers zalo://)

        remember_secrets(url)
        self.limiter.wait(url)
        notifier = apprise.Apprise()
        if not notifier.add(url):
            return "invalid Apprise URL"
        body_format = apprise.NotifyFormat.TEXT if is_sms(url) else apprise.NotifyFormat.MARKDOWN
        with apprise.LogCapture(level=logging.WARNING) as captured:  # type: ignore[no-untyped-call]
            delivered = notifier.notify(title=title, body=body, body_format=body_format)
        if delivered:
            return None
        lines = [line for line in captured.getvalue().splitlines() if line.strip()]
        return redact(" ".join(lines[-3:]))[:500] or "delivery failed"


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
