"""The words of each notice, from the Jinja2 templates in notifications/templates: Vietnamese first, then
English; Markdown for channels that render it, short unaccented text for SMS."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

WEEKDAYS_VI = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
TEMPLATES = Path(__file__).parent / "templates"
SMS_SEGMENT = 160


def vn_date(day: dt.date) -> str:
    """`thứ Năm, ngày 10/12/2026`."""
    return f"{WEEKDAYS_VI[day.weekday()]}, ngày {day:%d/%m/%Y}"


def unaccented(text: str) -> str:
    """Vietnamese without diacritics (`Đảng bộ` → `Dang bo`): what fits a 160-character SMS segment."""
    plain = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in plain if not unicodedata.combining(ch))


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
    link: str | None = None
    reason: str = ""

    def variables(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "days": self.days,
            "campaign": self.campaign_title,
            "plan": self.plan_number,
            "unit": f"{self.unit_name} ({self.unit_code})",
            "code": self.unit_code,
            "what": self.milestone_title or self.campaign_title,
            "due": vn_date(self.deadline) if self.deadline else "",
            "due_en": f"{self.deadline:%d/%m/%Y}" if self.deadline else "",
            "due_short": f"{self.deadline:%d/%m}" if self.deadline else "",
            "missing": list(self.missing_children),
            "replaces": len(self.replaces),
            "link": self.link,
            "reason": self.reason,
        }


@lru_cache(maxsize=1)
def _environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    return Environment(
        loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined, keep_trailing_newline=False, autoescape=False
    )


def _notice(ctx: NoticeContext, language: str) -> tuple[str, str]:
    text = _environment().get_template(f"notice.{language}.j2").render(**ctx.variables())
    body, _, subject = text.rpartition("\x00")
    return subject.strip(), body.strip()


def render(ctx: NoticeContext) -> tuple[str, str]:
    """Title (Vietnamese) and Markdown body (Vietnamese, then English) of one notice."""
    subject_vi, body_vi = _notice(ctx, "vi")
    _subject_en, body_en = _notice(ctx, "en")
    return f"[{ctx.plan_number}] {subject_vi}", f"{body_vi}\n\n---\n\n{body_en}"


def render_sms(ctx: NoticeContext) -> str:
    """One SMS segment where possible: unaccented Vietnamese, cut at 160 characters."""
    text = unaccented(_environment().get_template("sms.j2").render(**ctx.variables()).strip())
    return text if len(text) <= SMS_SEGMENT else text[: SMS_SEGMENT - 1] + "…"


def render_digest(contexts: list[NoticeContext], plan_number: str) -> tuple[str, str]:
    """One message listing every due notice of one recipient (a secretary with 40 overdue branches gets one)."""
    kinds = {c.kind for c in contexts}
    headline = "Báo cáo cấp trên" if kinds == {"escalation"} else "Tổng hợp thông báo"
    items = []
    for ctx in contexts:
        variables = ctx.variables()
        items.append({**variables, "subject_vi": _notice(ctx, "vi")[0], "subject_en": _notice(ctx, "en")[0]})
    environment = _environment()
    body_vi = environment.get_template("digest.vi.j2").render(items=items).strip()
    body_en = environment.get_template("digest.en.j2").render(items=items).strip()
    title = f"[{plan_number}] {headline}: {len(contexts)} thông báo / {len(contexts)} notices"
    return title, f"{body_vi}\n\n---\n\n{body_en}"


def render_failures(rows: list[tuple[str, str, str]]) -> tuple[str, str]:
    """To the admin: notices that could not be delivered after every retry (unit, kind, last error)."""
    title = f"Không gửi được {len(rows)} thông báo / {len(rows)} notices could not be delivered"
    lines = [f"- {unit}: {kind} — {error}" for unit, kind, error in rows]
    return title, "\n".join(["Các thông báo sau đã hết số lần thử / these notices failed after every retry:", *lines])
