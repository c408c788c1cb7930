"""The API's dependencies: the app of this process (given to create_api, kept on the FastAPI app) and the actor
behind the bearer token."""

from typing import Annotated

from fastapi import Depends, Header, Request

from entrypoints.api.errors import unauthorized
from service.access import Actor
from service.bootstrap import App
from service.tokens import authenticated


def kiemdiem_app(request: Request) -> App:
    app: App = request.app.state.kiemdiem
    return app


Kiemdiem = Annotated[App, Depends(kiemdiem_app)]


def actor(app: Kiemdiem, authorization: Annotated[str | None, Header()] = None) -> Actor:
    if not authorization or not authorization.startswith("Bearer "):
        raise unauthorized()
    found = authenticated(app, authorization.removeprefix("Bearer ").strip())
    if found is None:
        raise unauthorized()
    return found


Who = Annotated[Actor, Depends(actor)]
