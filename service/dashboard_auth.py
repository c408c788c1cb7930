"""Dashboard sessions: a sign-in link carries an API token once; the dashboard answers with a session cookie that
names the token's row (never the token), expires, and is signed with a key derived from the installation's secret
(service.secret_key, purpose "dashboard-session"). Each session carries its own CSRF secret; every form posts a
token derived from it. The actor of a session is the token's, by the same rules as the API (service.access)."""

from __future__ import annotations

import base64
import hmac
import json
import secrets
from dataclasses import dataclass

import pendulum

from models.dashboard_auth import caller_of, token_id
from service.access import Actor
from service.bootstrap import App
from service.secret_key import derive, sign, verify

SESSION_HOURS = 12
COOKIE = "kiemdiem_session"
MAX_COOKIE = 1024


@dataclass(frozen=True)
class WebSession:
    actor: Actor
    csrf: str  # the token every form of this session posts
    expires: pendulum.DateTime


def _key(app: App) -> bytes:
    configured = app.settings.secret_key
    return derive(app.settings.home, "dashboard-session", configured.get_secret_value() if configured else None)


def sign_in(app: App, token: str, now: pendulum.DateTime) -> str | None:
    """A session cookie's value for a live API token, or None for a token unknown or revoked."""
    if not token or len(token) > 200:
        return None
    with app.unit_of_work() as session:
        row = token_id(session, token.strip())
    if row is None:
        return None
    body = {"t": row, "exp": int(now.add(hours=SESSION_HOURS).timestamp()), "c": secrets.token_urlsafe(16)}
    encoded = base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode()).decode().rstrip("=")
    return f"{encoded}.{sign(_key(app), ['session', encoded])}"


def session_of(app: App, cookie: str | None, now: pendulum.DateTime) -> WebSession | None:
    """The session a cookie stands for: signed by this installation, not expired, its token still live."""
    if not cookie or len(cookie) > MAX_COOKIE or cookie.count(".") != 1:
        return None
    encoded, signature = cookie.split(".")
    if not verify(_key(app), ["session", encoded], signature):
        return None
    try:
        body = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
        row, expires, csrf = int(body["t"]), pendulum.from_timestamp(int(body["exp"])), str(body["c"])
    except (ValueError, KeyError, TypeError):
        return None
    if expires <= now:
        return None
    with app.unit_of_work() as session:
        caller = caller_of(session, row)
    if caller is None:
        return None
    actor = Actor.from_token(caller)
    named = Actor(
        name=actor.name.replace("api:", "web:", 1),
        admin=actor.admin,
        unit_id=actor.unit_id,
        unit_code=actor.unit_code,
        path=actor.path,
    )
    return WebSession(actor=named, csrf=sign(_key(app), ["csrf", csrf])[:32], expires=expires)


def csrf_ok(web: WebSession, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(web.csrf.encode(), str(given).encode("utf-8", "replace"))


def sign_in_link(app: App, token: str) -> str:
    """The link `kiemdiem tokens issue CODE --link` prints: KIEMDIEM_PUBLIC_URL, else the local address served."""
    base = app.settings.public_url or f"http://{app.settings.api_host}:{app.settings.api_port}"
    return f"{base.rstrip('/')}/signin?token={token}"
