"""What each notice says (issue 9, item 6): the launch notice lists the unit's deadlines; sentences use the
milestone's action phrase (the title only as a quoted name); the escalation greets and asks; the catch-up says
where the task stands; every message names its sender, a contact and how to report; English counts agree;
SMS deadlines read "den het"/"han", never "truoc"; quotes are “ ”, never « »."""

from __future__ import annotations

import datetime as dt

import pytest

from models.enums import NoticeKind
from notifications.messages import Deadline, render, render_digest, render_sms
from tests.test_messages import context

ACTION = "hoàn thành kiểm điểm, đánh giá, xếp loại và báo cáo kết quả"
SIGNED = dict(sender="Ban Tổ chức Huyện ủy Củ Chi", contact="đồng chí Nguyễn Văn A, điện thoại 0283 123 4567")
KINDS = [kind.value for kind in NoticeKind]


def body(kind: str, **changes: object) -> tuple[str, str]:
    _title, text = render(context(kind, **changes))
    vietnamese, english = text.split("\n\n---\n\n")
    return vietnamese, english


def test_the_launch_notice_lists_the_units_deadlines() -> None:
    deadlines = (
        Deadline("ban hành kế hoạch của đơn vị", "Kế hoạch của đơn vị", dt.date(2026, 11, 27)),
        Deadline(None, "Kiểm điểm cấp cơ sở", dt.date(2026, 12, 10)),
    )
    vietnamese, english = body("plan_issued", deadlines=deadlines, **SIGNED)
    assert "- Ban hành kế hoạch của đơn vị: đến hết **thứ Sáu, ngày 27/11/2026**;" in vietnamese
    assert "- Hoàn thành nhiệm vụ “Kiểm điểm cấp cơ sở”: đến hết **thứ Năm, ngày 10/12/2026**." in vietnamese
    assert "- “ban hành kế hoạch của đơn vị”: by the end of **27/11/2026**;" in english
    assert "han 27/11, han 10/12" in render_sms(context("plan_issued", deadlines=deadlines))


def test_sentences_use_the_action_phrase_and_quote_a_title() -> None:
    with_action, _ = body("reminder", action=ACTION)
    assert f"Đề nghị đơn vị {ACTION} đúng hạn." in with_action
    title_only, _ = body("reminder")
    assert "Đề nghị đơn vị hoàn thành nhiệm vụ “Hoàn thành kiểm điểm, đánh giá" in title_only
    assert "để hoàn thành “Hoàn thành" not in title_only and "«" not in title_only


def test_the_escalation_greets_the_supervising_unit_and_asks_it_to_follow_up() -> None:
    to = ("Huyện ủy Củ Chi (HU-CUCHI)", "Tổ công tác số 1")
    vietnamese, english = body("escalation", days=2, action=ACTION, to=to, **SIGNED)
    assert vietnamese.startswith("Kính gửi **Huyện ủy Củ Chi (HU-CUCHI); Tổ công tác số 1**:")
    assert "Đề nghị các đồng chí đôn đốc, hướng dẫn đơn vị khẩn trương hoàn thành" in vietnamese
    assert "về Ban Tổ chức Huyện ủy Củ Chi." in vietnamese
    assert english.startswith("To **Huyện ủy Củ Chi (HU-CUCHI); Tổ công tác số 1**:")
    assert "Please follow up with the unit" in english and "**2 days** overdue" in english


@pytest.mark.parametrize(
    ("late", "vi", "en"),
    [
        (4, "đã **quá hạn 4 ngày** (hạn thứ Năm, ngày 10/12/2026)", "**4 days overdue**"),
        (1, "đã **quá hạn 1 ngày**", "**1 day overdue**"),
        (0, "Hôm nay, **thứ Năm, ngày 10/12/2026**, là hạn cuối", "is the deadline"),
        (-2, "Còn **2 ngày** đến hạn", "**2 days** left"),
    ],
)
def test_the_catch_up_says_where_the_task_stands(late: int, vi: str, en: str) -> None:
    vietnamese, english = body("catch_up", late_days=late, action=ACTION, to=("Huyện ủy Củ Chi (HU-CUCHI)",))
    assert vi in vietnamese and en in english
    assert "Đồng gửi Huyện ủy Củ Chi (HU-CUCHI) để đôn đốc." in vietnamese
    if late > 0:
        assert "Đề nghị đơn vị khẩn trương hoàn thành và báo cáo ngay." in vietnamese
        assert render(context("catch_up", late_days=late))[0].startswith("[45-KH/HU] Cập nhật tình hình: quá hạn")


@pytest.mark.parametrize("kind", KINDS)
def test_every_message_names_its_sender_a_contact_and_how_to_report(kind: str) -> None:
    vietnamese, english = body(kind, **SIGNED)
    assert (
        "Nơi gửi: Ban Tổ chức Huyện ủy Củ Chi. Liên hệ: đồng chí Nguyễn Văn A, điện thoại 0283 123 4567." in vietnamese
    )
    assert "From: Ban Tổ chức Huyện ủy Củ Chi. Contact: đồng chí Nguyễn Văn A" in english
    how = "Cách nộp báo cáo: chưa có trang nộp trực tuyến; đơn vị gửi báo cáo kết quả về Ban Tổ chức Huyện ủy Củ Chi"
    assert (how in vietnamese) == (kind != "escalation")  # the supervising unit reports nothing itself
    linked, _ = body(kind, link="https://kd.example.vn/u/X", **SIGNED)
    assert "Cách nộp báo cáo" not in linked and "https://kd.example.vn/u/X" in linked
    assert "Ban To chuc Huyen uy Cu Chi: " in render_sms(context(kind, **SIGNED))


def test_without_an_organizer_the_digest_names_the_sender_it_is_given() -> None:
    _title, text = render_digest([context("reminder", sender="Huyện ủy Củ Chi"), context("overdue")], "45-KH/HU")
    assert "Nơi gửi: Huyện ủy Củ Chi." in text and "From: Huyện ủy Củ Chi." in text


@pytest.mark.parametrize("kind", ["reminder", "overdue"])
def test_english_counts_agree(kind: str) -> None:
    _title, text = render(context(kind, days=1, replaces=("x",)))
    assert "1 day" in text and "1 days" not in text
    _, text = render(context(kind, days=2))
    assert "2 days" in text
    _, catch_up = render(context("catch_up", replaces=("x",), late_days=1))
    assert "replaces 1 notice missed" in catch_up and "1 day overdue" in catch_up


def test_the_returned_sms_reads_until_the_end_of_the_day() -> None:
    text = render_sms(context("returned", deadline=dt.date(2026, 12, 15), reason="thiếu biểu 2"))
    assert "nop lai den het 15/12" in text and "truoc" not in text and "Ly do: thieu bieu 2" in text


@pytest.mark.parametrize("kind", KINDS)
def test_an_sms_keeps_the_date_and_the_sender_and_gives_up_the_wording(kind: str) -> None:
    long = dict(SIGNED, action=ACTION + " " + "x" * 200, reason="r" * 300)
    text = render_sms(context(kind, **long))
    assert len(text) <= 160 and text.isascii() and text.startswith("Ban To chuc Huyen uy Cu Chi: ")
    if kind not in ("plan_issued", "rating_decided"):  # a rating has no deadline to keep
        assert "10/12" in text, text


@pytest.mark.parametrize("kind", KINDS)
def test_quotes_are_vietnamese_curly_quotes(kind: str) -> None:
    title, text = render(context(kind, reason="sai số"))
    assert "«" not in title + text and "»" not in title + text


def test_a_digest_entry_carries_what_to_do() -> None:
    returned = context("returned", reason="thiếu biểu 2", deadline=dt.date(2026, 12, 15))
    reminder = context("reminder", action=ACTION, deadline=dt.date(2026, 12, 15))
    escalation = context("escalation", days=2, unit_name="Chi bộ 3", unit_code="CB-3", to=("Đảng ủy xã A (X)",))
    _title, text = render_digest([returned, reminder, escalation], "45-KH/HU")
    vietnamese, english = text.split("\n\n---\n\n")
    assert (
        "Lý do: thiếu biểu 2. Đề nghị đơn vị hoàn thiện và nộp lại đến hết **thứ Ba, ngày 15/12/2026**." in vietnamese
    )
    assert f"Đề nghị đơn vị {ACTION} đúng hạn." in vietnamese
    assert "**Chi bộ 3 (CB-3)** chưa hoàn thành nhiệm vụ" in vietnamese and "đôn đốc" in vietnamese
    assert "Reason: thiếu biểu 2. Please correct it and resubmit by the end of **15/12/2026**." in english
