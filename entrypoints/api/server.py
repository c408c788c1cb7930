"""The API (with the dashboard beside it) in several uvicorn worker processes: `serve(host, port, workers)`, which
`kiemdiem deploy api --workers N` runs. Each worker builds the app of its process from the environment
(KIEMDIEM_DATABASE_URL, …; production_app, a factory) and migrates before its first request; the workers share the
listening socket and nothing else: each has its own connection pool and its own token cache (service.tokens).

The socket is made here, not by uvicorn's `--workers`: uvicorn's own is a plain socket (protocol 0), and asyncio
sets TCP_NODELAY only on connections of a socket that says IPPROTO_TCP, so behind `uvicorn --workers` every answer
written in two parts waited for the client's delayed acknowledgement (~40 ms: 4 times slower than one process, even
for an empty endpoint)."""

import socket
from typing import Any

from service.bootstrap import process_app

FACTORY = "entrypoints.api.server:production_app"


def production_app() -> Any:
    from entrypoints.serve import web_app

    app = process_app()
    app.engine  # migrate before the first request, not during it  # noqa: B018
    return web_app(app)


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to host:port (port 0: a free one), inheritable by the workers."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def serve(host: str, port: int, workers: int, factory: str = FACTORY) -> None:
    """Serve the API and the dashboard (or another app `factory`, "module:function") from `workers` processes
    until stopped (SIGTERM or SIGINT)."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config(factory, factory=True, host=host, port=port, workers=workers, log_level="warning")
    Multiprocess(config, sockets=[listening_socket(host, port)]).run()
