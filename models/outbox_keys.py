"""The outbox key: one notice per (campaign, unit, milestone, kind, occurrence), whoever decides it and how often.

One definition, two forms: `notice_key` for a notice decided in Python, `notice_key_sql` for the sweep, which
builds the keys of a whole group of units in one INSERT … SELECT. Both put the unit code between the same two
pieces, so the same notice gets the same key either way. `insert_new_notices` writes notices whose keys are new
and leaves the rest: a second sweep or a second worker adds nothing."""

from __future__ import annotations

from sqlalchemy.orm import Session

from models.tables import OutboxEntry

SEPARATOR = "|"
NO_MILESTONE = "-"


def around_unit(campaign: str, milestone: str | None, kind: str, occurrence: str) -> tuple[str, str]:
    """What comes before and after the unit code in a key: `cuchi-2020|` and `|grassroots_review|reminder|…`."""
    before = campaign + SEPARATOR
    after = SEPARATOR + SEPARATOR.join((milestone or NO_MILESTONE, str(kind), occurrence))
    return before, after


def notice_key(campaign: str, unit: str, milestone: str | None, kind: str, occurrence: str) -> str:
    """`cuchi-2020|XA-TANTHONGHOI|grassroots_review|reminder|2020-12-03`: readable, and unique by construction."""
    before, after = around_unit(campaign, milestone, kind, occurrence)
    return before + unit + after


def notice_key_sql(
    unit_code: str, campaign: str, milestone: str | None, kind: str, occurrence: str, name: str = "key"
) -> tuple[str, dict[str, str]]:
    """The same key as a SQL expression around the column `unit_code` (e.g. `u.code`), with its bound values:
    `:key_before || u.code || :key_after`."""
    before, after = around_unit(campaign, milestone, kind, occurrence)
    return f":{name}_before || {unit_code} || :{name}_after", {f"{name}_before": before, f"{name}_after": after}


def insert_new_notices(session: Session, rows: list[dict[str, object]]) -> int:
    """Insert the notices whose keys are new (ON CONFLICT DO NOTHING on the unique key), counting what was added."""
    if not rows:
        return 0
    # one dialect, not both: importing PostgreSQL's costs a SQLite process 50 ms
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]  # its Insert has the same method
    statement = insert(OutboxEntry).values(rows).on_conflict_do_nothing(index_elements=["key"])
    result = session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)
