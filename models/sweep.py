"""The sweep: apply the deadline rules to every open assignment of a campaign, set-based, into the outbox.

Assignments that share a deadline and a watermark get the same decision (models.schedule), so a batch runs one
`INSERT … SELECT … ON CONFLICT (key) DO NOTHING` per group and notice, never a query per unit. The outbox key is
the once-only guarantee: a second sweep, a retry or a concurrent sweep inserts nothing twice.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pendulum
from sqlalchemy import Integer, bindparam, select, text
from sqlalchemy.orm import Session

from models.base import UTCDateTime
from models.campaign_config import CampaignConfig
from models.enums import OPEN_STATUSES, NoticeKind, NoticeStatus
from models.outbox_keys import notice_key_sql
from models.schedule import Decision, Notice, decide
from models.sweep_batches import Batch
from models.sweep_context import SweepContext
from models.tables import Assignment, Milestone, OrgUnit, OutboxEntry

OPEN = tuple(s.value for s in OPEN_STATUSES)


@dataclass
class SweepCounts:
    groups: int = 0
    decided: Counter[str] = field(default_factory=Counter)

    def add(self, other: SweepCounts) -> None:
        self.groups += other.groups
        self.decided.update(other.decided)

    def as_dict(self) -> dict[str, Any]:
        return {"groups": self.groups, "decided": dict(sorted(self.decided.items()))}


def _unindexed(dialect: str) -> str:
    """`+a.campaign_id` (a no-op in SQL) keeps SQLite from driving a batch's statements from the campaign or
    milestone index, which reads every assignment of the campaign once per batch: the path range is the selective
    side. PostgreSQL plans that well from its statistics, and the hint would only blur its estimates."""
    return "+" if dialect == "sqlite" else ""


def _units_first(dialect: str) -> str:
    """A batch's units, then their assignments. On SQLite a CROSS JOIN keeps that order: left to choose, its planner
    scans every assignment of the campaign once per batch when a batch is many small subtrees and the statement
    needs more of a unit than its path (the notices' INSERT reads its code), which made a national sweep in the
    service's batches of 2,000 units ten times slower. PostgreSQL plans that well from its statistics."""
    if dialect == "sqlite":
        return "org_unit u CROSS JOIN assignment a ON a.unit_id = u.id"
    return "assignment a JOIN org_unit u ON u.id = a.unit_id"


def _batch_filter(batch: Batch, dialect: str) -> tuple[str, dict[str, Any]]:
    """A subtree as a range of paths (`/1/5/` ≤ path < `/1/50`), which an index serves; LIKE cannot on SQLite.
    On PostgreSQL the comparison is bytewise (COLLATE "C", with an index to match) whatever the database's collation."""
    path = 'u.path COLLATE "C"' if dialect == "postgresql" else "u.path"
    parts: list[str] = []
    params: dict[str, Any] = {}
    for i, prefix in enumerate(batch.prefixes):
        parts.append(f"({path} >= :bl{i} AND {path} < :bh{i})")
        params[f"bl{i}"], params[f"bh{i}"] = prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)
    if batch.singles:
        parts.append("u.path IN :bs")
        params["bs"] = list(batch.singles)
    return "(" + (" OR ".join(parts) or "1 = 0") + ")", params


def sweep_batch(session: Session, campaign: SweepContext, batch: Batch, now: pendulum.DateTime) -> SweepCounts:
    """Decide every due notice for the open assignments of one batch. Only flushes; the caller commits."""
    config = campaign.config
    milestones = {m.id: m for m in session.scalars(select(Milestone).where(Milestone.campaign_id == campaign.id))}
    dialect = session.get_bind().dialect.name
    hint, source = _unindexed(dialect), _units_first(dialect)
    where, params = _batch_filter(batch, dialect)
    params.update(campaign=campaign.id, open=list(OPEN))
    group_sql = (
        f"SELECT a.milestone_id, a.due_before, a.notified_through, count(*) AS n FROM {source} "
        f"WHERE {hint}a.campaign_id = :campaign AND a.status IN :open AND {where} "
        f"GROUP BY a.milestone_id, a.due_before, a.notified_through"
    )
    groups = _run(
        session,
        group_sql,
        params,
        milestone_id=Integer,
        due_before=UTCDateTime,
        notified_through=UTCDateTime,
        n=Integer,
    ).all()
    counts = SweepCounts()
    escalate_to = _working_group_sql(session, config)
    waiting: set[int] = set()  # milestones that wait on children and got new notices in this batch
    for milestone_id, due_before, watermark, _count in groups:
        decision = decide(due_before, watermark, config.reminders, config.timezone, campaign.launched_at, now)
        if not decision.notices and decision.watermark == watermark:
            continue
        counts.groups += 1
        group = _Group(campaign, milestones[milestone_id], due_before, watermark, where, params, hint, source, dialect)
        for notice in decision.notices:
            counts.decided[("skipped:" if notice.skipped else "") + notice.kind.value] += _count
            if not notice.skipped and milestones[milestone_id].after_children:
                waiting.add(milestone_id)
        if dialect == "postgresql" and decision.notices:
            _decide_in_one_statement(session, group, decision, now, escalate_to)
            continue
        for notice in decision.notices:
            _insert_notice(session, group, notice, now, escalate_to)
        _advance(session, group, decision)
    if waiting:
        _note_missing_children(session, campaign, [milestones[m] for m in waiting], milestones, now)
    session.flush()
    return counts


@dataclass(frozen=True)
class _Group:
    campaign: SweepContext
    milestone: Milestone
    due_before: pendulum.DateTime
    watermark: pendulum.DateTime | None
    where: str
    params: dict[str, Any]
    hint: str
    source: str  # the units, then their assignments (_units_first)
    dialect: str

    def filter(self) -> tuple[str, dict[str, Any]]:
        mark = "a.notified_through IS NULL" if self.watermark is None else "a.notified_through = :g_mark"
        sql = (
            f"{self.hint}a.campaign_id = :campaign AND a.status IN :open AND {self.hint}a.milestone_id = :g_milestone "
            f"AND a.due_before = :g_due AND {mark} AND {self.where}"
        )
        params = {
            **self.params,
            "g_milestone": self.milestone.id,
            "g_due": self.due_before,
            "g_mark": self.watermark,
        }
        return sql, params


def _run(session: Session, sql: str, values: dict[str, Any], **columns: Any) -> Any:
    """Execute text SQL binding only the names it uses: lists expand, instants go through UTCDateTime."""
    used = {k: v for k, v in values.items() if re.search(rf":{k}\b", sql)}
    binds = [
        bindparam(k, expanding=True) if isinstance(v, list) else bindparam(k, type_=UTCDateTime())
        for k, v in used.items()
        if isinstance(v, list | pendulum.DateTime)
    ]
    clause = text(sql).bindparams(*binds)
    return session.execute(clause.columns(**columns) if columns else clause, used)


def _notice_insert(
    group: _Group, notice: Notice, now: pendulum.DateTime, escalate_to: tuple[str, dict[str, Any]], name: str
) -> tuple[str, dict[str, Any]]:
    """`INSERT INTO outbox … SELECT …` of one notice, reading the assignment as `a`, its unit as `u` and the unit's
    parent as `p` from the FROM clause that follows; its bound values named after `name`."""
    wg_sql, wg_params = escalate_to
    unit = f"'\"' || {_json_escaped('u.code')} || '\"'"
    parent = f"COALESCE(',\"' || {_json_escaped('p.code')} || '\"', '')"
    if notice.kind == NoticeKind.ESCALATION:
        recipients = f"'[' || COALESCE('\"' || {_json_escaped('p.code')} || '\"', '\"\"') || {wg_sql} || ']'"
    elif notice.escalate:
        recipients = f"'[' || {unit} || {parent} || {wg_sql} || ']'"
    else:
        recipients = f"'[' || {unit} || ']'"
    details = {"replaces": list(notice.replaces)} if notice.replaces else {}
    json_cast = "CAST({} AS JSON)" if group.dialect == "postgresql" else "{}"
    key, key_values = notice_key_sql(
        "u.code", group.campaign.key, group.milestone.key, notice.kind, notice.occurrence, name=f"{name}_key"
    )
    sql = (
        "INSERT INTO outbox (key, campaign_id, unit_id, milestone_id, assignment_id, kind, days, recipients, "
        "status, created_at, deliver_after, attempts, details) "
        f"SELECT {key}, a.campaign_id, a.unit_id, a.milestone_id, a.id, :{name}_kind, :{name}_days, "
        f"{json_cast.format(recipients)}, :{name}_status, :{name}_now, :{name}_after, 0, "
        f"{json_cast.format(f':{name}_details')} "
    )
    values = {
        **wg_params,
        **key_values,
        f"{name}_kind": notice.kind.value,
        f"{name}_days": notice.days,
        f"{name}_status": (NoticeStatus.SKIPPED if notice.skipped else NoticeStatus.PENDING).value,
        f"{name}_now": now,
        f"{name}_after": notice.deliver_after,
        f"{name}_details": json.dumps(details),
    }
    return sql, values


def _json_escaped(column: str) -> str:
    """A unit code as the inside of a JSON string (a code may hold a quote or a backslash; never a control
    character: models.tree_rows)."""
    return f"replace(replace({column}, '\\', '\\\\'), '\"', '\\\"')"


def _insert_notice(
    session: Session, group: _Group, notice: Notice, now: pendulum.DateTime, escalate_to: tuple[str, dict[str, Any]]
) -> None:
    where, params = group.filter()
    insert, values = _notice_insert(group, notice, now, escalate_to, "n")
    joined = f"FROM {group.source} LEFT JOIN org_unit p ON p.id = u.parent_id"
    sql = f"{insert}{joined} WHERE {where} ON CONFLICT (key) DO NOTHING"
    _run(session, sql, {**params, **values})


def _advance(session: Session, group: _Group, decision: Decision) -> None:
    where, params = group.filter()
    sql = (
        f"UPDATE assignment SET notified_through = :new_mark WHERE id IN (SELECT a.id FROM {group.source} "
        f"WHERE {where})"
    )
    _run(session, sql, {**params, "new_mark": decision.watermark})


def _decide_in_one_statement(
    session: Session,
    group: _Group,
    decision: Decision,
    now: pendulum.DateTime,
    escalate_to: tuple[str, dict[str, Any]],
) -> None:
    """PostgreSQL: the group's watermark moved and its notices inserted by one statement, which reads the group's
    assignments once (an UPDATE … RETURNING that each notice's INSERT reads) where `_insert_notice` and `_advance`
    read them once per notice and once more. The same rows, under the same keys."""
    where, params = group.filter()
    parts = [
        "WITH moved AS (UPDATE assignment AS a SET notified_through = :new_mark FROM org_unit u "
        f"WHERE u.id = a.unit_id AND {where} "
        "RETURNING a.id, a.campaign_id, a.unit_id, a.milestone_id, u.code, u.parent_id, u.path)"
    ]
    values: dict[str, Any] = {**params, "new_mark": decision.watermark}
    for index, notice in enumerate(decision.notices):
        insert, notice_values = _notice_insert(group, notice, now, escalate_to, f"n{index}")
        parts.append(
            f"n{index} AS ({insert}FROM moved a CROSS JOIN LATERAL (SELECT a.code, a.parent_id, a.path) u "
            "LEFT JOIN org_unit p ON p.id = u.parent_id ON CONFLICT (key) DO NOTHING)"
        )
        values.update(notice_values)
    _run(session, ", ".join(parts) + " SELECT 1", values)


def _working_group_sql(session: Session, config: CampaignConfig) -> tuple[str, dict[str, Any]]:
    """A SQL expression that adds `,"working_group:NAME"` for each working group watching the unit's subtree."""
    parts: list[str] = []
    params: dict[str, Any] = {}
    for i, group in enumerate(config.working_groups):
        paths = session.scalars(select(OrgUnit.path).where(OrgUnit.code.in_(group.units))).all()
        for j, path in enumerate(paths):
            parts.append(f"CASE WHEN u.path LIKE :wg{i}_{j} THEN :wgn{i} ELSE '' END")
            params[f"wg{i}_{j}"] = path + "%"
        params[f"wgn{i}"] = f',"working_group:{group.name}"'
    return ("(" + " || ".join(parts) + ")" if parts else "''"), params


def _note_missing_children(
    session: Session,
    campaign: SweepContext,
    waiting: list[Milestone],
    milestones: dict[int, Milestone],
    now: pendulum.DateTime,
) -> None:
    """For a parent's milestone that waits on its children, list in each new notice the children still missing."""
    by_key = {m.key: m for m in milestones.values()}
    for milestone in waiting:
        if milestone.after_children not in by_key:
            continue
        fresh = (
            session.execute(
                select(OutboxEntry.id, OutboxEntry.unit_id).where(
                    OutboxEntry.campaign_id == campaign.id,
                    OutboxEntry.milestone_id == milestone.id,
                    OutboxEntry.created_at == now,
                    OutboxEntry.status == NoticeStatus.PENDING.value,
                )
            )
            .tuples()
            .all()
        )
        if not fresh:
            continue
        missing = _missing_children(session, by_key[milestone.after_children], [u for _, u in fresh])
        for entry_id, unit_id in fresh:
            entry = session.get(OutboxEntry, entry_id)
            assert entry is not None
            entry.details = {**entry.details, "missing_children": missing.get(unit_id, [])}


def _missing_children(session: Session, needed: Milestone, parents: Sequence[int]) -> dict[int, list[str]]:
    child = (
        select(OrgUnit.parent_id, OrgUnit.code)
        .join(Assignment, Assignment.unit_id == OrgUnit.id)
        .where(Assignment.milestone_id == needed.id, Assignment.status.in_(OPEN), OrgUnit.parent_id.in_(parents))
    )
    found: dict[int, list[str]] = defaultdict(list)
    for parent_id, code in session.execute(child.order_by(OrgUnit.code)).tuples():
        assert parent_id is not None
        found[parent_id].append(code)
    return found
