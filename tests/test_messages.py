"""Message text from the templates: every kind in both languages, the Vietnamese date, SMS in one segment, and
what users type escaped for the output it goes into (Markdown that Apprise turns into HTML, SMS, titles)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

from notifications.messages import (
    Deadline,
    NoticeContext,
    markdown_text,
    plain_text,
    render,
    render_digest,
    render_failures,
    render_sms,
    vn_date,
)

KINDS = ["plan_issued", "reminder", "due_today", "overdue", "escalation", "catch_up"]


def context(kind: str, **changes: object) -> NoticeContext:
    values: dict[str, object] = dict(
        kind=kind,
        days=3,
        campaign_title="Kiểm điểm, đánh giá, xếp loại chất lượng năm 2026",
        plan_number="45-KH/HU",
        unit_name="Đảng bộ xã Trung Lập Thượng",
        unit_code="XA-TRUNGLAPTHUONG",
        milestone_title="Hoàn thành kiểm điểm, đánh giá, xếp loại và báo cáo kết quả cấp cơ sở",
        deadline=dt.date(2026, 12, 10),
        replaces=("overdue:1@2026-12-10", "escalation:2@2026-12-10"),
    )
    values.update(changes)
    return NoticeContext(**values)  # type: ignore[arg-type]


def test_vietnamese_dates() -> None:
    assert vn_date(dt.date(2026, 12, 10)) == "thứ Năm, ngày 10/12/2026"
    assert vn_date(dt.date(2026, 12, 13)) == "Chủ nhật, ngày 13/12/2026"


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_in_vietnamese_then_english(kind: str) -> None:
    title, body = render(context(kind))
    assert title.startswith("[45-KH/HU] ")
    vietnamese, english = body.split("\n\n---\n\n")
    assert "Đảng bộ xã Trung Lập Thượng (XA-TRUNGLAPTHUONG)" in vietnamese
    assert any(word in english for word in ("To ", "has not completed"))
    if kind != "plan_issued":
        assert "thứ Năm, ngày 10/12/2026" in vietnamese and "10/12/2026" in english
    if kind == "catch_up":
        assert "thay cho 2 thông báo" in vietnamese and "replaces 2 notices" in english


def test_missing_children_and_link() -> None:
    _title, body = render(context("reminder", missing_children=("CB-1", "CB-2"), link="https://kd.example.vn/u/X"))
    assert "chưa hoàn thành: CB-1, CB-2" in body and "not yet done: CB-1, CB-2" in body
    assert body.count("https://kd.example.vn/u/X") == 2


@pytest.mark.parametrize("kind", KINDS)
def test_sms_is_unaccented_and_fits_one_segment(kind: str) -> None:
    text = render_sms(context(kind))
    assert len(text) <= 160 and text.isascii()
    assert "XA-TRUNGLAPTHUONG" in text or kind == "plan_issued"


# What our templates produce after Markdown → HTML; anything else came from a user.
OUR_TAGS = {"p", "strong", "em", "hr", "ol", "ul", "li", "br"}


@dataclass
class Html:
    tags: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)
    text: str = ""


def parse_html(markup: str) -> Html:
    """Elements with their attributes, and the text a person sees (entities decoded, whitespace collapsed)."""
    found = Html()
    pieces: list[str] = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.tags.append((tag, dict(attrs)))

        def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.tags.append((tag, dict(attrs)))

        def handle_data(self, data: str) -> None:
            pieces.append(data)

    parser = Parser(convert_charrefs=True)
    parser.feed(markup)
    parser.close()
    found.text = " ".join("".join(pieces).split())
    return found


def assert_no_injection(html: Html) -> None:
    assert {tag for tag, _ in html.tags} <= OUR_TAGS, html.tags
    values = [str(value).lower() for _, attrs in html.tags for value in attrs.values()]
    assert not any("javascript:" in v or "evil.example" in v for v in values), html.tags
    assert not any(attrs for _, attrs in html.tags), html.tags  # our Markdown makes no attribute at all


# What a hostile user may type into names, codes, titles and reasons: tags, Markdown links and images, a script,
# Markdown syntax, entities, and line breaks meant to inject an email header or start a Markdown block.
HOSTILE = dict(
    unit_name="Chi bộ <Số 1> [x](javascript:alert(1)) ![](http://evil.example/i.png)\r\nX-Injected: yes",
    unit_code="CB_1*<b>x</b>",
    campaign_title="Kiểm điểm <i>2026</i> `mã` **đậm** &#106;avascript:\nX-Injected: yes",
    plan_number="45-KH/HU<img src=http://evil.example/p.png>",
    milestone_title='Hoàn thành [kiểm điểm](http://evil.example/m) <a href="javascript:alert(1)">x</a>\r\nBcc: a@b',
    missing_children=("<script>alert(1)</script>", "Chi bộ #2 | _ấp_ 2 \\"),
    reason='<a href="http://evil.example/">x</a><img src="http://evil.example/p.png">\n# Tiêu đề\n> trích',
    sender="Ban <b>Tổ chức</b> [x](javascript:alert(1))",
    contact="đ/c *A* <script>alert(1)</script>\r\nBcc: a@b",
    to=("Tổ <i>công tác</i> [1](http://evil.example/g)",),
    deadlines=(Deadline("làm <b>x</b> [y](javascript:alert(1))", "t", dt.date(2026, 12, 10)),),
)
ALL_KINDS = [*KINDS, "returned"]


def seen(value: str) -> str:
    """How a person must see a value: as typed, on one line."""
    return " ".join(value.split())


def as_html(markdown_body: str) -> Html:
    from apprise.conversion import markdown_to_html

    return parse_html(markdown_to_html(markdown_body))  # type: ignore[no-untyped-call]


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_hostile_values_are_text_in_the_html_of_every_kind(kind: str) -> None:
    title, body = render(context(kind, **HOSTILE))
    assert title.isprintable()  # no CR/LF: an email header cannot be injected through the subject
    subject = HOSTILE["campaign_title"] if kind == "plan_issued" else HOSTILE["milestone_title"]
    assert title.endswith(seen(str(subject))), title
    html = as_html(body)
    assert_no_injection(html)
    unit = seen(f"{HOSTILE['unit_name']} ({HOSTILE['unit_code']})")
    assert html.text.count(unit) == 2, html.text  # Vietnamese and English
    assert seen(", ".join(HOSTILE["missing_children"])) in html.text
    if kind == "plan_issued":
        assert f"Kế hoạch {HOSTILE['plan_number']} về {seen(str(HOSTILE['campaign_title']))} đã được" in html.text
    else:
        what = seen(str(HOSTILE["milestone_title"]))
        assert html.text.count(f"“{what}”") == 2, html.text  # the task's name, quoted, in both languages
        assert "«" not in html.text and "»" not in html.text
    if kind == "returned":
        assert f"Lý do: {seen(str(HOSTILE['reason']))}." in html.text
    assert f"Nơi gửi: {HOSTILE['sender']}. Liên hệ: {seen(str(HOSTILE['contact']))}." in html.text
    assert f"From: {HOSTILE['sender']}. Contact: {seen(str(HOSTILE['contact']))}." in html.text
    if kind in ("escalation", "catch_up"):
        assert seen(str(HOSTILE["to"][0])) in html.text
    if kind == "plan_issued":
        assert "Làm <b>x</b> [y](javascript:alert(1)): đến hết thứ Năm, ngày 10/12/2026." in html.text


def test_hostile_digest_and_failure_report() -> None:
    title, body = render_digest([context(kind, **HOSTILE) for kind in ALL_KINDS], str(HOSTILE["plan_number"]))
    assert title.isprintable()
    html = as_html(body)
    assert_no_injection(html)
    assert f"Nhắc việc: còn 3 ngày — {seen(str(HOSTILE['milestone_title']))} ({HOSTILE['unit_code']})" in html.text
    assert f"Báo cáo cấp trên: {seen(str(HOSTILE['unit_name']))} ({HOSTILE['unit_code']})" in html.text
    rows = [(str(HOSTILE["unit_code"]), "reminder", "smtp: 550 <b>[x](javascript:alert(1))</b>\r\nBcc: a@b")]
    title, body = render_failures(rows)
    assert title.isprintable()
    html = as_html(body)
    assert_no_injection(html)
    assert f"{HOSTILE['unit_code']}: reminder — smtp: 550 <b>[x](javascript:alert(1))</b> Bcc: a@b" in html.text


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_hostile_sms_is_one_clean_line(kind: str) -> None:
    text = render_sms(context(kind, **HOSTILE))
    assert text.isprintable() and text.isascii() and len(text) <= 160


def test_escaping_keeps_the_text_and_drops_only_control_characters() -> None:
    assert plain_text("Chi bộ\r\n\tSố 1\x00\x1b[31m\u202eđỏ") == "Chi bộ Số 1[31mđỏ"
    assert markdown_text("Chi bộ <Số 1> & [x](y) *a* _b_ `c` #d |e \\") == (
        "Chi bộ &lt;Số 1&gt; &amp; \\[x\\](y) \\*a\\* \\_b\\_ \\`c\\` \\#d \\|e \\\\"
    )
    assert markdown_text("Đảng bộ xã Trung Lập Thượng (XA-TRUNGLAPTHUONG), 45-KH/HU") == (
        "Đảng bộ xã Trung Lập Thượng (XA-TRUNGLAPTHUONG), 45-KH/HU"
    )
