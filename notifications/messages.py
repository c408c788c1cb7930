"""The words of each notice, from the Jinja2 templates in notifications/templates: Vietnamese first, then
English; Markdown for channels that render it, short unaccented text for SMS.

Everything a template prints comes from users (unit names and codes, titles, plan numbers, reasons) or is safe
to treat as if it did, so each environment escapes every `{{ … }}` in one place, its `finalize`: the Markdown one
for Markdown (Apprise turns it into the HTML of an email: no user tag, link or image may survive, the text must
still read as typed), the text one for SMS and titles (control characters and line breaks removed)."""

from __future__ import annotations

import datetime as dt
import html
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

WEEKDAYS_VI = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
TEMPLATES = Path(__file__).parent / "templates"
SMS_SEGMENT = 160
# Bidirectional embeddings, overrides and isolates: invisible, and they make text read other than it is stored.
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Inline Markdown syntax that Python-Markdown (Apprise's converter) lets a backslash escape: emphasis, code,
# links and images, headings, tables. `<`, `>` and `&` become HTML entities instead, so no tag or entity survives.
MARKDOWN_SYNTAX = re.compile(r"([\\`*_\[\]#|])")


def plain_text(value: object) -> str:
    """One line of text as typed, minus control characters: line breaks and tabs become one space (a title with
    CR/LF would inject an email header), other control and bidi characters are dropped."""
    text = BIDI_CONTROLS.sub("", str(value))
    text = " ".join(text.split())
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cc")


def markdown_text(value: object) -> str:
    """`plain_text` that Markdown shows as typed: `Chi bộ <Số 1>` stays that text, `[x](javascript:…)` no link."""
    return MARKDOWN_SYNTAX.sub(r"\\\1", html.escape(plain_text(value), quote=False))


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


@lru_cache(maxsize=2)
def _environment(output: str = "markdown") -> Any:
    """Templates for `markdown` (every printed value through `markdown_text`) or `text` (through `plain_text`)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        keep_trailing_newline=False,
        autoescape=False,  # HTML escaping alone would leave Markdown links and images: `finalize` does both
        finalize=markdown_text if output == "markdown" else plain_text,
    )


def _notice(ctx: NoticeContext, language: str) -> tuple[str, str]:
    """The notice's subject (plain text, set by the template as `subject`) and its Markdown body."""
    module = _environment().get_template(f"notice.{language}.j2").make_module(ctx.variables())
    return plain_text(module.subject), str(module).strip()


def render(ctx: NoticeContext) -> tuple[str, str]:
    """Title (Vietnamese) and Markdown body (Vietnamese, then English) of one notice."""
    subject_vi, body_vi = _notice(ctx, "vi")
    _subject_en, body_en = _notice(ctx, "en")
    return f"[{plain_text(ctx.plan_number)}] {subject_vi}", f"{body_vi}\n\n---\n\n{body_en}"


def render_sms(ctx: NoticeContext) -> str:
    """One SMS segment where possible: unaccented Vietnamese, cut at 160 characters."""
    text = unaccented(_environment("text").get_template("sms.j2").render(**ctx.variables()).strip())
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
    title = f"[{plain_text(plan_number)}] {headline}: {len(contexts)} thông báo / {len(contexts)} notices"
    return title, f"{body_vi}\n\n---\n\n{body_en}"


def render_failures(rows: list[tuple[str, str, str]]) -> tuple[str, str]:
    """To the admin: notices that could not be delivered after every retry (unit, kind, last error)."""
    title = f"Không gửi được {len(rows)} thông báo / {len(rows)} notices could not be delivered"
    items = [{"unit": unit, "kind": kind, "error": error} for unit, kind, error in rows]
    return title, _environment().get_template("failures.j2").render(items=items).strip()
