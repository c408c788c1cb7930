"""The outbox: what is due for delivery, who receives it, and the record of every attempt.

Delivery policy (at most once per channel, documented in the README):
- An entry is claimed atomically (`sending`, attempt counted, the deliverer named in `claimed_by`) before anything
  is sent: one conditional UPDATE … RETURNING, with SKIP LOCKED on PostgreSQL, so two deliverers never hold one
  entry. For each channel, a delivery attempt row (`sending`) is committed before the message goes out and
  completed (`sent` or `failed`) after; writing it also renews the claim and proves the deliverer still holds it.
- A channel that accepted an entry is never sent it again. A refused channel is retried with exponential back-off;
  after the last attempt the entry is `failed` and the admin contacts are told, once.
- A claim is taken over only when its deliverer is gone (notifications.liveness), never because it is slow. Its
  attempts still `sending` become `uncertain` (the message may have arrived) and those channels are not tried
  again; channels never tried are. An entry left with an uncertain channel is `uncertain`, told to the admin once,
  and sent again only by `kiemdiem outbox resend --uncertain`.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pendulum
from sqlalchemy import ColumnElement, Select, insert, select, update
from sqlalchemy.orm import Session

from models.calendar import in_quiet_hours
from models.enums import AttemptStatus, NoticeKind, NoticeStatus
from models.sweep_context import SweepContext
from models.tables import DeliveryAttempt, OrgUnit, OutboxEntry
from notifications.contacts import urls_for
from notifications.messages import render, render_digest, render_sms
from notifications.notice_contexts import WORKING_GROUP, notice_contexts
from notifications.redact import redact_url
from notifications.senders import fingerprint, is_sms

LEASE = dt.timedelta(minutes=10)
# Notices that carry what the unit must know (a returned report's reason, a new deadline), not a countdown: never
# replaced.
NEVER_SUPERSEDED = frozenset({NoticeKind.RETURNED, NoticeKind.DEADLINE_CHANGED})
DONE_ATTEMPTS = (AttemptStatus.SENT.value, AttemptStatus.UNCERTAIN.value)


@dataclass
class Message:
    """One message to one channel: a single notice, or a digest of all that recipient's due notices."""

    url: str
    entry_ids: list[int]
    title: str
    body: str
    id: str = field(default_factory=lambda: uuid.uuid4().hex)


def supersede(session: Session, campaign: SweepContext, now: pendulum.DateTime) -> int:
    """Of several undelivered notices for one assignment, only the newest goes out; the older are skipped."""
    rows = (
        session.execute(
            select(OutboxEntry.id, OutboxEntry.assignment_id, OutboxEntry.kind)
            .where(
                OutboxEntry.campaign_id == campaign.id,
                OutboxEntry.status == NoticeStatus.PENDING.value,
                OutboxEntry.assignment_id.is_not(None),
                OutboxEntry.deliver_after <= now,
                OutboxEntry.attempts == 0,
            )
            .order_by(OutboxEntry.deliver_after, OutboxEntry.id)
        )
        .tuples()
        .all()
    )
    newest: dict[tuple[int | None, bool], int] = {}
    older: list[int] = []
    for entry_id, assignment_id, kind in rows:
        if kind in NEVER_SUPERSEDED:
            continue
        stream = (assignment_id, kind == NoticeKind.ESCALATION)
        if stream in newest:
            older.append(newest[stream])
        newest[stream] = entry_id
    if older:
        session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.id.in_(older), OutboxEntry.status == NoticeStatus.PENDING.value)
            .values(status=NoticeStatus.SKIPPED.value, last_error="superseded by a newer notice")
        )
    return len(older)


def recover_orphans(
    session: Session, campaign: SweepContext, now: pendulum.DateTime, gone: Callable[[set[str]], set[str]]
) -> int:
    """Take over the claims of deliverers that are gone (`gone` asks the liveness locks): their `sending`
    attempts become `uncertain`, the entries go back to pending so that only the channels never tried are tried.
    A claim with no owner (written before owners were recorded) is taken over after LEASE."""
    owners = set(
        session.scalars(
            select(OutboxEntry.claimed_by)
            .where(OutboxEntry.campaign_id == campaign.id, OutboxEntry.status == NoticeStatus.SENDING.value)
            .distinct()
        )
    )
    dead = gone({owner for owner in owners if owner is not None})
    orphaned: ColumnElement[bool] = OutboxEntry.claimed_by.in_(dead)
    if None in owners:
        orphaned = orphaned | (OutboxEntry.claimed_by.is_(None) & (OutboxEntry.claimed_at < now - LEASE))
    taken = list(
        session.scalars(
            update(OutboxEntry)
            .where(OutboxEntry.campaign_id == campaign.id, OutboxEntry.status == NoticeStatus.SENDING.value, orphaned)
            .values(status=NoticeStatus.PENDING.value, claimed_at=None, claimed_by=None)
            .returning(OutboxEntry.id)
            .execution_options(synchronize_session=False)
        )
    )
    if taken:
        session.execute(
            update(DeliveryAttempt)
            .where(DeliveryAttempt.outbox_id.in_(taken), DeliveryAttempt.status == AttemptStatus.SENDING.value)
            .values(
                status=AttemptStatus.UNCERTAIN.value,
                finished_at=now,
                error="the deliverer stopped before recording the outcome; not resent",
            )
            .execution_options(synchronize_session=False)
        )
    return len(taken)


def claim(
    session: Session,
    campaign: SweepContext,
    now: pendulum.DateTime,
    limit: int,
    owner: str,
    units: ColumnElement[bool] | None = None,
) -> list[int]:
    """Take up to `limit` deliverable entries for `owner` (`sending`, attempt counted), atomically: an entry another
    deliverer took first is not returned. Nothing in quiet hours. `units`, a condition on OrgUnit, keeps to the
    entries of those units (a partition of a fanned-out sweep). Entries are taken unit by unit, and every
    deliverable entry of the last unit taken comes too, so that a unit's notices make one digest, not two."""
    config = campaign.config
    if in_quiet_hours(now, config.reminders.quiet_hours, config.timezone):
        return []
    conditions = [
        OutboxEntry.campaign_id == campaign.id,
        OutboxEntry.status == NoticeStatus.PENDING.value,
        OutboxEntry.deliver_after <= now,
        (OutboxEntry.next_attempt_at.is_(None)) | (OutboxEntry.next_attempt_at <= now),
    ]
    if units is not None:
        conditions.append(OutboxEntry.unit_id.in_(select(OrgUnit.id).where(units)))
    deliverable = select(OutboxEntry.id).where(*conditions).order_by(OutboxEntry.unit_id, OutboxEntry.id)
    taken = _take(session, deliverable.limit(limit), now, owner)
    if len(taken) == limit:  # the chunk may have cut the last unit's notices in two: take the rest of them too
        last = session.scalar(select(OutboxEntry.unit_id).where(OutboxEntry.id == taken[-1]))
        taken += _take(session, deliverable.where(OutboxEntry.unit_id == last), now, owner)
    return sorted(taken)


def _take(session: Session, deliverable: Select[tuple[int]], now: pendulum.DateTime, owner: str) -> list[int]:
    """Claim the entries `deliverable` selects, in its order; SKIP LOCKED where the database has it."""
    claimed = (
        update(OutboxEntry)
        .where(
            OutboxEntry.id.in_(deliverable.with_for_update(skip_locked=True).scalar_subquery()),
            OutboxEntry.status == NoticeStatus.PENDING.value,
        )
        .values(status=NoticeStatus.SENDING.value, attempts=OutboxEntry.attempts + 1, claimed_at=now, claimed_by=owner)
        .returning(OutboxEntry.id, OutboxEntry.unit_id)
        .execution_options(synchronize_session=False)
    )
    return [entry_id for entry_id, _unit in sorted(session.execute(claimed).tuples(), key=lambda row: (row[1], row[0]))]


def plan_messages(
    session: Session, campaign: SweepContext, entry_ids: list[int], public_url: str | None = None
) -> tuple[list[Message], set[int]]:
    """One message per channel for the claimed entries (a digest where a channel has several), leaving out the
    channels that already have each entry; also returns the entries that have no channel at all."""
    config = campaign.config
    groups = {g.name: g.contacts for g in config.working_groups}
    entries = list(session.scalars(select(OutboxEntry).where(OutboxEntry.id.in_(entry_ids)).order_by(OutboxEntry.id)))
    codes = {c for e in entries for c in e.recipients if not c.startswith(WORKING_GROUP)}
    units = {
        u.id: u
        for u in session.scalars(
            select(OrgUnit).where(OrgUnit.code.in_(codes) | OrgUnit.id.in_({e.unit_id for e in entries}))
        )
    }
    by_code = {u.code: u for u in units.values()}
    done = _done_channels(session, entry_ids)
    contexts = notice_contexts(session, campaign, entries, units, by_code, public_url)
    per_url: dict[str, list[OutboxEntry]] = defaultdict(list)
    unreachable: set[int] = set()
    for entry in entries:
        urls: list[str] = []
        for recipient in entry.recipients:
            if recipient.startswith(WORKING_GROUP):
                urls.extend(groups.get(recipient.removeprefix(WORKING_GROUP), []))
            elif recipient in by_code:
                urls.extend(urls_for(by_code[recipient].contacts, entry.kind, config.routing))
        if not urls:
            unreachable.add(entry.id)
        for url in dict.fromkeys(urls):
            if fingerprint(url) not in done[entry.id]:
                per_url[url].append(entry)
    messages = []
    # A notice sent by several channels (email and Zalo, or two addresses) is rendered once, not once per channel.
    rendered = functools.cache(lambda entry_id: render(contexts[entry_id]))
    sms = functools.cache(lambda entry_id: render_sms(contexts[entry_id]))
    for url, mine in per_url.items():
        if is_sms(url):
            texts = [sms(e.id) for e in mine]
            title, body = "", texts[0] if len(texts) == 1 else f"{len(texts)} tb: " + " | ".join(texts)
        elif len(mine) == 1:
            title, body = rendered(mine[0].id)
        else:
            title, body = render_digest([contexts[e.id] for e in mine], campaign.plan_number)
        messages.append(Message(url=url, entry_ids=[e.id for e in mine], title=title, body=body))
    return messages, unreachable


def _done_channels(session: Session, entry_ids: list[int]) -> dict[int, set[str]]:
    done: dict[int, set[str]] = defaultdict(set)
    for outbox_id, channel in session.execute(
        select(DeliveryAttempt.outbox_id, DeliveryAttempt.channel).where(
            DeliveryAttempt.outbox_id.in_(entry_ids), DeliveryAttempt.status.in_(DONE_ATTEMPTS)
        )
    ).tuples():
        done[outbox_id].add(channel)
    return done


class ClaimLost(Exception):
    """This deliverer no longer holds an entry it claimed (it was taken for dead): it must stop sending."""


def start_attempts(session: Session, message: Message, owner: str, now: pendulum.DateTime) -> None:
    """Record, before sending, that this channel is being tried for each entry of the message; renew the claim
    on those entries in the same transaction, and refuse (ClaimLost) if another deliverer has taken any of them."""
    held: int = session.execute(  # type: ignore[attr-defined]  # a DML result has rowcount
        update(OutboxEntry)
        .where(
            OutboxEntry.id.in_(message.entry_ids),
            OutboxEntry.status == NoticeStatus.SENDING.value,
            OutboxEntry.claimed_by == owner,
        )
        .values(claimed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if held != len(set(message.entry_ids)):
        raise ClaimLost(f"{len(set(message.entry_ids)) - held} of the message's notices were taken over")
    for entry_id in message.entry_ids:
        session.add(
            DeliveryAttempt(
                outbox_id=entry_id,
                channel=fingerprint(message.url),
                target=redact_url(message.url),
                message=message.id,
                status=AttemptStatus.SENDING.value,
                started_at=now,
            )
        )


def finish_attempts(session: Session, message: Message, error: str | None, now: pendulum.DateTime) -> None:
    """The outcome of a message, also where a takeover had already marked it uncertain: now it is known."""
    session.execute(
        update(DeliveryAttempt)
        .where(
            DeliveryAttempt.outbox_id.in_(message.entry_ids),  # indexed; `message` is not
            DeliveryAttempt.message == message.id,
            DeliveryAttempt.status.in_((AttemptStatus.SENDING.value, AttemptStatus.UNCERTAIN.value)),
        )
        .values(status=AttemptStatus.FAILED.value if error else AttemptStatus.SENT.value, finished_at=now, error=error)
        .execution_options(synchronize_session=False)
    )


def start_many(session: Session, messages: Sequence[Message], owner: str, now: pendulum.DateTime) -> None:
    """`start_attempts` for several messages in one transaction (one row per entry and message, as there): the
    messages about to go out side by side. ClaimLost if any of their entries was taken over: none of them goes."""
    ids = {entry_id for message in messages for entry_id in message.entry_ids}
    held: int = session.execute(  # type: ignore[attr-defined]  # a DML result has rowcount
        update(OutboxEntry)
        .where(
            OutboxEntry.id.in_(ids),
            OutboxEntry.status == NoticeStatus.SENDING.value,
            OutboxEntry.claimed_by == owner,
        )
        .values(claimed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if held != len(ids):
        raise ClaimLost(f"{len(ids) - held} of the messages' notices were taken over")
    rows = [
        {
            "outbox_id": entry_id,
            "channel": fingerprint(message.url),
            "target": redact_url(message.url),
            "message": message.id,
            "status": AttemptStatus.SENDING.value,
            "started_at": now,
        }
        for message in messages
        for entry_id in message.entry_ids
    ]
    if rows:
        session.execute(insert(DeliveryAttempt), rows)


def finish_many(session: Session, outcomes: Sequence[tuple[Message, str | None]], now: pendulum.DateTime) -> None:
    """`finish_attempts` for several messages in one transaction: the delivered ones in one statement."""
    delivered = [message for message, error in outcomes if error is None]
    if delivered:
        session.execute(
            update(DeliveryAttempt)
            .where(
                DeliveryAttempt.outbox_id.in_({entry_id for message in delivered for entry_id in message.entry_ids}),
                DeliveryAttempt.message.in_([message.id for message in delivered]),
                DeliveryAttempt.status.in_((AttemptStatus.SENDING.value, AttemptStatus.UNCERTAIN.value)),
            )
            .values(status=AttemptStatus.SENT.value, finished_at=now, error=None)
            .execution_options(synchronize_session=False)
        )
    for message, error in outcomes:
        if error is not None:
            finish_attempts(session, message, error, now)


@dataclass
class Settled:
    """Entries that have just reached a final state that people must hear of."""

    failed: list[int] = field(default_factory=list)
    uncertain: list[int] = field(default_factory=list)


def settle(
    session: Session,
    campaign: SweepContext,
    entry_ids: list[int],
    unreachable: set[int],
    owner: str,
    now: pendulum.DateTime,
) -> Settled:
    """Each entry this deliverer still holds, after its attempts: sent, uncertain, back to pending for a retry, or
    failed."""
    config = campaign.config
    attempts: dict[int, list[DeliveryAttempt]] = defaultdict(list)
    for attempt in session.scalars(
        select(DeliveryAttempt).where(DeliveryAttempt.outbox_id.in_(entry_ids)).order_by(DeliveryAttempt.id)
    ):
        attempts[attempt.outbox_id].append(attempt)
    settled = Settled()
    held = select(OutboxEntry).where(
        OutboxEntry.id.in_(entry_ids),
        OutboxEntry.status == NoticeStatus.SENDING.value,
        OutboxEntry.claimed_by == owner,
    )
    for entry in session.scalars(held):
        entry.claimed_at, entry.claimed_by = None, None
        latest: dict[str, DeliveryAttempt] = {}
        for attempt in attempts[entry.id]:
            if latest.get(attempt.channel) is None or latest[attempt.channel].status not in DONE_ATTEMPTS:
                latest[attempt.channel] = attempt
        refused = [a for a in latest.values() if a.status == AttemptStatus.FAILED.value]
        uncertain = [a.target for a in latest.values() if a.status == AttemptStatus.UNCERTAIN.value]
        if entry.id in unreachable:
            entry.status, entry.last_error = NoticeStatus.FAILED.value, "no contact for this recipient"
            settled.failed.append(entry.id)
        elif refused:
            entry.last_error = "; ".join(f"{a.target}: {a.error}" for a in refused)[:1000]
            if entry.attempts >= config.delivery.max_attempts:
                entry.status = NoticeStatus.FAILED.value
                settled.failed.append(entry.id)
            else:
                entry.status = NoticeStatus.PENDING.value
                entry.next_attempt_at = now.add(minutes=config.delivery.next_attempt_after(entry.attempts))
        elif uncertain:
            entry.status, entry.next_attempt_at = NoticeStatus.UNCERTAIN.value, None
            entry.last_error = f"may not have arrived (the deliverer stopped while sending): {', '.join(uncertain)}"
            settled.uncertain.append(entry.id)
        else:
            entry.status, entry.sent_at, entry.next_attempt_at = NoticeStatus.SENT.value, now, None
            entry.last_error = None
    return settled
