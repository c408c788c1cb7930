"""The one clock and the `--at` option."""

from __future__ import annotations

import time

import pendulum
import pytest

from models import clock


def test_travel_to_freezes_and_restores() -> None:
    instant = pendulum.datetime(2026, 12, 10, 23, 59, 59, tz="Asia/Ho_Chi_Minh")
    with clock.travel_to(instant):
        assert clock.now() == instant
        assert clock.now().timezone_name == "UTC"
        with clock.travel_to(instant.add(days=1)):
            assert clock.now() == instant.add(days=1)
        assert clock.now() == instant
    assert clock.now() != instant


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2026-12-10T23:59:59+07:00", "2026-12-10T16:59:59+00:00"),
        ("2026-12-10T16:59:59Z", "2026-12-10T16:59:59+00:00"),
        ("2026-12-11T00:00:00+07:00", "2026-12-10T17:00:00+00:00"),
        ("2026-12-10T12:00:00-05:00", "2026-12-10T17:00:00+00:00"),
    ],
)
def test_parse_instant_keeps_the_offset(text: str, utc: str) -> None:
    assert clock.parse_instant(text).isoformat() == utc


@pytest.mark.parametrize("text", ["2026-12-10T23:59:59", "2026-12-10", "tomorrow", "2026-13-40T00:00:00+07:00"])
def test_parse_instant_refuses_times_without_offset_or_nonsense(text: str) -> None:
    with pytest.raises(ValueError):
        clock.parse_instant(text)


def test_bad_at_option_exits_2(kiemdiem) -> None:
    ran = kiemdiem("units", "tree", "--at", "2026-12-10 23:59")
    assert ran.exit_code == 2 and "field --at [invalid_time]" in ran.stderr


def test_a_clock_run_from_an_instant_ticks_at_real_speed_until_stopped() -> None:
    start = pendulum.datetime(2026, 12, 10, 23, 59, 59, tz="Asia/Ho_Chi_Minh")
    clock.run_from(start)
    try:
        first = clock.now()
        time.sleep(0.05)
        later = clock.now()
    finally:
        clock.run_from(None)
    assert start <= first < later < start.add(seconds=5)
    assert clock.now().year == pendulum.now("UTC").year  # back to the system's clock
    with clock.travel_to(start):  # a frozen instant wins over a running clock
        clock.run_from(start.add(days=1))
        try:
            assert clock.now() == start
        finally:
            clock.run_from(None)
