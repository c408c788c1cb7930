"""Local days and instants in a campaign's timezone: end of day, send time, quiet hours, working days."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import pendulum


def local_instant(day: dt.date, at: dt.time, tz: str) -> pendulum.DateTime:
    """`day` at local time `at`, as a UTC instant."""
    return pendulum.datetime(day.year, day.month, day.day, at.hour, at.minute, at.second, tz=tz).in_timezone("UTC")


def deadline_day(due_before: pendulum.DateTime, tz: str) -> dt.date:
    """The local deadline day of a `due_before` instant (the local midnight that ends it)."""
    local = due_before.in_timezone(tz).subtract(microseconds=1)
    return dt.date(local.year, local.month, local.day)


def in_quiet_hours(instant: pendulum.DateTime, quiet: tuple[dt.time, dt.time], tz: str) -> bool:
    start, end = quiet
    local = instant.in_timezone(tz).time()
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def after_quiet_hours(instant: pendulum.DateTime, quiet: tuple[dt.time, dt.time], tz: str) -> pendulum.DateTime:
    """The first instant at or after `instant` that is outside quiet hours (the end of them, if inside)."""
    if not in_quiet_hours(instant, quiet, tz):
        return instant
    local = instant.in_timezone(tz)
    end = quiet[1]
    candidate = local.set(hour=end.hour, minute=end.minute, second=end.second, microsecond=0)
    if candidate <= local:
        candidate = candidate.add(days=1)
    return candidate.in_timezone("UTC")


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[dt.date]:
    import holidays

    return frozenset(holidays.country_holidays("VN", years=[year]).keys())


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday and not a Vietnamese public holiday (Tết included)."""
    return day.weekday() < 5 and day not in _holidays(day.year)


def working_day_on_or_before(day: dt.date) -> dt.date:
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def working_day_on_or_after(day: dt.date) -> dt.date:
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day
