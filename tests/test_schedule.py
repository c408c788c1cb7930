"""The deadline rules as pure functions, at exact instants (SPEC §3, §5)."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest

from models.campaign_config import ReminderPolicy
from models.schedule import decide, points
from models.tables import NoticeKind

TZ = "Asia/Ho_Chi_Minh"
DEC10 = dt.date(2026, 12, 10)  # a Thursday
DUE_BEFORE = pendulum.datetime(2026, 12, 11, tz=TZ).in_timezone("UTC")
LAUNCH = pendulum.datetime(2026, 11, 23, 8, tz=TZ)


def local(day: int, hour: int = 7, minute: int = 30, month: int = 12) -> pendulum.DateTime:
    return pendulum.datetime(2026, month, day, hour, minute, tz=TZ).in_timezone("UTC")


def sent(decision) -> list[tuple[str, int]]:
    return [(n.kind.value, n.days) for n in decision.notices if not n.skipped]


def run_daily(policy: ReminderPolicy, start: pendulum.DateTime, days: int) -> list[tuple[str, str, int]]:
    """Sweep every morning at 07:30 and hourly, the way `serve` does, and list what each sweep sends."""
    watermark, found = None, []
    instant = start
    for _ in range(days * 24):
        decision = decide(DUE_BEFORE, watermark, policy, TZ, LAUNCH, instant)
        found += [
            (instant.in_timezone(TZ).format("DD/MM HH:mm"), n.kind.value, n.days)
            for n in decision.notices
            if not n.skipped
        ]
        watermark = decision.watermark
        instant = instant.add(hours=1)
    return found


def test_every_offset_and_due_today_and_the_overdue_ladder() -> None:
    found = run_daily(ReminderPolicy(), local(1, 7, 30), 31)
    assert found == [
        ("03/12 07:30", "reminder", 7),
        ("07/12 07:30", "reminder", 3),
        ("09/12 07:30", "reminder", 1),
        ("10/12 07:30", "due_today", 0),
        ("11/12 07:30", "overdue", 1),
        ("12/12 07:30", "escalation", 2),
        ("13/12 07:30", "overdue", 3),
        ("13/12 07:30", "escalation", 3),
        ("17/12 07:30", "overdue", 7),
        ("17/12 07:30", "escalation", 7),
        ("24/12 07:30", "overdue", 14),
        ("24/12 07:30", "escalation", 14),
        ("31/12 07:30", "overdue", 21),
        ("31/12 07:30", "escalation", 21),
    ]


def test_a_point_is_due_from_its_instant_and_not_a_second_before() -> None:
    policy = ReminderPolicy()
    assert decide(DUE_BEFORE, None, policy, TZ, LAUNCH, local(3, 7, 29).add(seconds=59)).notices == ()
    decision = decide(DUE_BEFORE, None, policy, TZ, LAUNCH, local(3, 7, 30))
    assert sent(decision) == [("reminder", 7)]
    assert decision.notices[0].deliver_after == local(3, 7, 30)
    assert decision.notices[0].occurrence == "7@2026-12-10"


def test_same_instant_twice_decides_nothing_the_second_time() -> None:
    first = decide(DUE_BEFORE, None, ReminderPolicy(), TZ, LAUNCH, local(3))
    assert decide(DUE_BEFORE, first.watermark, ReminderPolicy(), TZ, LAUNCH, local(3)).notices == ()


def test_end_of_10_december_local_versus_utc() -> None:
    last_second = pendulum.parse("2026-12-10T23:59:59+07:00")
    assert last_second < DUE_BEFORE  # still on time
    assert last_second.in_timezone("UTC").isoformat() == "2026-12-10T16:59:59+00:00"
    first_late = pendulum.parse("2026-12-11T00:00:00+07:00")
    assert first_late == DUE_BEFORE  # late: due_before is the first late instant
    assert DUE_BEFORE.isoformat() == "2026-12-10T17:00:00+00:00"
    # 20:00 UTC on 10 December is already 11 December in Hanoi: not "due today" any more, and no overdue
    # notice yet either (that one waits for 07:30 local).
    utc_evening = pendulum.datetime(2026, 12, 10, 20, tz="UTC")
    decision = decide(DUE_BEFORE, local(10).add(seconds=1), ReminderPolicy(), TZ, LAUNCH, utc_evening)
    assert decision.notices == ()


def test_quiet_hours_hold_a_notice_until_they_end() -> None:
    early = ReminderPolicy(send_at=dt.time(6, 0))  # before the end of quiet hours (21:00–07:00)
    found = points(DEC10, early, TZ, local(31))
    assert {p.at.in_timezone(TZ).format("HH:mm") for p in found} == {"07:00"}
    # A catch-up decided at 23:00 is held until 07:00 the next morning.
    late = decide(DUE_BEFORE, None, ReminderPolicy(), TZ, LAUNCH, local(5, 23, 0))
    assert [n.kind for n in late.notices if not n.skipped] == [NoticeKind.CATCH_UP]
    assert late.notices[0].deliver_after == local(6, 7, 0)


def test_deadline_on_a_sunday_moves_to_friday_when_skipping_non_working_days() -> None:
    sunday = dt.date(2026, 12, 13)
    due_before = pendulum.datetime(2026, 12, 14, tz=TZ).in_timezone("UTC")
    skipping = ReminderPolicy(skip_non_working_days=True)
    found = {
        (p.kind.value, p.days): p.at.in_timezone(TZ).format("ddd DD/MM")
        for p in points(sunday, skipping, TZ, local(31))
    }
    assert found[("due_today", 0)] == "Fri 11/12"
    assert found[("reminder", 1)] == "Fri 11/12"
    assert found[("reminder", 7)] == "Fri 04/12"  # Sunday 6/12 → Friday
    assert found[("overdue", 1)] == "Mon 14/12"  # after the deadline a notice moves later, never earlier
    # On that Friday, reminder and due_today coincide: one message, the more urgent.
    decision = decide(due_before, local(10, 8), skipping, TZ, LAUNCH, local(11, 7, 30))
    assert sent(decision) == [("due_today", 0)]
    assert [(n.kind.value, n.skipped) for n in decision.notices] == [("due_today", False), ("reminder", True)]
    plain = {
        (p.kind.value, p.days): p.at.in_timezone(TZ).format("ddd DD/MM")
        for p in points(sunday, ReminderPolicy(), TZ, local(31))
    }
    assert plain[("due_today", 0)] == "Sun 13/12"


def test_public_holiday_moves_to_the_working_day_before() -> None:
    # 24 November is Vietnam Cultural Day (a public holiday since 2025); 23 November 2026 is a Monday.
    holiday = dt.date(2026, 11, 24)
    found = {
        (p.kind.value, p.days): p.at.in_timezone(TZ).format("ddd DD/MM")
        for p in points(holiday, ReminderPolicy(skip_non_working_days=True), TZ, local(31))
    }
    assert found[("due_today", 0)] == "Mon 23/11"
    # Tết: a deadline on the first day of the Lunar New Year 2027 (6 February) is due on Wednesday 3 February.
    tet = {
        (p.kind.value, p.days): p.at.in_timezone(TZ).format("ddd DD/MM")
        for p in points(
            dt.date(2027, 2, 6), ReminderPolicy(skip_non_working_days=True), TZ, pendulum.datetime(2027, 3, 1, tz="UTC")
        )
    }
    assert tet[("due_today", 0)] == "Wed 03/02"


def test_three_days_down_gives_one_catch_up_and_records_the_missed_as_skipped() -> None:
    policy = ReminderPolicy()
    before = decide(DUE_BEFORE, None, policy, TZ, LAUNCH, local(9, 7, 30))  # reminder(1) sent
    back = decide(DUE_BEFORE, before.watermark, policy, TZ, LAUNCH, local(12, 9, 0))  # down 10/12 – 12/12 08:59
    assert sent(back) == [("catch_up", 2)]
    catch_up = back.notices[0]
    assert catch_up.escalate  # 2 days overdue reaches the escalation threshold: parent and group are told
    assert catch_up.replaces == ("due_today:0@2026-12-10", "overdue:1@2026-12-10", "escalation:2@2026-12-10")
    assert sorted((n.kind.value, n.days) for n in back.notices if n.skipped) == [
        ("due_today", 0),
        ("escalation", 2),
        ("overdue", 1),
    ]
    assert decide(DUE_BEFORE, back.watermark, policy, TZ, LAUNCH, local(12, 10, 0)).notices == ()


def test_points_before_the_launch_are_never_sent() -> None:
    late_launch = pendulum.datetime(2026, 12, 8, 10, tz=TZ)
    decision = decide(DUE_BEFORE, None, ReminderPolicy(), TZ, late_launch, local(8, 11))
    assert decision.notices == ()
    assert sent(decide(DUE_BEFORE, None, ReminderPolicy(), TZ, late_launch, local(9))) == [("reminder", 1)]


@pytest.mark.parametrize("skip", [False, True])
def test_points_are_in_time_order_and_bounded(skip: bool) -> None:
    found = points(DEC10, ReminderPolicy(skip_non_working_days=skip), TZ, pendulum.datetime(2027, 6, 1, tz="UTC"))
    assert found == sorted(found)
    assert len(found) < 80  # weekly overdue notices for half a year, not an unbounded list
