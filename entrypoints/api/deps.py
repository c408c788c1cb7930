"""The API's dependencies: the app of this process (given to create_api, kept on the FastAPI app) and the actor
behind the bearer token.

Both are coroutines, run on the event loop: a token found in the app's TokenCache costs no thread and no database
read; only a token not in it is read from the database, in a worker thread (service.tokens)."""

from typing import Annotated

from fastapi import Depends, Header, Request
from starlette.concurrency import run_in_threadpool

from entrypoints.api.errors import unauthorized
from service.access import Actor
from service.bootstrap import App
from service.tokens import TokenCache, authenticated_digest, token_hash


async def kiemdiem_app(request: Request) -> App:
    app: App = request.app.state.kiemdiem
    return app


Kiemdiem = Annotated[App, Depends(kiemdiem_app)]


async def actor(request: Request, app: Kiemdiem, authorization: Annotated[str | None, Header()] = None) -> Actor:
    if not authorization or not authorization.startswith("Bearer "):
        raise unauthorized()
    hashed = token_hash(authorization.removeprefix("Bearer ").strip())
    cache: TokenCache = request.app.state.token_cache
    found = cache.get(hashed)
    if found is None:
        found = await run_in_threadpool(authenticated_digest, app, hashed, cache)
    if found is None:
        raise unauthorized()
    return found


Who = Annotated[Actor, Depends(actor)]
