"""What every endpoint shares: the database, the worker threads the core runs in, settings."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Request

from core.db.session import Database, UnitOfWork
from core.settings import Settings

T = TypeVar("T")


@dataclass(frozen=True)
class ApiContext:
    """The running service's parts the API uses; the bot shares the same ones."""

    settings: Settings
    database: Database
    # Blocking core calls run here, never on the event loop (the bot's core threads).
    executor: Executor
    # Called after a call queued notifications, so that the relay sends them at once.
    on_queued: Callable[[], None] = lambda: None

    async def run(self, service: Callable[..., T], /, **kwargs: Any) -> T:
        """Run a core service in its own unit of work in a worker thread."""

        def unit_of_work() -> tuple[T, int]:
            uow: UnitOfWork
            with self.database.unit_of_work() as uow:
                return service(uow, **kwargs), uow.queued

        loop = asyncio.get_running_loop()
        result, queued = await loop.run_in_executor(self.executor, functools.partial(unit_of_work))
        if queued:
            self.on_queued()
        return result


def context_of(request: Request) -> ApiContext:
    """The ApiContext of the app serving the request."""
    context: ApiContext = request.app.state.context
    return context
