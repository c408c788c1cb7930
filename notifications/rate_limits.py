"""Per-channel rate limits: at most N messages a second to each kind of channel (an SMTP relay or an SMS gateway
that throttles, a chat API with quotas). Pacing uses a monotonic timer, not the program's clock: it is about how
fast this process talks to a server, not about campaign time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


def parse_limits(text: str | None) -> dict[str, float]:
    """`mailtos=5,json=50` → {"mailtos": 5.0, "json": 50.0} (messages a second per URL scheme)."""
    limits: dict[str, float] = {}
    for part in (text or "").replace(" ", ",").split(","):
        if "=" in part:
            scheme, _, rate = part.partition("=")
            if float(rate) > 0:
                limits[scheme.strip().lower()] = float(rate)
    return limits


@dataclass
class RateLimiter:
    limits: dict[str, float]
    timer: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _next: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, url: str) -> float:
        """Block until a message to `url`'s scheme may go; returns the seconds waited. Several threads sending to
        one scheme share its pace: each takes the next free slot."""
        scheme = url.split("://", 1)[0].lower()
        rate = self.limits.get(scheme)
        if not rate:
            return 0.0
        with self._lock:
            now = self.timer()
            start = max(now, self._next.get(scheme, now))
            self._next[scheme] = start + 1.0 / rate
        if start > now:
            self.sleep(start - now)
        return start - now
