"""The dashboard over real HTTP (no browser): sign-in and its cookie, rights (403), CSRF, validation next to the field
with nothing stored, the board's files and its once-only reminder, the language switch, `tokens issue --link`."""

from __future__ import annotations

import re
import ssl
from urllib.parse import parse_qs, urlparse

import httpx

from tests.conftest import table_rows

UNIT = "/campaigns/web-2026/units"
SUBMIT = f"{UNIT}/CS-1-CB1/milestones/grassroots_review/submit"
VALID = {
    "member.total": "20",
    "member.evaluated": "18",
    "member.excellent": "2",
    "member.good": "14",
    "member.completed": "2",
    "member.not_evaluated.exempt": "2",
}


# One TLS context for every client: httpx would read the CA bundle again for each (~50 ms of CPU), to speak plain HTTP.
TLS = ssl.create_default_context()


def client(site, **options) -> httpx.Client:
    return httpx.Client(base_url=site.url, timeout=30, verify=TLS, **options)


def signed(site, who: str) -> httpx.Client:
    signed_in = client(site)
    answer = signed_in.get("/signin", params={"token": site.tokens[who]})
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    return signed_in


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def test_sign_in_sets_a_signed_httponly_expiring_cookie(read_only_site) -> None:
    site = read_only_site
    anonymous = client(site).get("/campaigns/web-2026")
    assert anonymous.status_code == 401 and 'name="token"' in anonymous.text
    wrong = client(site).get("/signin", params={"token": "kd_wrong"})
    assert wrong.status_code == 401 and "set-cookie" not in wrong.headers
    answer = client(site).get("/signin", params={"token": site.tokens["CB1"]})
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and "Max-Age=43200" in cookie
    assert site.tokens["CB1"] not in cookie  # the cookie names the token's row, never the token
    value = cookie.split(";")[0].split("=", 1)[1]
    forged = value[:-2] + ("00" if not value.endswith("00") else "11")
    assert client(site, cookies={"kiemdiem_session": forged}).get("/").status_code == 401


def test_revoking_the_token_ends_the_session(site) -> None:
    client = signed(site, "CB1")
    assert client.get(f"{UNIT}/CS-1-CB1").status_code == 200
    assert site.kiemdiem("tokens", "revoke", site.tokens["CB1"][:10]).exit_code == 0
    assert client.get(f"{UNIT}/CS-1-CB1").status_code == 401


def test_a_unit_reads_its_subtree_only_and_posts_for_itself_only(read_only_site) -> None:
    site = read_only_site
    cs1 = signed(site, "CS-1")
    assert cs1.get(f"{UNIT}/CS-1-CB1").status_code == 200  # its child
    assert cs1.get(f"{UNIT}/CS-2").status_code == 403  # a sibling
    assert cs1.get("/campaigns/web-2026", params={"root": "HU-A"}).status_code == 403  # its parent's subtree
    assert cs1.get("/campaigns/web-2026/report.xlsx").status_code == 403  # the board's report
    page = cs1.get(f"{UNIT}/CS-1")
    before = table_rows(site.database_url)
    # a parent posting its child's report form, and a unit posting a sibling's: refused before the form is read
    assert cs1.post(SUBMIT, data={**VALID, "csrf": csrf_of(page.text)}).status_code == 403
    cb2 = signed(site, "CB2")
    token = csrf_of(cb2.get(f"{UNIT}/CS-1-CB2").text)
    assert cb2.get(f"{UNIT}/CS-1-CB1").status_code == 403
    assert cb2.post(SUBMIT, data={**VALID, "csrf": token}).status_code == 403
    # no CSRF token, or another session's
    cb1 = signed(site, "CB1")
    assert cb1.post(SUBMIT, data=VALID).status_code == 403
    assert cb1.post(SUBMIT, data={**VALID, "csrf": token}).status_code == 403
    assert table_rows(site.database_url) == before


def test_an_invalid_report_is_shown_next_to_its_field_and_nothing_is_stored(site) -> None:
    cb1 = signed(site, "CB1")
    token = csrf_of(cb1.get(f"{UNIT}/CS-1-CB1").text)
    before = table_rows(site.database_url)
    wrong = cb1.post(SUBMIT, data={**VALID, "member.good": "15", "member.completed": "abc", "csrf": token})
    assert wrong.status_code == 422
    assert re.search(r'data-field="member.completed">phải là số nguyên', wrong.text)
    assert 'value="15"' in wrong.text  # what was typed is kept
    over = cb1.post(SUBMIT, data={**VALID, "member.total": "10", "csrf": token})
    assert over.status_code == 422 and re.search(r'data-field="member.evaluated">[^<]*lớn hơn tổng số 10', over.text)
    assert table_rows(site.database_url) == before
    done = cb1.post(SUBMIT, data={**VALID, "member.good": "1.4", "csrf": token})  # 1.4 is no count
    assert done.status_code == 422
    ok = cb1.post(SUBMIT, data={**VALID, "csrf": token})
    assert ok.status_code == 303 and "done=submitted" in ok.headers["location"]
    page = cb1.get(ok.headers["location"])
    assert 'data-testid="state-grassroots_review">Đã nộp' in page.text and "web:CS-1-CB1" in page.text


def test_names_are_escaped(read_only_site) -> None:
    site = read_only_site
    page = signed(site, "CS-1").get("/campaigns/web-2026", params={"root": "CS-1"})
    assert "Chi bộ ấp 2 &lt;b&gt;đậm&lt;/b&gt;" in page.text and "<b>đậm</b>" not in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_board_reminds_the_overdue_units_once_and_downloads_its_files(site) -> None:
    board = signed(site, "admin")
    page = board.get("/campaigns/web-2026")
    assert page.status_code == 200 and 'data-testid="board-actions"' in page.text
    token = csrf_of(page.text)
    assert board.post("/campaigns/web-2026/remind", data={"root": "CS-1"}).status_code == 403  # no CSRF token
    first = board.post("/campaigns/web-2026/remind", data={"root": "CS-1", "csrf": token})
    assert first.status_code == 303
    assert parse_qs(urlparse(first.headers["location"]).query)["reminded"] == ["3"]  # CS-1, CB1, CB2
    again = board.post("/campaigns/web-2026/remind", data={"root": "CS-1", "csrf": token})
    assert parse_qs(urlparse(again.headers["location"]).query) == {
        "root": ["CS-1"],
        "reminded": ["0"],
        "already": ["3"],
    }
    rows = table_rows(site.database_url)
    board_rows = [r for r in rows["outbox"] if "|overdue|board@2026-12-12" in str(r)]
    assert len(board_rows) == 3
    assert sum("outbox.remind_overdue" in str(r) for r in rows["audit_log"]) == 2
    xlsx = board.get("/campaigns/web-2026/report.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    pdf = board.get("/campaigns/web-2026/report.pdf", params={"root": "CS-1"})
    assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF"
    form = signed(site, "CB1").get(f"{UNIT}/CS-1-CB1/milestones/grassroots_review/form.xlsx")
    assert form.status_code == 200 and form.content[:2] == b"PK"


def test_english_switch_and_search(read_only_site) -> None:
    site = read_only_site
    board = signed(site, "admin")
    board.get("/lang/en", params={"next": "/campaigns/web-2026"})
    page = board.get("/campaigns/web-2026")
    assert "Progress per level" in page.text
    found = board.get("/campaigns/web-2026/search", params={"q": "ấp 1"})
    assert "CS-1-CB1" in found.text and "CS-2" not in found.text
    assert board.get("/lang/en", params={"next": "//evil.example"}).headers["location"] == "/"


def test_tokens_issue_link(site) -> None:
    ran = site.kiemdiem("tokens", "issue", "CS-1-CB1", "--link")
    assert ran.exit_code == 0
    link = ran.stdout.strip()
    assert link.startswith("http://127.0.0.1:8000/signin?token=kd_")
    token = parse_qs(urlparse(link).query)["token"][0]
    assert client(site).get("/signin", params={"token": token}).status_code == 303


def test_board_extends_and_exempts_parent_returns_with_a_reason(site) -> None:
    board = signed(site, "admin")
    page = board.get(f"{UNIT}/CS-2")
    token = csrf_of(page.text)
    path = f"{UNIT}/CS-2/milestones/grassroots_review"
    late = board.post(f"{path}/extend", data={"until": "2026-12-01", "reason": "Bão lũ", "csrf": token})
    assert late.status_code == 422 and 'data-field="until"' in late.text  # the new deadline has passed
    extended = board.post(f"{path}/extend", data={"until": "2026-12-20", "reason": "Bão lũ", "csrf": token})
    assert extended.status_code == 303
    page = board.get(extended.headers["location"])
    assert "20/12/2026 (đã gia hạn)" in page.text and "Bão lũ" in page.text
    assert board.post(f"{path}/exempt", data={"reason": "", "csrf": token}).status_code == 422
    assert board.post(f"{path}/exempt", data={"reason": "Sáp nhập", "csrf": token}).status_code == 303
    assert 'data-testid="state-grassroots_review">Miễn' in board.get(f"{UNIT}/CS-2").text
    cb1 = signed(site, "CB1")
    cb1_token = csrf_of(cb1.get(f"{UNIT}/CS-1-CB1").text)
    assert cb1.post(SUBMIT, data={**VALID, "csrf": cb1_token}).status_code == 303
    cs1 = signed(site, "CS-1")
    cs1_token = csrf_of(cs1.get(f"{UNIT}/CS-1-CB1").text)
    decide = f"{UNIT}/CS-1-CB1/milestones/grassroots_review/decide"
    no_reason = cs1.post(decide, data={"action": "return", "csrf": cs1_token})
    assert no_reason.status_code == 422 and 'data-field="reason"' in no_reason.text
    returned = cs1.post(decide, data={"action": "return", "reason": "Thiếu số liệu", "csrf": cs1_token})
    assert returned.status_code == 303
    assert 'data-testid="state-grassroots_review">Trả lại để hoàn thiện' in cs1.get(f"{UNIT}/CS-1-CB1").text
    assert (
        cs1.post(
            f"{UNIT}/CS-2/milestones/grassroots_review/decide", data={"action": "accept", "csrf": cs1_token}
        ).status_code
        == 403
    )


def test_the_parent_decides_a_branchs_rating_beside_its_self_rating(site) -> None:
    """Self-rating in the unit's form, decision by the level above on the unit's page; the unit cannot decide its
    own rating (403) and the quota across the parent's group is shown beside the form, nothing stored."""
    cb1 = signed(site, "CB1")
    page = cb1.get(f"{UNIT}/CS-1-CB1")
    answer = cb1.post(SUBMIT, data={**VALID, "self_rating": "excellent", "csrf": csrf_of(page.text)})
    assert answer.status_code == 303, answer.text
    mine = cb1.get(f"{UNIT}/CS-1-CB1").text
    assert 'data-testid="self-rating">Hoàn thành xuất sắc nhiệm vụ<' in mine and 'data-testid="decision">—<' in mine
    rating = f"{UNIT}/CS-1-CB1/rating"
    before = table_rows(site.database_url)
    assert cb1.post(rating, data={"rating": "excellent", "csrf": csrf_of(mine)}).status_code == 403
    cs1 = signed(site, "CS-1")
    token = csrf_of(cs1.get(f"{UNIT}/CS-1-CB1").text)
    over = cs1.post(rating, data={"rating": "excellent", "csrf": token})  # 1 excellent, 0 good in the group
    assert over.status_code == 422 and "vượt mức 20%" in over.text and 'data-field="rating"' in over.text
    assert table_rows(site.database_url) == before
    decided = cs1.post(rating, data={"rating": "good", "csrf": token})
    assert decided.status_code == 303, decided.text
    shown = cs1.get(f"{UNIT}/CS-1-CB1").text
    assert 'data-testid="decision">Hoàn thành tốt nhiệm vụ<' in shown
    group = cs1.get(f"{UNIT}/CS-1").text  # the parent's own page lists the units it decides
    assert 'data-testid="rating-group"' in group and "Chi bộ ấp 1" in group


def test_an_amended_deadline_shows_on_the_unit_page(site) -> None:
    amended = site.kiemdiem(
        "campaign", "amend", "web-2026", "--milestone", "grassroots_review", "--deadline", "2026-12-20",
        "--unit", "CS-1", "--document", "77-CV/HU", "--reason", "Lùi hạn", "--at", "2026-12-12T09:00:00+07:00",
    )  # fmt: skip
    assert amended.exit_code == 0, amended.stderr
    page = signed(site, "CB1").get(f"{UNIT}/CS-1-CB1").text
    assert 'data-testid="amendments"' in page and "77-CV/HU" in page and "20/12/2026" in page
    other = signed(site, "CS-2").get(f"{UNIT}/CS-2").text
    assert "77-CV/HU" not in other  # a sibling's subtree amendment is not this unit's
