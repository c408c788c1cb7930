"""Dashboard sessions stand on API tokens: signing in with a token names the token's row, and every request reads
that row again, so revoking the token ends the sessions opened with it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.tables import ApiToken, OrgUnit
from models.tokens import Caller, digest


def token_id(session: Session, token: str) -> int | None:
    """The id of a live token (never the token itself), or None."""
    return session.scalar(
        select(ApiToken.id).where(ApiToken.token_hash == digest(token), ApiToken.revoked_at.is_(None))
    )


def caller_of(session: Session, row_id: int) -> Caller | None:
    """Who a live token row acts for, or None once it is revoked or gone."""
    row = session.get(ApiToken, row_id)
    if row is None or row.revoked_at is not None:
        return None
    if row.unit_id is None:
        return Caller(admin=True)
    unit = session.get(OrgUnit, row.unit_id)
    if unit is None:
        return None
    return Caller(admin=False, unit_id=unit.id, unit_code=unit.code, path=unit.path)
