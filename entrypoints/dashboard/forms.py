"""Forms as the browser posts them (application/x-www-form-urlencoded), read without a multipart parser: a bounded
body, then the report form turned into the same document the command line and the API validate, and each
validation problem placed next to the field it names."""

import re
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request

from models.errors import Problem
from models.reports import SUBJECT_VI

MAX_FORM_BYTES = 64 * 1024
COUNTS = ("total", "evaluated", "excellent", "good", "completed", "not_completed")
NOT_RATED = ("exempt", "suspended", "new", "other")
WHOLE = re.compile(r"^\d{1,12}$|^\d{1,3}([.,]\d{3}){1,3}$")  # 8159, 8.159 (Vietnamese), 8,159 (English)


class FormTooLarge(Exception):
    pass


async def read_form(request: Request) -> dict[str, str]:
    """The posted fields (the last value of a repeated name wins); an unreadable body reads as no fields."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise FormTooLarge
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return {}
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return {}
    return dict(parse_qsl(text, keep_blank_values=True, max_num_fields=200))


def _count(text: str) -> Any:
    """A typed count: digits (with Vietnamese or English thousands dots/commas) as a number, anything else as the
    text itself, for the report's validation to refuse with its own message."""
    plain = text.strip()
    return int(plain.replace(".", "").replace(",", "")) if WHOLE.match(plain) else plain


def report_document(fields: dict[str, str]) -> dict[str, Any]:
    """The report the form describes: a subject whose boxes are all empty is left out; an empty box is 0."""
    subjects: dict[str, Any] = {}
    for subject in SUBJECT_VI:
        counts = {name: fields.get(f"{subject}.{name}", "") for name in COUNTS}
        missing = {name: fields.get(f"{subject}.not_evaluated.{name}", "") for name in NOT_RATED}
        if not any(v.strip() for v in (*counts.values(), *missing.values())):
            continue
        entry: dict[str, Any] = {k: _count(v) for k, v in counts.items() if v.strip()}
        not_rated = {k: _count(v) for k, v in missing.items() if v.strip()}
        if not_rated:
            entry["not_evaluated"] = not_rated
        probationary = fields.get(f"{subject}.probationary", "")
        if probationary.strip():
            entry["probationary"] = _count(probationary)
        subjects[subject] = entry
    document: dict[str, Any] = {"subjects": subjects}
    reason = fields.get("quota_override.reason", "").strip()
    if reason:
        document["quota_override"] = {"reason": reason}
    for name in ("self_rating", "member_total_reason"):
        if fields.get(name, "").strip():
            document[name] = fields[name].strip()
    return document


def by_field(problems: list[Problem]) -> dict[str, list[Problem]]:
    """Problems keyed by the form field they name (`subjects.member.evaluated` → `member.evaluated`); those naming
    no field of the form under "" (shown at the top of the form)."""
    placed: dict[str, list[Problem]] = {}
    for problem in problems:
        field = (problem.field or "").removeprefix("subjects.").removeprefix("subjects")
        placed.setdefault(field, []).append(problem)
    return placed
