"""`kiemdiem serve` schedules one sweep per instant: the hourly deadline-day sweeps never fire together with the
daily one (two runs at 07:30 on every deadline day used to sweep at once). Fire times come from Prefect's own
scheduler arithmetic, over the whole campaign."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter

import yaml

from models.campaign_config import parse_campaign_config
from models.levels import BUILT_IN_LEVELS
from service.schedules import schedules
from tests.reliability.harness import CONFIG


def fire_times(lines: list[str], timezone: str, start: dt.datetime, end: dt.datetime) -> Counter[dt.datetime]:
    from prefect.server.schemas.schedules import CronSchedule

    async def dates(line: str) -> list[dt.datetime]:
        found = await CronSchedule(cron=line, timezone=timezone).get_dates(n=5000, start=start, end=end)
        return [d.astimezone(dt.UTC) for d in found]

    return Counter(d for line in lines for d in asyncio.run(dates(line)))


def test_no_two_schedules_fire_at_one_instant_and_deadline_days_are_swept_hourly() -> None:
    config = parse_campaign_config(yaml.safe_load(CONFIG), BUILT_IN_LEVELS)
    start, end = dt.datetime(2026, 11, 23, tzinfo=dt.UTC), dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    fired = fire_times(schedules(config), config.timezone, start, end)
    assert max(fired.values()) == 1, [t for t, n in fired.items() if n > 1]
    local = [t.astimezone(dt.timezone(dt.timedelta(hours=7))) for t in fired]
    for deadline in (m.deadline for m in config.milestones):
        hours = sorted(t.hour for t in local if t.date() == deadline)
        assert hours == list(range(24)), (deadline, hours)  # every hour of the deadline day, once
    other_days = Counter(t.date() for t in local if t.date() not in {m.deadline for m in config.milestones})
    assert set(other_days.values()) == {1}  # once a day otherwise, at the send time
    assert {(t.hour, t.minute) for t in local if t.date() == dt.date(2026, 12, 1)} == {(7, 30)}
