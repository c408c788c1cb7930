"""One channel's messages of a claimed chunk, sent a few at a time (notifications.outbox says the policy).

Messages go out in waves of at most `connections` (KIEMDIEM_SMTP_CONNECTIONS, the sender's `connections`): the
attempt rows of a wave are committed, with the renewal of its claims, in one transaction before any of its messages
leaves; the wave's messages are sent side by side on a small pool of threads; their outcomes are committed in one
transaction after. Each message keeps its own attempt row per entry and its own outcome, as when sent one by one.
A deliverer killed during a wave leaves at most that wave's messages `sending`, which the next deliverer marks
`uncertain` and does not send again: at most `connections` uncertain messages, never a duplicate.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager

import pendulum
from sqlalchemy.orm import Session

from notifications import outbox
from notifications.outbox import Message
from notifications.senders import Sender

UnitOfWork = Callable[[], AbstractContextManager[Session]]


def _nowhere(point: str) -> None:
    """No fault hook: the product names its crash points, tests install what happens there (service.faults)."""


def connections_of(sender: Sender) -> int:
    """How many messages `sender` may have in flight at once (AppriseSender: KIEMDIEM_SMTP_CONNECTIONS)."""
    return max(1, int(getattr(sender, "connections", 1)))


def send_messages(
    unit_of_work: UnitOfWork,
    messages: Sequence[Message],
    sender: Sender,
    owner: str,
    now: pendulum.DateTime,
    connections: int | None = None,
    reach: Callable[[str], None] = _nowhere,
) -> Counter[str]:
    """Send `messages` (one channel's, in order) in waves of `connections`; `reach` names the crash points
    (`delivery.before-send`, `delivery.after-send`) around each send. Raises outbox.ClaimLost, sending nothing more,
    if this deliverer was taken for dead. Counts `messages` and `messages_failed`."""
    width = connections if connections is not None else connections_of(sender)
    counts: Counter[str] = Counter()

    def one(message: Message) -> str | None:
        reach("delivery.before-send")
        error = sender.send(message.url, message.title, message.body)
        reach("delivery.after-send")
        return error

    pool = ThreadPoolExecutor(width, thread_name_prefix="kiemdiem-send") if width > 1 else None
    try:
        for start in range(0, len(messages), width):
            wave = messages[start : start + width]
            with unit_of_work() as session:
                outbox.start_many(session, wave, owner, now)
            errors = list(pool.map(one, wave)) if pool is not None and len(wave) > 1 else [one(m) for m in wave]
            with unit_of_work() as session:
                outbox.finish_many(session, list(zip(wave, errors, strict=True)), now)
            counts.update("messages_failed" if error else "messages" for error in errors)
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
    return counts
