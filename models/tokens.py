"""API tokens: issued once, stored hashed, revocable. A unit's token acts for that unit (and reads its subtree);
the admin's token (no unit) may do everything."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import pendulum
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.lookup import unit_by_code
from models.tables import ApiToken, OrgUnit


@dataclass(frozen=True)
class Caller:
    """Who is calling: the admin, or a unit with its path (its subtree is everything under that path)."""

    admin: bool
    unit_id: int | None = None
    unit_code: str | None = None
    path: str | None = None


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(session: Session, unit_code: str | None, now: pendulum.DateTime) -> str:
    """A new token (printed once, never stored in clear) for a unit, or for the admin when `unit_code` is None."""
    unit_id = None if unit_code is None else unit_by_code(session, unit_code, field="UNIT").id
    token = "kd_" + secrets.token_urlsafe(32)
    session.add(ApiToken(token_hash=digest(token), prefix=token[:10], unit_id=unit_id, created_at=now))
    session.flush()
    return token


def revoke(session: Session, prefix: str, now: pendulum.DateTime) -> int:
    rows = list(session.scalars(select(ApiToken).where(ApiToken.prefix == prefix, ApiToken.revoked_at.is_(None))))
    for row in rows:
        row.revoked_at = now
    return len(rows)


def authenticate(session: Session, token: str) -> Caller | None:
    return authenticate_digest(session, digest(token))


def authenticate_digest(session: Session, token_hash: str) -> Caller | None:
    """Who the live token with this SHA-256 acts for, or None: one query (the token's row and its unit)."""
    row = session.execute(
        select(ApiToken.unit_id, OrgUnit.code, OrgUnit.path)
        .outerjoin(OrgUnit, OrgUnit.id == ApiToken.unit_id)
        .where(ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    if row.unit_id is None:
        return Caller(admin=True)
    return Caller(admin=False, unit_id=row.unit_id, unit_code=row.code, path=row.path)
