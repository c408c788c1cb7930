"""A large subtree's page read from its snapshot (service.dashboard_snapshot; "large" lowered here to one unit):
the page says the figures are "as of" an instant, never live; they are `progress --format json`'s at that instant;
a submission is not shown as if it were live, and shows within the stated rule (once the snapshot is 60 s old by
the clock, the next load starts the recomputation and the loads after it show the new figures); a local midnight
passing with nothing written refreshes it too; concurrent readers compute a snapshot once."""

from __future__ import annotations

import json
import logging
import re
import time
from concurrent.futures import ThreadPoolExecutor

import pendulum
import pytest

from entrypoints.dashboard.words import number
from models import clock
from tests.dashboard.conftest import NOW
from tests.dashboard.test_dashboard_browser import fill, sign_in
from tests.dashboard.test_dashboard_http import signed

CAMPAIGN = "/campaigns/web-2026"
BRANCH_ROW = '[data-testid="levels"] tr[data-milestone="grassroots_review"][data-level="branch"]'


@pytest.fixture
def large(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIEMDIEM_DASHBOARD_SNAPSHOT_UNITS", "1")  # every subtree is "large"
    monkeypatch.setenv("KIEMDIEM_DASHBOARD_SNAPSHOT_SECONDS", "60")


def fresh(page) -> dict[str, str | None]:
    line = page.get_by_test_id("freshness")
    return {k: line.get_attribute(f"data-{k}") for k in ("snapshot", "as-of", "unchanged", "updating")}


def check_against_progress(site, page, at: str) -> None:
    ran = site.kiemdiem("progress", "--campaign", "web-2026", "--format", "json", "--at", at)
    assert ran.exit_code == 0, ran.stderr
    for level in json.loads(ran.stdout)["levels"]:
        row = page.locator(
            f'[data-testid="levels"] tr[data-milestone="{level["milestone"]}"][data-level="{level["level"]}"]'
        )
        for key in ("units", "submitted", "on_time", "late", "overdue", "pending"):
            assert row.locator(f'td[data-k="{key}"]').inner_text() == number(level[key]), (level, key)


def test_a_submission_shows_within_the_stated_rule_never_as_live(browser, site, shots, large) -> None:
    start = clock.parse_instant(NOW)
    board, page = sign_in(browser, site, "admin")
    first = fresh(page)
    assert first == {"snapshot": "1", "as-of": start.isoformat(), "unchanged": "1", "updating": "0"}
    assert "Số liệu lúc 09:00:00 12/12/2026" in page.get_by_test_id("freshness").inner_text()
    check_against_progress(site, page, NOW)
    shots(page, "01-snapshot")

    branch, form = sign_in(browser, site, "CB1")
    form.goto(site.url + f"{CAMPAIGN}/units/CS-1-CB1")
    fill(form, {"member.total": "20", "member.evaluated": "18", "member.excellent": "2", "member.good": "14"})
    fill(form, {"member.completed": "2", "member.not_evaluated.exempt": "2"})
    form.get_by_test_id("submit-grassroots_review").click()
    assert form.get_by_test_id("state-grassroots_review").inner_text() == "Đã nộp"
    branch.close()

    # Within the 60 s: the previous figures, said to be as of 09:00:00 with changes since, not live.
    page.reload()
    assert fresh(page) == {"snapshot": "1", "as-of": start.isoformat(), "unchanged": "0", "updating": "0"}
    assert "Đã có thay đổi từ lúc đó" in page.get_by_test_id("freshness").inner_text()
    assert page.locator(BRANCH_ROW).locator('td[data-k="submitted"]').inner_text() == "0"
    shots(page, "02-snapshot-changed")

    # 61 s later by the clock: the next load starts the recomputation and says so; the loads after it show it.
    later = start.add(seconds=61)
    clock.set_now(later)
    page.reload()
    assert fresh(page)["updating"] == "1" and fresh(page)["as-of"] == start.isoformat()
    assert "đang tính lại" in page.get_by_test_id("freshness").inner_text()
    shots(page, "03-snapshot-updating")
    waited = time.monotonic() + 60
    while fresh(page)["as-of"] != later.isoformat():
        assert time.monotonic() < waited, "the snapshot was not recomputed"
        time.sleep(0.3)
        page.reload()
    assert fresh(page)["unchanged"] == "1" and fresh(page)["updating"] == "0"
    assert page.locator(BRANCH_ROW).locator('td[data-k="submitted"]').inner_text() == "1"
    check_against_progress(site, page, later.isoformat())
    shots(page, "04-snapshot-refreshed")
    board.close()


def as_of(html: str) -> tuple[str, str]:
    found = re.search(r'data-as-of="([^"]+)" data-unchanged="\d" data-updating="(\d)"', html)
    assert found, "no freshness line"
    return found.group(1), found.group(2)


def test_concurrent_readers_compute_once_and_midnight_refreshes(site, large, caplog) -> None:
    caplog.set_level(logging.INFO, logger="kiemdiem.dashboard")
    computed = lambda: len([r for r in caplog.records if r.getMessage().startswith("dashboard snapshot of web-2026")])  # noqa: E731
    clients = [signed(site, "admin") for _ in range(6)]
    with ThreadPoolExecutor(6) as pool:
        pages = list(pool.map(lambda c: c.get(CAMPAIGN), clients))
    assert [p.status_code for p in pages] == [200] * 6
    assert {as_of(p.text)[0] for p in pages} == {clock.parse_instant(NOW).isoformat()}
    assert computed() == 1

    # A change, the clock 61 s on, six readers at once: one recomputation, the others shown the figures as of
    # 09:00:00 marked as being updated.
    ran = site.kiemdiem("status", "set", "--campaign", "web-2026", "--unit", "CS-2", "--milestone", "grassroots_review",
                        "--state", "exempt", "--reason", "miễn / exempt", "--at", NOW)  # fmt: skip
    assert ran.exit_code == 0, ran.stderr
    later = clock.parse_instant(NOW).add(seconds=61)
    clock.set_now(later)
    with ThreadPoolExecutor(6) as pool:
        pages = list(pool.map(lambda c: c.get(CAMPAIGN), clients))
    assert {as_of(p.text) for p in pages} == {(clock.parse_instant(NOW).isoformat(), "1")}
    waited = time.monotonic() + 60
    while as_of(clients[0].get(CAMPAIGN).text)[0] != later.isoformat():
        assert time.monotonic() < waited, "the snapshot was not recomputed"
        time.sleep(0.3)
    assert computed() == 2

    # Nothing written, a local midnight passed: days overdue moved, so the snapshot is recomputed.
    midnight = pendulum.datetime(2026, 12, 13, 0, 0, 1, tz="Asia/Ho_Chi_Minh")
    clock.set_now(midnight)
    clients.append(signed(site, "admin"))  # 15 hours on: the sessions of 09:00 have expired
    assert as_of(clients[-1].get(CAMPAIGN).text) == (later.isoformat(), "1")
    waited = time.monotonic() + 60
    while as_of(clients[-1].get(CAMPAIGN).text)[0] != midnight.in_timezone("UTC").isoformat():
        assert time.monotonic() < waited, "the snapshot was not recomputed after midnight"
        time.sleep(0.3)
    assert computed() == 3
    for client in clients:
        client.close()


def test_a_slow_page_is_kept_as_a_snapshot(site, monkeypatch: pytest.MonkeyPatch) -> None:
    client = signed(site, "admin")
    assert 'data-snapshot="0"' in client.get(CAMPAIGN).text  # a small subtree: computed for this load
    monkeypatch.setenv("KIEMDIEM_DASHBOARD_SNAPSHOT_AFTER_SECONDS", "0")  # any page is "slow" now
    assert 'data-snapshot="0"' in client.get(CAMPAIGN).text  # computed, and kept
    again = client.get(CAMPAIGN).text
    assert 'data-snapshot="1"' in again and as_of(again) == (clock.parse_instant(NOW).isoformat(), "0")
    client.close()
