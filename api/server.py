"""The HTTP server inside `stockbot run`: uvicorn on the bot's own event loop, sharing its
database pool and worker threads; started after the bot, stopped before it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Generator, Sequence

import uvicorn
from fastapi import APIRouter

from api.app import create_app
from api.context import ApiContext

log = logging.getLogger("stockbot.api")


class _Server(uvicorn.Server):
    """uvicorn's server without its signal handlers: `stockbot run` handles SIGTERM and
    SIGINT, and stops the server itself."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class ApiServer:
    """Serves the API on HTTP_HOST:HTTP_PORT until stopped."""

    def __init__(
        self, context: ApiContext, *, host: str, port: int, routers: Sequence[APIRouter] = ()
    ) -> None:
        self.app = create_app(context, routers=routers)
        config = uvicorn.Config(
            self.app,
            host=host,
            port=port,
            log_config=None,  # the process's logging, with its redaction of secrets
            access_log=False,
            lifespan="off",
        )
        self._server = _Server(config)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start serving; returns once the socket listens (raises if it cannot)."""
        self._task = asyncio.create_task(self._server.serve(), name="http-api")
        while not self._server.started:
            if self._task.done():
                self._task.result()  # the error that stopped it, e.g. the port is taken
                raise RuntimeError("the HTTP server stopped before it started")
            await asyncio.sleep(0.01)
        host, port = self.address
        log.info("HTTP API on http://%s:%d (OpenAPI at /v1/openapi.json)", host, port)

    @property
    def address(self) -> tuple[str, int]:
        """The host and port the server listens on (the OS's choice for port 0)."""
        socket = self._server.servers[0].sockets[0]
        host, port = socket.getsockname()[:2]
        return str(host), int(port)

    async def stop(self) -> None:
        """Finish the requests in flight and stop listening."""
        if self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
