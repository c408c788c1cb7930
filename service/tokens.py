"""Issuing and revoking API tokens (mã truy cập), each in its own transaction."""

from __future__ import annotations

import pendulum

from models import tokens
from models.errors import fail
from service.access import Actor
from service.bootstrap import App


def issue_token(app: App, unit_code: str | None, now: pendulum.DateTime) -> str:
    """A new token for a unit, or for the admin when `unit_code` is None; shown once, stored hashed."""
    with app.unit_of_work() as session:
        return tokens.issue(session, unit_code, now)


def revoke_token(app: App, prefix: str, now: pendulum.DateTime) -> int:
    with app.unit_of_work() as session:
        count = tokens.revoke(session, prefix, now)
    if not count:
        raise fail("unknown_token", "không có mã nào như vậy", "no such token", field="PREFIX")
    return count


def authenticated(app: App, token: str) -> Actor | None:
    """The actor a bearer token stands for, or None for a token unknown or revoked."""
    with app.unit_of_work() as session:
        caller = tokens.authenticate(session, token)
    return None if caller is None else Actor.from_token(caller)
