"""Secrets never leave the process: Apprise and database URLs carry passwords and tokens; we show their shape."""

from __future__ import annotations

import re

_CREDENTIALS = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/@\s]+)@")
_SECRET_QUERY = re.compile(r"(?i)(?P<name>[?&](?:pass|password|token|secret|key|apikey|api_key|access_token)=)[^&\s]+")


def redact(text: str) -> str:
    """`mailtos://user:pw@host?to=x` → `mailtos://***@host?to=x`; secret query values become `***`."""
    text = _CREDENTIALS.sub(lambda m: f"{m['scheme']}***@", text)
    return _SECRET_QUERY.sub(lambda m: f"{m['name']}***", text)


def redact_url(url: str) -> str:
    """An Apprise URL reduced to what is safe to show: scheme and host, with credentials and path tokens hidden."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return "***"
    host = rest.split("@", 1)[-1].split("/", 1)[0].split("?", 1)[0]
    return f"{scheme}://{'***@' if '@' in rest else ''}{host}{'/***' if '/' in rest.split('@', 1)[-1] else ''}"
