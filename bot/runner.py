"""Core calls from the event loop: one unit of work in a worker thread, errors as replies."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from telegram.ext import Application

from bot.context import App, Context
from bot.errors import Refusal
from core.db.session import UnitOfWork
from core.errors import CoreError
from core.shops.update_steps import run_step

log = logging.getLogger("stockbot.bot")

T = TypeVar("T")

# Enough threads for the chats that hit the database at once; the database pool holds a
# connection for each of them and each of the relay's (bot/startup.py database_pool_size).
CORE_THREADS = 8

AnyContext = Context | App


@dataclass
class Handling:
    """The update the current task is handling (webhook mode): each core call it makes is
    one step of it (core.shops.update_steps), `again` when a process died handling it."""

    update_id: int
    again: bool
    steps: int = 0


HANDLING: ContextVar[Handling | None] = ContextVar("stockbot_handling", default=None)


def application_of(source: AnyContext) -> App:
    """The application behind a handler's or job's context (or the application itself)."""
    if isinstance(source, Application):
        return source
    return source.application


def create_executor() -> ThreadPoolExecutor:
    """The worker threads that run the core's blocking database work."""
    return ThreadPoolExecutor(max_workers=CORE_THREADS, thread_name_prefix="core")


def nudge_delivery(source: AnyContext) -> None:
    """Wake the delivery relay: something may have queued notifications."""
    delivery = application_of(source).bot_data.delivery
    if delivery is not None:
        delivery.nudge()


async def call_core(source: AnyContext, service: Callable[..., T], /, **kwargs: Any) -> T:
    """Run one core service in its own unit of work off the event loop.

    A CoreError becomes a Refusal (its text is fit to show); after success the delivery
    relay is nudged when the unit of work queued notifications. Only then: each nudge makes
    the relay look for work in the database, which under load cost the bot a third as much
    as the commands' own core calls when every command nudged. While the task handles an
    update taken by webhook (HANDLING), the call is the update's next step, made once."""
    application = application_of(source)
    database = application.bot_data.database
    handling = HANDLING.get()
    if handling is not None:
        handling.steps += 1
        kwargs = {
            "update_id": handling.update_id,
            "step": handling.steps,
            "again": handling.again,
            "service": service,
            "kwargs": kwargs,
        }
        service = run_step

    def unit_of_work() -> tuple[T, int]:
        uow: UnitOfWork
        with database.unit_of_work() as uow:
            return service(uow, **kwargs), uow.queued

    executor = application.bot_data.executor
    try:
        result, queued = await asyncio.get_running_loop().run_in_executor(executor, unit_of_work)
    except CoreError as error:
        raise Refusal.from_core(error) from None
    if queued:
        nudge_delivery(application)
    return result
