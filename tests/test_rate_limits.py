"""Per-channel rate limits, on a timer the test controls."""

from __future__ import annotations

from notifications.rate_limits import RateLimiter, parse_limits


class Timer:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def test_parse_limits() -> None:
    assert parse_limits("mailtos=5, json=50") == {"mailtos": 5.0, "json": 50.0}
    assert parse_limits(None) == {} and parse_limits("zalo=0") == {}


def test_messages_to_a_limited_scheme_are_spaced_and_others_are_not() -> None:
    timer = Timer()
    limiter = RateLimiter({"mailtos": 4.0}, timer=timer, sleep=timer.sleep)
    for _ in range(5):
        limiter.wait("mailtos://u:p@smtp.example.vn")
    assert timer.slept == [0.25, 0.25, 0.25, 0.25]  # the first goes at once, then 4 a second
    assert limiter.wait("json://127.0.0.1/hook") == 0.0
    timer.now += 10  # after a quiet spell the next message goes at once
    assert limiter.wait("mailtos://u:p@smtp.example.vn") == 0.0
