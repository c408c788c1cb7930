"""The dashboard's words and number formats: Vietnamese first (`8.159`, `87,9%`, `10/12/2026`), English on request,
and the Jinja2 environment (autoescape on) that gives every template `t(vi, en)` and the formats."""

import datetime as dt
from pathlib import Path
from typing import Any

import pendulum
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape

from models.reports import SUBJECT_VI
from service.numbers import vn_int

TEMPLATES = Path(__file__).parent / "templates"
LANGUAGES = ("vi", "en")

LEVELS = {
    "central": ("Trung ương", "Central"),
    "province": ("Tỉnh ủy, thành ủy", "Province"),
    "district": ("Huyện ủy, quận ủy, thị ủy", "District"),
    "commune": ("Đảng ủy xã, phường, đặc khu", "Commune"),
    "bloc": ("Đảng ủy khối", "Bloc committee"),
    "grassroots": ("Tổ chức cơ sở đảng", "Grassroots"),
    "branch": ("Chi bộ trực thuộc", "Branch"),
}
STATES = {
    "pending": ("Chưa thực hiện", "Pending"),
    "in_progress": ("Đang thực hiện", "In progress"),
    "submitted": ("Đã nộp", "Submitted"),
    "accepted": ("Đã chấp nhận", "Accepted"),
    "returned": ("Trả lại để hoàn thiện", "Returned"),
    "exempt": ("Miễn", "Exempt"),
}
NOTICE_KINDS = {
    "plan_issued": ("Triển khai kế hoạch", "Plan issued"),
    "reminder": ("Nhắc việc", "Reminder"),
    "due_today": ("Hạn cuối hôm nay", "Due today"),
    "overdue": ("Quá hạn", "Overdue"),
    "escalation": ("Báo cáo cấp trên", "Escalation"),
    "catch_up": ("Cập nhật", "Catch-up"),
    "returned": ("Trả lại", "Returned"),
    "deadline_changed": ("Đổi hạn", "Deadline changed"),
    "rating_decided": ("Quyết định xếp loại", "Rating decided"),
    "decision_due": ("Chờ quyết định xếp loại", "Decision due"),
    "decision_overdue": ("Quá hạn quyết định xếp loại", "Decision overdue"),
    "at_risk": ("Dự báo nguy cơ chậm", "At risk"),
}
NOTICE_STATES = {
    "sent": ("đã gửi", "delivered"),
    "pending": ("chờ gửi", "waiting"),
    "sending": ("đang gửi", "sending"),
    "failed": ("không gửi được", "failed"),
    "skipped": ("bỏ qua", "skipped"),
    "uncertain": ("có thể chưa đến", "uncertain"),
}
RISK_LEVELS = {"high": ("Cao", "High"), "medium": ("Trung bình", "Medium"), "low": ("Thấp", "Low")}
SUBJECTS = {s: (vi[0].upper() + vi[1:], s.replace("_", " ").capitalize()) for s, vi in SUBJECT_VI.items()}
QUALITY = (
    ("excellent", "Hoàn thành xuất sắc nhiệm vụ", "Excellent"),
    ("good", "Hoàn thành tốt nhiệm vụ", "Good"),
    ("completed", "Hoàn thành nhiệm vụ", "Completed"),
    ("not_completed", "Không hoàn thành nhiệm vụ", "Not completed"),
)
COUNTS = (("total", "Tổng số", "Total"), ("evaluated", "Được đánh giá", "Evaluated"), *QUALITY)
NOT_RATED = (
    ("exempt", "Miễn công tác và sinh hoạt đảng", "Exempt from party work"),
    ("suspended", "Đình chỉ sinh hoạt đảng", "Suspended"),
    ("new", "Kết nạp dưới 6 tháng", "Admitted under 6 months"),
    ("other", "Lý do khác", "Other"),
)


def number(value: int, lang: str = "vi") -> str:
    return vn_int(int(value)) if lang == "vi" else f"{int(value):,}"


def percent(value: float, lang: str = "vi") -> str:
    text = f"{value:.1f}%"
    return text.replace(".", ",") if lang == "vi" else text


def date(value: dt.date | None) -> str:
    return "" if value is None else f"{value:%d/%m/%Y}"


def when(value: dt.datetime | None, timezone: str = "Asia/Ho_Chi_Minh") -> str:
    return "" if value is None else pendulum.instance(value).in_timezone(timezone).format("HH:mm DD/MM/YYYY")


def clock_time(value: dt.datetime | None, timezone: str = "Asia/Ho_Chi_Minh") -> str:
    """An instant to the second, local: `09:12:05 12/12/2026`."""
    return "" if value is None else pendulum.instance(value).in_timezone(timezone).format("HH:mm:ss DD/MM/YYYY")


def word(table: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    pair = table.get(key)
    return key if pair is None else pair[0 if lang == "vi" else 1]


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )

    @pass_context
    def t(context: Any, vi: str, en: str) -> str:
        return vi if context.get("lang", "vi") == "vi" else en

    @pass_context
    def num(context: Any, value: int) -> str:
        return number(value, context.get("lang", "vi"))

    @pass_context
    def pct(context: Any, value: float) -> str:
        return percent(value, context.get("lang", "vi"))

    @pass_context
    def name_of(context: Any, kind: str, key: str) -> str:
        tables = {
            "level": LEVELS,
            "state": STATES,
            "notice": NOTICE_KINDS,
            "sent": NOTICE_STATES,
            "subject": SUBJECTS,
            "rating": {key: (vi, en) for key, vi, en in QUALITY},
            "risk": RISK_LEVELS,
        }
        return word(tables[kind], key, context.get("lang", "vi"))

    @pass_context
    def seconds(context: Any, value: float) -> str:
        text = f"{value:.1f} s" if value >= 1 else f"{value * 1000:.0f} ms"
        return text.replace(".", ",") if context.get("lang", "vi") == "vi" else text

    env.globals.update(t=t, num=num, pct=pct, name_of=name_of, QUALITY=QUALITY, COUNTS=COUNTS, NOT_RATED=NOT_RATED)
    env.globals.update(seconds=seconds)
    env.globals.update(SUBJECTS=list(SUBJECTS))
    env.filters.update(date=date, when=when, clock=clock_time)
    return env
