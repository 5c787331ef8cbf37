"""Core calls from the event loop: one unit of work in a worker thread, errors as replies."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from telegram.ext import Application

from bot.context import App, Context
from bot.errors import Refusal
from core import shops
from core.alerts import lifecycle
from core.db.session import UnitOfWork
from core.errors import CoreError
from core.results import StockChange
from core.stock import queries

log = logging.getLogger("stockbot.bot")

T = TypeVar("T")

# Enough threads for the chats that hit the database at once; SQLAlchemy's default pool
# (5 + 10 overflow) has a connection for each, with room left for the delivery relay.
CORE_THREADS = 8

# Services that only read: nothing they do can queue a notification.
READ_ONLY: frozenset[Callable[..., Any]] = frozenset(
    {
        queries.list_items,
        queries.item_details,
        lifecycle.list_alerts,
        lifecycle.get_alert,
        shops.get_prefs,
        shops.get_member,
    }
)

AnyContext = Context | App


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
    relay is nudged if the service may have queued notifications."""
    application = application_of(source)
    database = application.bot_data.database

    def unit_of_work() -> T:
        uow: UnitOfWork
        with database.unit_of_work() as uow:
            return service(uow, **kwargs)

    executor = application.bot_data.executor
    try:
        result = await asyncio.get_running_loop().run_in_executor(executor, unit_of_work)
    except CoreError as error:
        raise Refusal.from_core(error) from None
    # Each nudge makes the relay look for work in the database: under load, nudges after
    # reads and after stock changes that opened or resolved no alert cost the bot a third
    # as much as the commands' own core calls, and never found anything.
    if may_have_queued(service, result):
        nudge_delivery(application)
    return result


def may_have_queued(service: Callable[..., Any], result: object) -> bool:
    """False when the service cannot have queued a notification: a read, or a stock change
    that opened and resolved no alert."""
    if service in READ_ONLY:
        return False
    if isinstance(result, StockChange):
        return result.alert_opened is not None or result.alert_resolved is not None
    return True
