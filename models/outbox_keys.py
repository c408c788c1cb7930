"""The outbox key: one notice per (campaign, unit, milestone, kind, occurrence), whoever decides it and how often."""

from __future__ import annotations

SEPARATOR = "|"


def notice_key(campaign: str, unit: str, milestone: str | None, kind: str, occurrence: str) -> str:
    """`cuchi-2026|XA-TANTHONGHOI|grassroots_review|reminder|2026-12-03`: readable, and unique by construction."""
    return SEPARATOR.join((campaign, unit, milestone or "-", kind, occurrence))
