"""The words of each notice, Vietnamese first, then English."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

WEEKDAYS_VI = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")


def vn_date(day: dt.date) -> str:
    """`thứ Năm, ngày 10/12/2026`."""
    return f"{WEEKDAYS_VI[day.weekday()]}, ngày {day:%d/%m/%Y}"


@dataclass(frozen=True)
class NoticeContext:
    kind: str
    days: int
    campaign_title: str
    plan_number: str
    unit_name: str
    unit_code: str
    milestone_title: str | None
    deadline: dt.date | None
    missing_children: tuple[str, ...] = ()
    replaces: tuple[str, ...] = ()


def render(ctx: NoticeContext) -> tuple[str, str]:
    """Title and body of a notice."""
    due = f"hạn {vn_date(ctx.deadline)}" if ctx.deadline else ""
    due_en = f"due {ctx.deadline:%d/%m/%Y}" if ctx.deadline else ""
    what = ctx.milestone_title or ctx.campaign_title
    lines_vi, lines_en = _lines(ctx, what, due, due_en)
    title = f"[{ctx.plan_number}] {lines_vi[0]}"
    body = "\n".join([*lines_vi, "", *lines_en])
    if ctx.missing_children:
        body += "\n\nĐơn vị trực thuộc chưa hoàn thành / subordinate units not yet done: " + ", ".join(
            ctx.missing_children
        )
    return title, body


def _lines(ctx: NoticeContext, what: str, due: str, due_en: str) -> tuple[list[str], list[str]]:
    unit = f"{ctx.unit_name} ({ctx.unit_code})"
    match ctx.kind:
        case "plan_issued":
            return (
                [f"Triển khai {ctx.campaign_title}", f"Kính gửi {unit}: kế hoạch {ctx.plan_number} đã ban hành."],
                [f"Campaign launched: {ctx.campaign_title}", f"To {unit}: plan {ctx.plan_number} is issued."],
            )
        case "reminder":
            return (
                [f"Nhắc việc: còn {ctx.days} ngày — {what}", f"Kính gửi {unit}: {what}, {due}."],
                [f"Reminder: {ctx.days} days left — {what}", f"To {unit}: {what}, {due_en}."],
            )
        case "due_today":
            return (
                [f"Hôm nay là hạn cuối — {what}", f"Kính gửi {unit}: {what}, {due}."],
                [f"Due today — {what}", f"To {unit}: {what}, {due_en}."],
            )
        case "overdue":
            return (
                [f"Quá hạn {ctx.days} ngày — {what}", f"Kính gửi {unit}: {what} đã quá {due}."],
                [f"Overdue by {ctx.days} days — {what}", f"To {unit}: {what} is past its deadline ({due_en})."],
            )
        case "escalation":
            return (
                [
                    f"Báo cáo cấp trên: {unit} quá hạn {ctx.days} ngày — {what}",
                    f"{unit} chưa hoàn thành {what} ({due}).",
                ],
                [
                    f"Escalation: {unit} overdue by {ctx.days} days — {what}",
                    f"{unit} has not completed {what} ({due_en}).",
                ],
            )
        case _:
            return (
                [
                    f"Cập nhật tình hình — {what}",
                    f"Kính gửi {unit}: {what}, {due}. Thông báo này thay cho "
                    f"{len(ctx.replaces)} thông báo bị lỡ khi hệ thống tạm ngừng.",
                ],
                [
                    f"Status update — {what}",
                    f"To {unit}: {what}, {due_en}. This notice replaces "
                    f"{len(ctx.replaces)} notices missed while the service was down.",
                ],
            )


def render_digest(contexts: list[NoticeContext], plan_number: str) -> tuple[str, str]:
    """One message listing every due notice of one recipient (e.g. a secretary with 40 overdue branches)."""
    kinds = {c.kind for c in contexts}
    headline = "Báo cáo cấp trên" if kinds == {"escalation"} else "Tổng hợp thông báo"
    title = f"[{plan_number}] {headline}: {len(contexts)} thông báo / {len(contexts)} notices"
    lines_vi, lines_en = [], []
    for number, ctx in enumerate(contexts, start=1):
        what = ctx.milestone_title or ctx.campaign_title
        vi, en = _lines(ctx, what, "", "")
        unit = f" ({ctx.unit_code})" if ctx.kind != "escalation" else ""
        due_vi = f", hạn {vn_date(ctx.deadline)}" if ctx.deadline and ctx.kind != "plan_issued" else ""
        due_en = f", due {ctx.deadline:%d/%m/%Y}" if ctx.deadline and ctx.kind != "plan_issued" else ""
        lines_vi.append(f"{number}. {vi[0]}{unit}{due_vi}")
        lines_en.append(f"{number}. {en[0]}{unit}{due_en}")
    body = "\n".join([f"{len(contexts)} thông báo:", *lines_vi, "", f"{len(contexts)} notices:", *lines_en])
    return title, body


def render_failures(codes: list[tuple[str, str, str]]) -> tuple[str, str]:
    """To the admin: notices that could not be delivered after every retry (unit, kind, last error)."""
    title = f"Không gửi được {len(codes)} thông báo / {len(codes)} notices could not be delivered"
    lines = [f"- {unit}: {kind} — {error}" for unit, kind, error in codes]
    return title, "\n".join(["Các thông báo sau đã hết số lần thử / these notices failed after every retry:", *lines])
