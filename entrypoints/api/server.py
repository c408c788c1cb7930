"""The API (with the dashboard beside it) as uvicorn builds it in each worker process:
`uvicorn entrypoints.api.server:production_app --factory --workers N`, which is how `kiemdiem deploy api --workers
N` serves it. Each worker builds the app of its process from the environment (KIEMDIEM_DATABASE_URL, …) and migrates
before its first request; the workers share the listening socket, and nothing else: each has its own connection
pool and its own authentication cache (service.tokens)."""

from typing import Any

from service.bootstrap import process_app


def production_app() -> Any:
    from entrypoints.serve import web_app

    app = process_app()
    app.engine  # migrate before the first request, not during it  # noqa: B018
    return web_app(app)
