"""What a request may hold, checked before anything reads it: the body's size (before parsing), codes in the path and
the query, free text in a campaign config. Refusals are answered like every other error (entrypoints.api.errors)."""

import unicodedata
from collections.abc import Iterator
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.api.errors import ApiError, too_large, unauthorized
from models.errors import Problem
from models.reports import MAX_TEXT, plain_text_ok
from service.numbers import vn_int

MAX_BODY_BYTES = 1_000_000  # a report or a campaign config is a few kilobytes
MAX_NAME = 200  # characters of a code or key in a path or a query
MAX_DEPTH = 20  # nesting of a campaign config


class _BodyTooLarge(Exception):
    pass


class BodyLimit:
    """Pure ASGI, in front of everything: nothing reads a body before this. An /api/ request without a bearer token
    is answered 401 before its body is read; a declared Content-Length over `limit` is answered 413 at once; a body
    without one (chunked) is counted as it streams and cut at `limit`, so no more than `limit` bytes are held."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if scope["path"].startswith("/api/") and not headers.get(b"authorization", b"").startswith(b"Bearer "):
            await _answer(send, unauthorized())
            return
        declared = headers.get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.limit:
            await _answer(send, too_large(self.limit))
            return
        state = {"read": 0, "cut": False, "started": False}

        async def counted() -> Message:
            if state["cut"]:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                state["read"] += len(message.get("body", b""))
                if state["read"] > self.limit:
                    state["cut"] = True
                    raise _BodyTooLarge
            return message

        async def guarded(message: Message) -> None:
            if state["cut"]:
                return  # whatever the app answers to a cut body, the client gets the 413
            state["started"] = state["started"] or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not state["cut"]:
                raise
        if state["cut"] and not state["started"]:
            await _answer(send, too_large(self.limit))


async def _answer(send: Send, error: ApiError) -> None:
    """An answer sent before the app runs; the connection is closed after it, as its body was not read."""
    await JSONResponse(error.body(), status_code=error.status, headers={"connection": "close"})(
        {"type": "http"}, _nothing, send
    )


async def _nothing() -> Message:
    return {"type": "http.disconnect"}


def _plain(text: str) -> bool:
    return len(text) <= MAX_NAME and not any(unicodedata.category(c) in ("Cc", "Cs") for c in text)


async def plain_names(request: Request) -> None:
    """Codes and keys in the path or the query never hold control characters (a NUL fails on PostgreSQL) and are
    short: refused here, before any lookup. A coroutine: it reads nothing, so it needs no worker thread."""
    for name, value in request.path_params.items():
        if not _plain(str(value)):
            raise ApiError(
                404,
                "not_found",
                f"không có {name} như vậy (mã có ký tự điều khiển hoặc dài quá {MAX_NAME} ký tự)",
                f"no such {name} (the code holds control characters or is over {MAX_NAME} characters)",
            )
    for name, value in request.query_params.items():
        if not _plain(value):
            raise ApiError(
                422,
                "invalid_parameter",
                f"tham số {name}: có ký tự điều khiển hoặc dài quá {MAX_NAME} ký tự",
                f"parameter {name}: holds control characters or is over {MAX_NAME} characters",
            )


def text_problems(value: Any) -> list[Problem]:
    """Free text anywhere in a JSON document (a campaign config): at most MAX_TEXT characters, no control characters
    but tab and line breaks, at most MAX_DEPTH levels deep. Never repeats the text itself: it may hold a secret."""
    problems = []
    for where, depth, item in _walk(value):
        if depth > MAX_DEPTH:
            problems.append(_text_problem("too_deep", where, f"lồng quá {MAX_DEPTH} tầng", f"nested over {MAX_DEPTH}"))
            break
        if not isinstance(item, str):
            continue
        if len(item) > MAX_TEXT:
            problems.append(
                _text_problem(
                    "string_too_long",
                    where,
                    f"dài {vn_int(len(item))} ký tự, tối đa {vn_int(MAX_TEXT)}",
                    f"{len(item):,} characters long, at most {MAX_TEXT:,}",
                )
            )
        elif not plain_text_ok(item):
            problems.append(
                _text_problem("control_character", where, "có ký tự điều khiển", "holds control characters")
            )
    return problems


def _walk(value: Any) -> Iterator[tuple[str, int, Any]]:
    """Every key and value of a JSON document with its path and depth, without recursion."""
    stack: list[tuple[str, int, Any]] = [("", 0, value)]
    while stack:
        where, depth, item = stack.pop()
        yield where, depth, item
        if isinstance(item, dict):
            for key, inner in reversed(item.items()):
                name = key if _plain(str(key)) and len(str(key)) <= 64 else "…"  # a key is shown only when plain
                path = f"{where}.{name}" if where else name
                stack.append((path, depth + 1, inner))
                stack.append((f"{path} (khóa/key)", depth + 1, key))
        elif isinstance(item, list):
            stack.extend((f"{where}[{i}]", depth + 1, inner) for i, inner in reversed(list(enumerate(item))))


def _text_problem(rule: str, where: str, vi: str, en: str) -> Problem:
    return Problem(rule=rule, field=where or None, vi=f"{where or 'nội dung'}: {vi}", en=f"{where or 'body'}: {en}")
