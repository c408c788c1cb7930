"""Zalo Official Account as an Apprise channel: `zalo://ACCESS_TOKEN@USER_ID[/USER_ID…]`.

Apprise has no Zalo plugin, and Zalo is what Vietnamese offices read. This one speaks the OA message API
(POST {base}/v3.0/oa/message/cs, header `access_token`, JSON `{"recipient": {"user_id"}, "message": {"text"}}`;
Zalo answers HTTP 200 with `{"error": 0}` on success and a non-zero `error` otherwise). `?base=` points it at
another API host (the tests' local server). Importing this module registers the `zalo://` scheme.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from typing import Any

from apprise.decorators import notify

API = "https://openapi.zalo.me"
TEXT_LIMIT = 2000  # Zalo OA text messages are limited to 2,000 characters
logger = logging.getLogger("kiemdiem.zalo")


@notify(on="zalo", name="Zalo Official Account")  # type: ignore[untyped-decorator,no-untyped-call]
def send_zalo(body: str, title: str, notify_type: str, meta: dict[str, Any], *args: Any, **kwargs: Any) -> bool:
    token = meta.get("user") or ""
    users = [meta.get("host") or "", *(p for p in (meta.get("fullpath") or "").split("/") if p)]
    if not token or not all(u.isdigit() for u in users):
        logger.warning("zalo: the URL needs an access token and numeric user ids")
        return False
    base = (meta.get("qsd") or {}).get("base", API).rstrip("/")
    text = (f"{title}\n\n{body}" if title else body)[:TEXT_LIMIT]
    return all(_send_one(base, token, user, text) for user in users)


def _send_one(base: str, token: str, user: str, text: str) -> bool:
    payload = json.dumps({"recipient": {"user_id": user}, "message": {"text": text}}, ensure_ascii=False)
    request = urllib.request.Request(
        f"{base}/v3.0/oa/message/cs",
        data=payload.encode(),
        method="POST",
        headers={"access_token": token, "Content-Type": "application/json; charset=utf-8"},
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            answer = json.loads(response.read() or b"{}")
    except (urllib.error.URLError, TimeoutError, ValueError) as error:
        logger.warning("zalo: could not reach the OA API: %s", type(error).__name__)
        return False
    if answer.get("error", -1) != 0:
        logger.warning(
            "zalo: the OA API refused the message: error %s, %s", answer.get("error"), answer.get("message", "")
        )
        return False
    return True
