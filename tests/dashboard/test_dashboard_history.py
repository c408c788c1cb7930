"""Last year on the dashboard, in a real headless Chromium (issue 16): the units at risk on the campaign page, longest
odds first with each reason, as `progress --at-risk` lists them, and a unit that submits drops off the list; last
year's figures on the same day beside this year's, as `progress --format json` gives them, units new and gone
apart; the board's "next year's campaign from this one" on a closed campaign: the config for the year it picks, the
flagged Sunday and Saturday deadlines, the unit gone, downloaded as `campaign launch --from` writes it."""

from __future__ import annotations

import json
from pathlib import Path

from entrypoints.dashboard.words import number, percent
from tests.dashboard.conftest import NOW
from tests.dashboard.test_dashboard_browser import fill, sign_in

CAMPAIGN = "/campaigns/web-2026"
VALID = {
    "member.total": "15",
    "member.evaluated": "15",
    "member.excellent": "1",
    "member.good": "12",
    "member.completed": "2",
}


def listed(page) -> list[tuple[str, str]]:
    rows = page.locator('[data-testid="at-risk"] tbody tr')
    return [
        (rows.nth(i).get_attribute("data-unit"), rows.nth(i).get_attribute("data-level")) for i in range(rows.count())
    ]


def test_units_at_risk_longest_odds_first_with_reasons(browser, history_site, shots) -> None:
    site = history_site
    ran = site.kiemdiem("progress", "--campaign", "web-2026", "--at-risk", "--format", "json", "--at", NOW)
    assert ran.exit_code == 0, ran.stderr
    expected = json.loads(ran.stdout)["units"]
    assert {u["unit"] for u in expected if u["level"] == "high"} == {"CS-1", "CS-1-CB2", "CS-2"}

    board, page = sign_in(browser, site, "admin")
    page.goto(site.url + CAMPAIGN)  # two campaigns now: the start page lists them
    section = page.get_by_test_id("at-risk")
    assert section.get_attribute("data-total") == str(len(expected))
    assert listed(page) == [(u["unit"], u["level"]) for u in expected]
    cs2 = section.locator('tr[data-unit="CS-2"]')
    reasons = [cs2.locator("li").nth(i).get_attribute("data-kind") for i in range(cs2.locator("li").count())]
    assert reasons == [r["kind"] for r in next(u for u in expected if u["unit"] == "CS-2")["reasons"]]
    assert {"late_last_year", "no_activity"} <= set(reasons)
    assert "không hoàn thành ở đợt web-2025" in cs2.inner_text() and "chưa có hoạt động" in cs2.inner_text()
    cb2 = section.locator('tr[data-unit="CS-1-CB2"]').inner_text()
    assert "nộp chậm 3 ngày ở đợt web-2025" in cb2 and "Cao" in cb2 and "quá hạn 2 ngày" in cb2
    shots(page, "01-board-at-risk")
    page.get_by_test_id("lang").click()
    assert "3 days late in web-2025" in page.get_by_test_id("at-risk").inner_text()
    page.get_by_test_id("lang").click()

    # CS-1-CB2 submits through its form: it drops off the board's list (and off the CLI's).
    branch, form = sign_in(browser, site, "CB2")
    form.goto(site.url + f"{CAMPAIGN}/units/CS-1-CB2")
    fill(form, VALID)
    form.get_by_test_id("submit-grassroots_review").click()
    assert form.get_by_test_id("state-grassroots_review").inner_text() == "Đã nộp"
    branch.close()
    page.reload()
    after = json.loads(site.kiemdiem("progress", "--campaign", "web-2026", "--at-risk", "--format", "json").stdout)
    assert "CS-1-CB2" not in [unit for unit, _ in listed(page)]
    assert listed(page) == [(u["unit"], u["level"]) for u in after["units"]]
    shots(page, "02-board-at-risk-after-submission")

    # A unit sees the list of its own subtree only.
    unit, own = sign_in(browser, site, "CS-1")
    own.goto(site.url + CAMPAIGN)
    assert {code for code, _ in listed(own)} == {"CS-1", "CS-1-CB1"}
    unit.close()
    board.close()


def test_last_year_beside_this_year(browser, read_only_history_site, shots) -> None:
    site = read_only_history_site
    ran = site.kiemdiem("progress", "--campaign", "web-2026", "--format", "json", "--at", NOW)
    assert ran.exit_code == 0, ran.stderr
    expected = json.loads(ran.stdout)["year_over_year"]
    assert expected["previous"] == "web-2025" and (expected["units"]["new"], expected["units"]["gone"]) == (1, 1)

    board, page = sign_in(browser, site, "admin")
    page.goto(site.url + CAMPAIGN)
    section = page.get_by_test_id("last-year")
    assert section.get_attribute("data-previous") == "web-2025"
    for key in ("both", "new", "gone"):
        assert page.get_by_test_id(f"units-{key}").inner_text() == number(expected["units"][key])
    for row in expected["levels"]:
        shown = section.locator(f'tr[data-milestone="{row["milestone"]}"][data-level="{row["level"]}"]')
        now, then = row["this_year"], row["last_year"]
        assert shown.locator('td[data-k="submitted_pct"]').inner_text() == percent(now["submitted_pct"])
        assert shown.locator('td[data-k="last_submitted_pct"]').inner_text() == percent(then["submitted_pct"])
        assert shown.locator('td[data-k="last_on_time_pct"]').inner_text() == percent(then["on_time_pct"])
        assert shown.locator('td[data-k="overdue"]').inner_text() == number(now["overdue"])
        assert shown.locator('td[data-k="last_overdue"]').inner_text() == number(then["overdue"])
        new, gone = row["new"], row["gone"]
        assert shown.locator('td[data-k="new"]').inner_text() == f"{new['submitted']}/{new['units']}"
        assert shown.locator('td[data-k="gone"]').inner_text() == f"{gone['submitted']}/{gone['units']}"
    by_level = {r["level"]: r for r in expected["levels"] if r["milestone"] == "grassroots_review"}
    assert by_level["branch"]["last_year"]["submitted_pct"] == 50.0  # CS-1-CB1 by 13/12/2025, CS-1-CB2 after
    assert by_level["grassroots"]["gone"]["units"] == 1 and by_level["grassroots"]["new"]["units"] == 1  # CS-9, CS-3
    shots(page, "03-board-last-year")
    board.close()


def test_next_years_campaign_from_a_closed_one(browser, read_only_history_site, shots) -> None:
    site = read_only_history_site
    board, page = sign_in(browser, site, "admin")
    page.goto(site.url + "/campaigns/web-2025")
    assert page.get_by_test_id("next-year-form").count() == 1
    page.get_by_test_id("next-year").click()
    assert page.url.endswith("/campaigns/web-2025/next-year?year=2026")
    shown = page.get_by_test_id("next-year")
    assert shown.get_attribute("data-key") == "web-2026"
    flags = page.locator('[data-testid="flags"] li')
    assert {flags.nth(i).get_attribute("data-day") for i in range(flags.count())} == {"2026-12-13", "2026-12-26"}
    assert "Chủ nhật, 13/12/2026" in page.get_by_test_id("flags").inner_text()
    gone = page.locator('[data-testid="units-changed"] li')
    assert [
        (gone.nth(i).get_attribute("data-unit"), gone.nth(i).get_attribute("data-change")) for i in range(gone.count())
    ] == [("CS-9", "removed")]
    shots(page, "04-board-next-year")

    cli = site.kiemdiem("campaign", "launch", "--from", "web-2025", "--year", "2026")
    assert cli.exit_code == 0, cli.stderr
    assert page.get_by_test_id("config").inner_text().strip() == cli.stdout.strip()
    with page.expect_download() as download:
        page.get_by_test_id("download").click()
    assert download.value.suggested_filename == "web-2026.yaml"
    written = Path(download.value.path()).read_text(encoding="utf-8")
    assert written == cli.stdout and 'plan_number: ""' in written and "CẦN XÁC NHẬN" in written

    # A year not after the campaign's: the message beside the field, nothing written.
    page.goto(site.url + "/campaigns/web-2025/next-year?year=2025")
    assert "phải sau năm" in page.get_by_test_id("problem").inner_text()
    assert page.get_by_test_id("next-year").count() == 0
    shots(page, "05-board-next-year-wrong-year")
    # A running campaign offers no such action, and refuses it.
    page.goto(site.url + CAMPAIGN)
    assert page.get_by_test_id("next-year-form").count() == 0
    assert page.goto(site.url + f"{CAMPAIGN}/next-year?year=2027").status == 422
    board.close()

    # A unit may not.
    unit, other = sign_in(browser, site, "CS-1")
    assert other.goto(site.url + "/campaigns/web-2025/next-year?year=2026").status == 403
    assert other.goto(site.url + "/campaigns/web-2025/next-year.yaml?year=2026").status == 403
    unit.close()
