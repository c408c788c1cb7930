"""The API's dependencies: the app of this process (given to create_api, kept on the FastAPI app) and the actor
behind the bearer token.

Both are coroutines, run on the event loop: a token found in the app's TokenCache costs no thread and no database
read; only a token not in it is read from the database, in a worker thread (service.tokens)."""

from typing import Annotated

from fastapi import Depends, Header, Request
from starlette.concurrency import run_in_threadpool

from entrypoints.api.errors import unauthorized
from models.tokens import digest
from service.access import Actor
from service.bootstrap import App
from service.tokens import TokenCache, authenticated_digest


async def kiemdiem_app(request: Request) -> App:
    app: App = request.app.state.kiemdiem
    return app


Kiemdiem = Annotated[App, Depends(kiemdiem_app)]


async def actor(request: Request, app: Kiemdiem, authorization: Annotated[str | None, Header()] = None) -> Actor:
    if not authorization or not authorization.startswith("Bearer "):
        raise unauthorized()
    token_hash = digest(authorization.removeprefix("Bearer ").strip())
    cache: TokenCache = request.app.state.token_cache
    found = cache.get(token_hash)
    if found is None:
        found = await run_in_threadpool(authenticated_digest, app, token_hash, cache)
    if found is None:
        raise unauthorized()
    return found


Who = Annotated[Actor, Depends(actor)]
