"""Secrets never leave the process: Apprise and database URLs carry passwords and tokens; we show their shape."""

from __future__ import annotations

import re

# Schemes whose host part is a real host name. For the others (tgram://, slack://, discord://, zalo://, …)
# Apprise puts tokens where the host would be, so the host is hidden too.
_HOST_SCHEMES = frozenset(
    {
        "http",
        "https",
        "json",
        "jsons",
        "xml",
        "xmls",
        "form",
        "forms",
        "mailto",
        "mailtos",
        "smtp",
        "smtps",
        "sqlite",
        "postgresql",
        "postgresql+psycopg",
        "postgresql+asyncpg",
        "postgres",
        "mysql",
        "redis",
    }
)
_URL = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")


def redact_url(url: str) -> str:
    """`mailtos://user:pw@smtp.x.vn/p?to=a` → `mailtos://***@smtp.x.vn/***`; `tgram://token/chat` → `tgram://***`."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return "***"
    authority, tail = re.match(r"([^/?#]*)(.*)", rest).groups()  # type: ignore[union-attr]
    userinfo = "***@" if "@" in authority else ""
    host = authority.rsplit("@", 1)[-1]
    if scheme.lower() not in _HOST_SCHEMES:
        return f"{scheme}://***"
    if ":" in host and not host.startswith("["):
        host = host.split(":", 1)[0]
    return f"{scheme}://{userinfo}{host}{'/***' if tail.strip('/') else ''}"


def redact(text: str) -> str:
    """Every URL in a free text (an error message, a log line) reduced by redact_url, and every secret part of a
    contact URL this process has handled masked wherever it stands."""
    return mask_known(_URL.sub(lambda match: redact_url(match.group(0)), text))


# Secret parts of every contact URL this process has handled: masked wherever they turn up, even in an error
# that quotes a request path without its scheme (Apprise's Telegram errors do: `/bot<token>/sendMessage`).
_known: set[str] = set()
_QUERY_SECRETS = re.compile(r"(?i)(?:pass|password|token|secret|key|apikey|api_key|access_token)=([^&\s]+)")


def remember_secrets(url: str) -> None:
    scheme, sep, rest = url.partition("://")
    if not sep:
        return
    authority, _, tail = rest.partition("/")
    userinfo, at, _host = authority.rpartition("@")
    pieces = set(userinfo.split(":")[1:]) if at else set()  # passwords; user names are not secrets
    if scheme.lower() not in _HOST_SCHEMES:  # here even the "user" part is a token (zalo://TOKEN@user)
        pieces.update(userinfo.split(":"))
        pieces.update([authority, *authority.split(":"), *tail.split("?")[0].split("/")])
        pieces.update(part for segment in tail.split("/") for part in segment.split(":"))
    pieces.update(_QUERY_SECRETS.findall(rest))
    _known.update(p for p in pieces if len(p) >= 6 and not p.isdigit())


def mask_known(text: str) -> str:
    for secret in sorted(_known, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, "***")
    return text
