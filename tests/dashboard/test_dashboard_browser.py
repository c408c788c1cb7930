"""The dashboard in a real headless Chromium (Debian's, driven by Playwright): a branch submits an invalid report (the
message beside the field, nothing stored) then a valid one; its parent accepts it; the board's page shows the
figures `kiemdiem progress --format json` gives and drills down to a branch; a unit cannot open or post to another
unit's page (403), nor post without the CSRF token. A screenshot of every page is kept under tests/artifacts/."""

from __future__ import annotations

import json
import re

from entrypoints.dashboard.words import number, percent
from tests.conftest import table_rows
from tests.dashboard.conftest import NOW, Session

CAMPAIGN = "/campaigns/web-2026"
CB1 = f"{CAMPAIGN}/units/CS-1-CB1"


def sign_in(browser, site, who: str, **options):
    """A browser with no cookie signs in with `who`'s token: a session the module signed out before, or (the first
    time, or with options such as a phone's viewport) a context of its own. close() the session when done."""
    session = Session.signed_out(browser, options) or Session.new(browser, options)
    page = session.page
    assert page.url == "about:blank" and session.context.cookies() == []
    answer = page.goto(f"{site.url}/signin?token={site.tokens[who]}")
    assert answer is not None and answer.ok
    assert "token=" not in page.url  # the token does not stay in the address bar
    return session, page


def fill(page, values: dict[str, str]) -> None:
    form = page.get_by_test_id("submit-form-grassroots_review")
    for name, value in values.items():
        form.locator(f'input[name="{name}"]').fill(value)


def test_branch_submits_parent_accepts_board_checks(browser, site, shots) -> None:
    # A branch signs in: its own subtree, its own page.
    branch, page = sign_in(browser, site, "CB1")
    assert page.get_by_test_id("who").inner_text() == "CS-1-CB1"
    shots(page, "01-branch-campaign")
    page.goto(site.url + CB1)
    shots(page, "02-branch-unit")

    # An invalid report: the message shows beside the field, and nothing is stored.
    before = table_rows(site.database_url)
    fill(page, {"member.total": "20", "member.evaluated": "18", "member.excellent": "2", "member.good": "15"})
    fill(page, {"member.completed": "2", "member.not_evaluated.exempt": "2"})
    page.get_by_test_id("submit-grassroots_review").click()
    problem = page.locator('[data-field="member.evaluated"]')
    assert "khác số được đánh giá 18" in problem.inner_text()
    assert page.locator('input[name="member.good"]').input_value() == "15"  # what was typed stays
    shots(page, "03-branch-invalid")
    assert table_rows(site.database_url) == before

    # The same report corrected: submitted.
    fill(page, {"member.good": "14"})
    page.get_by_test_id("submit-grassroots_review").click()
    assert page.get_by_test_id("state-grassroots_review").inner_text() == "Đã nộp"
    assert "Hoàn thành tốt nhiệm vụ" in page.get_by_test_id("report-grassroots_review").inner_text()
    shots(page, "04-branch-submitted")

    # Another unit's page, another unit's form, a form without its CSRF token: 403, nothing stored.
    before = table_rows(site.database_url)
    assert page.goto(site.url + f"{CAMPAIGN}/units/CS-2").status == 403
    shots(page, "05-branch-forbidden")
    page.goto(site.url + CB1)
    csrf = page.locator('input[name="csrf"]').first.get_attribute("value")
    other = f"{CAMPAIGN}/units/CS-1-CB2/milestones/grassroots_review/submit"
    form = {"member.total": "15", "member.evaluated": "15", "member.good": "15"}
    assert page.request.post(site.url + other, form={**form, "csrf": csrf}).status == 403
    exempt = f"{CB1}/milestones/grassroots_review/exempt"
    assert page.request.post(site.url + exempt, form={"reason": "x", "csrf": csrf}).status == 403  # board only
    own = f"{CB1}/milestones/grassroots_review/submit"
    assert page.request.post(site.url + own, form=form).status == 403  # no CSRF token
    assert table_rows(site.database_url) == before
    branch.close()

    # Its parent accepts it.
    parent, page = sign_in(browser, site, "CS-1")
    page.goto(site.url + CB1)
    page.get_by_test_id("accept-grassroots_review").click()
    assert page.get_by_test_id("state-grassroots_review").inner_text() == "Đã chấp nhận"
    assert "web:CS-1" in page.get_by_test_id("audit").inner_text()
    shots(page, "06-parent-accepted")
    parent.close()

    # The board: the page's figures are `progress --format json`'s.
    board, page = sign_in(browser, site, "admin")
    shots(page, "07-board-campaign")
    ran = site.kiemdiem("progress", "--campaign", "web-2026", "--format", "json", "--at", NOW)
    assert ran.exit_code == 0
    expected = json.loads(ran.stdout)
    for level in expected["levels"]:
        row = page.locator(
            f'[data-testid="levels"] tr[data-milestone="{level["milestone"]}"][data-level="{level["level"]}"]'
        )
        for key in ("units", "submitted", "on_time", "late", "overdue", "pending"):
            assert row.locator(f'td[data-k="{key}"]').inner_text() == number(level[key]), (level, key)
        assert row.locator('td[data-k="completion_pct"]').inner_text() == percent(level["completion_pct"])
    for subject, result in expected["results"].items():
        row = page.locator(f'[data-testid="results"] tr[data-subject="{subject}"]')
        for key in ("total", "evaluated", "excellent", "good", "completed", "not_completed"):
            assert row.locator(f'td[data-k="{key}"]').inner_text() == number(result[key]), (subject, key)
        assert row.locator('td[data-k="good_or_above_pct"]').inner_text() == percent(result["good_or_above_pct"])
    assert expected["results"]["member"]["evaluated"] == 18
    assert page.get_by_test_id("burnup").count() == 1
    assert "CS-2" in page.get_by_test_id("overdue").inner_text()  # CS-2 has not reported: overdue

    # Drill down: the district → the grassroots organization → its branch.
    page.locator('[data-testid="children"] tr[data-code="CS-1"] a').click()
    assert re.search(r"root=CS-1$", page.url) and page.locator("h1").inner_text().startswith("Đảng bộ xã Một")
    shots(page, "08-board-drill-grassroots")
    page.locator('[data-testid="children"] tr[data-code="CS-1-CB1"] a').click()
    assert page.url.endswith(CB1) and page.get_by_test_id("state-grassroots_review").inner_text() == "Đã chấp nhận"
    shots(page, "09-board-drill-branch")

    # English, on request.
    page.get_by_test_id("lang").click()
    assert "Audit trail" in page.content()
    shots(page, "10-board-branch-english")
    board.close()


def test_on_a_phone(browser, site, shots) -> None:
    phone, page = sign_in(browser, site, "admin", viewport={"width": 390, "height": 844}, is_mobile=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1  # wide tables scroll inside their card, the page itself does not
    shots(page, "phone-campaign")
    page.goto(site.url + f"{CAMPAIGN}/units/CS-2")
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
    shots(page, "phone-unit")
    phone.close()
