"""Message text from the templates: every kind in both languages, the Vietnamese date, SMS in one segment."""

from __future__ import annotations

import datetime as dt

import pytest

from notifications.messages import NoticeContext, render, render_sms, vn_date

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
