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

from models.reports import RATING_VI

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


def plural(count: int, word: str) -> str:
    """English counts: `1 day`, `2 days` (never `1 days`)."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def task_vi(action: str | None, title: str) -> str:
    """What to do, as a verb phrase that reads inside a sentence ("Đề nghị đơn vị … đúng hạn"): the milestone's
    `action` when the campaign gives one; a title is a name, so it is quoted as the task's name."""
    return action or f"hoàn thành nhiệm vụ “{title}”"


def task_en(action: str | None, title: str) -> str:
    """The task named in English sentences: the Vietnamese phrase, quoted (it is the name people know)."""
    return f"“{action or title}”"


@dataclass(frozen=True)
class Deadline:
    """One of the receiving unit's deadlines, as listed in the launch notice."""

    action: str | None
    title: str
    day: dt.date

    def variables(self) -> dict[str, Any]:
        task = task_vi(self.action, self.title)
        return {
            "task": task,
            "Task": task[:1].upper() + task[1:],
            "task_en": task_en(self.action, self.title),
            "due": vn_date(self.day),
            "due_en": f"{self.day:%d/%m/%Y}",
            "due_short": f"{self.day:%d/%m}",
        }


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
    # The milestone's short verb phrase for sentences (campaign config); the title is used without it.
    action: str | None = None
    # Who sends the notice (the organizer, else the issuing unit) and whom to ask.
    sender: str = ""
    contact: str | None = None
    # plan_issued: the receiving unit's deadlines.
    deadlines: tuple[Deadline, ...] = ()
    # The other recipients, by name: the addressees of an escalation, the copies of an escalating catch-up.
    to: tuple[str, ...] = ()
    # catch_up: the local day it was decided minus the deadline (> 0 overdue, 0 due today, < 0 days left).
    late_days: int | None = None
    # deadline_changed: the amending document (công văn) and the deadline it replaces.
    document: str = ""
    old_deadline: dt.date | None = None
    # decision_due, decision_overdue: how many units wait for the decider (named in missing_children, up to 50).
    waiting: int = 0
    # rating_decided: the rating decided, the one it replaces (a re-rating), and who decided.
    rating: str = ""
    previous_rating: str = ""
    decider: str = ""

    def variables(self) -> dict[str, Any]:
        what = self.milestone_title or self.campaign_title
        unit = f"{self.unit_name} ({self.unit_code})"
        late = abs(self.late_days or 0)
        return {
            "kind": self.kind,
            "days": self.days,
            "days_en": plural(self.days, "day"),
            "campaign": self.campaign_title,
            "plan": self.plan_number,
            "unit": unit,
            "code": self.unit_code,
            "what": what,
            "task": task_vi(self.action, what),
            "task_en": task_en(self.action, what),
            "task_sms": self.action or what,
            "due": vn_date(self.deadline) if self.deadline else "",
            "due_en": f"{self.deadline:%d/%m/%Y}" if self.deadline else "",
            "due_short": f"{self.deadline:%d/%m}" if self.deadline else "",
            "missing": list(self.missing_children),
            "replaces": len(self.replaces),
            "replaces_en": plural(len(self.replaces), "notice"),
            "link": self.link,
            "reason": self.reason,
            "sender": self.sender,
            "contact": self.contact,
            "deadlines": [d.variables() for d in self.deadlines],
            "to": "; ".join(self.to),
            # whom the notice addresses: the supervising unit and working group of an escalation, else the unit
            "salute": "; ".join(self.to) if self.kind == "escalation" else unit,
            "late": self.late_days,
            "late_abs": late,
            "late_en": plural(late, "day"),
            "document": self.document,
            "old_due": vn_date(self.old_deadline) if self.old_deadline else "",
            "old_due_en": f"{self.old_deadline:%d/%m/%Y}" if self.old_deadline else "",
            "old_due_short": f"{self.old_deadline:%d/%m}" if self.old_deadline else "",
            "rating": RATING_VI.get(self.rating, self.rating),
            "rating_en": self.rating.replace("_", " "),
            "previous": RATING_VI.get(self.previous_rating, self.previous_rating),
            "previous_en": self.previous_rating.replace("_", " "),
            "decider": self.decider,
            "waiting": self.waiting,
            "waiting_en": plural(self.waiting, "unit"),
        }


@lru_cache(maxsize=2)
def _environment(output: str = "markdown") -> Any:
    """Templates for `markdown` (every printed value through `markdown_text`) or `text` (through `plain_text`).
    Templates share text by `{% include %}`, whose output is already escaped: never through a macro, whose result
    would be escaped twice by `finalize`."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        keep_trailing_newline=False,
        autoescape=False,  # HTML escaping alone would leave Markdown links and images: `finalize` does both
        finalize=markdown_text if output == "markdown" else plain_text,
    )


def _footer(contexts: list[NoticeContext]) -> dict[str, Any]:
    """The foot of a message: who sends it, whom to ask, and how to report when there is no page to report on."""
    first = contexts[0]
    return {
        "sender": first.sender,
        "contact": first.contact,
        "how_to_report": any(c.link is None and c.kind != "escalation" for c in contexts),
    }


def _notice(ctx: NoticeContext, language: str) -> tuple[str, str]:
    """The notice's subject (plain text, set by the template as `subject`) and its Markdown body."""
    variables = {"n": ctx.variables(), "foot": _footer([ctx]), "inline": False}
    module = _environment().get_template(f"notice.{language}.j2").make_module(variables)
    return plain_text(module.subject), str(module).strip()


def render(ctx: NoticeContext) -> tuple[str, str]:
    """Title (Vietnamese) and Markdown body (Vietnamese, then English) of one notice."""
    subject_vi, body_vi = _notice(ctx, "vi")
    _subject_en, body_en = _notice(ctx, "en")
    return f"[{plain_text(ctx.plan_number)}] {subject_vi}", f"{body_vi}\n\n---\n\n{body_en}"


def _sms(variables: dict[str, Any]) -> str:
    return unaccented(_environment("text").get_template("sms.j2").render(n=variables).strip())


def _shortened(variables: dict[str, Any], name: str, over: int) -> dict[str, Any]:
    value = variables[name] or ""
    return {**variables, name: value[: max(0, len(value) - over - 3)] + "..."} if value else variables


def render_sms(ctx: NoticeContext) -> str:
    """One SMS segment where possible: unaccented Vietnamese. What gives way when it is too long, in this order:
    the task's wording (the unit knows its task; the date and the sender stay), then the contact (the sender is
    still named), then a returned report's reason; the whole is cut only if that is not enough."""
    variables = ctx.variables()
    text = _sms(variables)
    if len(text) > SMS_SEGMENT:
        variables = _shortened(variables, "task_sms", len(text) - SMS_SEGMENT)
        text = _sms(variables)
    if len(text) > SMS_SEGMENT and variables["contact"]:
        variables = {**variables, "contact": None}
        text = _sms(variables)
    if len(text) > SMS_SEGMENT:
        variables = _shortened(variables, "reason", len(text) - SMS_SEGMENT)
        text = _sms(variables)
    return text if len(text) <= SMS_SEGMENT else text[: SMS_SEGMENT - 3] + "..."


def render_digest(contexts: list[NoticeContext], plan_number: str) -> tuple[str, str]:
    """One message listing every due notice of one recipient (a secretary with 40 overdue branches gets one), each
    entry with what must be done (a returned report's reason and new deadline, a reminder's task and deadline)."""
    kinds = {c.kind for c in contexts}
    headline = "Báo cáo cấp trên" if kinds == {"escalation"} else "Tổng hợp thông báo"
    items = []
    for ctx in contexts:
        variables = ctx.variables()
        items.append({**variables, "subject_vi": _notice(ctx, "vi")[0], "subject_en": _notice(ctx, "en")[0]})
    salutes = {item["salute"] for item in items}
    common = {"items": items, "salute": salutes.pop() if len(salutes) == 1 else "", "foot": _footer(contexts)}
    environment = _environment()
    body_vi = environment.get_template("digest.vi.j2").render(**common, inline=True).strip()
    body_en = environment.get_template("digest.en.j2").render(**common, inline=True).strip()
    title = f"[{plain_text(plan_number)}] {headline}: {len(contexts)} thông báo / {len(contexts)} notices"
    return title, f"{body_vi}\n\n---\n\n{body_en}"


def render_failures(rows: list[tuple[str, str, str]]) -> tuple[str, str]:
    """To the admin: notices that could not be delivered after every retry (unit, kind, last error)."""
    title = f"Không gửi được {len(rows)} thông báo / {len(rows)} notices could not be delivered"
    items = [{"unit": unit, "kind": kind, "error": error} for unit, kind, error in rows]
    return title, _environment().get_template("failures.j2").render(items=items).strip()
