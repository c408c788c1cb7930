"""Delivery on a work pool: each channel kept within its limit across every worker by a Prefect global concurrency
limit `kiemdiem-channel-SCHEME` (how many senders may talk to that channel at once, all workers together).

`kiemdiem deploy schedules` creates the limits (service.deploy_schedules.CHANNEL_LIMITS, or KIEMDIEM_CHANNEL_LIMITS);
a channel without one is not held back. A deliverer takes one slot of its channel for each chunk's messages to it
(one API call per chunk and channel, not one per message).
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from prefect.concurrency.sync import concurrency

PREFIX = "kiemdiem-channel-"
# A slot is held while one chunk's messages to one channel go out; its lease is renewed while the sender lives and
# ends this long after a sender is lost, so a dead worker's slot comes back by itself.
LEASE_SECONDS = 120.0


def limit_name(channel: str) -> str:
    return f"{PREFIX}{channel}"


def channel_gate(channel: str) -> AbstractContextManager[object]:
    """Hold one slot of `channel`'s global concurrency limit (waiting for one when every slot is taken)."""
    return concurrency(
        limit_name(channel),
        occupy=1,
        lease_duration=LEASE_SECONDS,
        strict=False,
        raise_on_lease_renewal_failure=False,
    )
