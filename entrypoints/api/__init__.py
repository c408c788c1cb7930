"""The HTTP API (FastAPI; OpenAPI at /docs): routers over the service layer, the app given once by dependency
injection. Thin: authenticate, call the same use cases as the command line, answer. (No `from __future__ import
annotations` in this package: FastAPI reads the annotations.)"""

from fastapi import Depends, FastAPI

from entrypoints.api import assignments, campaigns, units
from entrypoints.api.errors import install_handlers
from entrypoints.api.limits import MAX_BODY_BYTES, BodyLimit, plain_names
from service.bootstrap import App
from service.tokens import TokenCache


def create_api(app: App, max_body_bytes: int = MAX_BODY_BYTES) -> FastAPI:
    api = FastAPI(
        title="kiemdiem",
        version="0.1.0",
        description="Kiểm điểm, đánh giá, xếp loại chất lượng — status collection API",
        dependencies=[Depends(plain_names)],
    )
    api.state.kiemdiem = app
    api.state.token_cache = TokenCache()  # who live tokens act for, a short while (service.tokens)
    api.add_middleware(BodyLimit, limit=max_body_bytes)
    install_handlers(api)
    for module in (campaigns, assignments, units):
        api.include_router(module.router)
    return api
