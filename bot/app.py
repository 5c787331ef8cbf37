"""The Telegram application: handlers in one ordered list, the job queue, start and stop."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Update
from telegram.ext import (
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.commands import COMMANDS, set_default_menu
from bot.context import CONTEXT_TYPES, App
from bot.delivery.limits import build_rate_limiter
from bot.delivery.relay import Delivery
from bot.flood import FloodGate
from bot.handlers import alerts, charts, fallbacks, flood, handling, room, stock_list, team
from bot.http import start_http, stop_http
from bot.jobs import schedule_daily_check, schedule_escalations, schedule_housekeeping
from bot.ordering import PerChatUpdateProcessor
from bot.runner import create_executor
from core.db.session import Database
from core.delivery.config import DeliveryConfig
from core.settings import Settings

log = logging.getLogger("stockbot.bot")
# The relay as `stockbot run` tunes it.
PRODUCTION = DeliveryConfig()

# Commands act on new messages only, in private chats and in groups (a shop's room): an
# *edited* "/remove Tea 3" must never take stock out a second time.
PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
GROUP = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE
ANY_CHAT = PRIVATE | GROUP
ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
]
# Connections to the Bot API. httpcore scans its whole pool, idle connections included, on
# every request, and closes idle ones beyond httpx's 20 kept alive only to open new ones, so
# PTB's 256 costs more time than it saves. A request that finds every connection busy waits
# for one (up to POOL_TIMEOUT seconds) instead.
HTTP_CONNECTIONS = 16
POOL_TIMEOUT = 10.0


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    """Every handler, in the order they are tried: the first that matches handles the update."""
    return [
        ChatMemberHandler(room.membership_changed, ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(filters.StatusUpdate.MIGRATE, room.migrated),
        MessageHandler(
            filters.UpdateType.EDITED_MESSAGE & filters.ChatType.PRIVATE, fallbacks.edited_message
        ),
        *command_handlers(),
        CallbackQueryHandler(alerts.resolve_button, pattern=r"^alert:resolve:"),
        CallbackQueryHandler(alerts.restock_button, pattern=r"^alert:restock:"),
        CallbackQueryHandler(handling.ack_button, pattern=r"^alert:ack:"),
        CallbackQueryHandler(handling.snooze_button, pattern=r"^alert:snooze:"),
        CallbackQueryHandler(handling.order_button, pattern=r"^alert:order:"),
        CallbackQueryHandler(handling.order_defaults_button, pattern=r"^alert:orderdefault:"),
        CallbackQueryHandler(stock_list.turn_page, pattern=rf"^{stock_list.PREFIX}"),
        CallbackQueryHandler(charts.chart_button, pattern=rf"^{charts.PREFIX}"),
        CallbackQueryHandler(team.leave_button, pattern=rf"^{team.PREFIX}"),
        CallbackQueryHandler(fallbacks.stale_button),
        MessageHandler(GROUP & filters.COMMAND, fallbacks.group_command),
        MessageHandler(GROUP & filters.TEXT & filters.REPLY, fallbacks.group_reply),
        MessageHandler(PRIVATE & filters.COMMAND, fallbacks.unknown_command),
        MessageHandler(PRIVATE & filters.TEXT, fallbacks.text_message),
        MessageHandler(PRIVATE, fallbacks.other_message),
    ]


def command_handlers() -> list[BaseHandler[Any, Any, Any]]:
    """Every command, in private chats and groups; one that shows codes, addresses or
    personal settings answers "send me this privately" in a group."""
    found: list[BaseHandler[Any, Any, Any]] = []
    for command in COMMANDS:
        if command.private_only:
            found.append(CommandHandler(command.name, command.callback(), PRIVATE))
            found.append(CommandHandler(command.name, room.private_only, GROUP))
        else:
            found.append(CommandHandler(command.name, command.callback(), ANY_CHAT))
    return found


def file_base_url(base_url: str) -> str:
    """The Bot API's file URL for its method URL: `…/bot` → `…/file/bot`."""
    head, _, last = base_url.rstrip("/").rpartition("/")
    return f"{head}/file/{last}"


def build_application(
    settings: Settings, database: Database, *, delivery: DeliveryConfig | None = PRODUCTION
) -> App:
    """The bot, ready to run: handlers, error handler, daily check, and the delivery relay
    tuned by `delivery`; None leaves the relay off (command tests that want no pushes)."""
    assert settings.telegram_bot_token is not None
    application = (
        ApplicationBuilder()
        .context_types(CONTEXT_TYPES)
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(file_base_url(settings.telegram_api_base_url))
        .connection_pool_size(HTTP_CONNECTIONS)
        .pool_timeout(POOL_TIMEOUT)
        .rate_limiter(build_rate_limiter(settings))
        .concurrent_updates(PerChatUpdateProcessor())
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
        .build()
    )
    data = application.bot_data
    data.settings, data.database, data.delivery_config = settings, database, delivery
    data.flood = FloodGate(limit=settings.commands_per_minute)
    application.add_handler(flood.flood_handler(), group=flood.GROUP)
    application.add_handlers(handlers())
    application.add_error_handler(fallbacks.on_error)
    schedule_daily_check(application)
    schedule_escalations(application)
    schedule_housekeeping(application)
    return application


async def _start_delivery(application: App) -> None:
    data = application.bot_data
    if data.delivery_config is None:
        return
    relay = Delivery(data.settings, data.database, application.bot, data.delivery_config)
    await relay.start()
    data.delivery = relay


async def _post_init(application: App) -> None:
    """Shared resources, once the bot knows who it is: worker threads, menu, relay."""
    application.bot_data.executor = create_executor()
    await set_default_menu(application.bot)
    await _start_delivery(application)
    await start_http(application)
    log.info("Running as @%s", application.bot.username)


async def _post_stop(application: App) -> None:
    """Stop taking API requests, then the relay while the bot's HTTP client is still open,
    so sends in flight finish."""
    await stop_http(application)
    relay, application.bot_data.delivery = application.bot_data.delivery, None
    if relay is not None:
        await relay.stop()


async def _post_shutdown(application: App) -> None:
    """Stop the worker threads, then close the database's connections."""
    executor, application.bot_data.executor = application.bot_data.executor, None
    if executor is not None:
        await asyncio.to_thread(executor.shutdown, wait=True)
    await asyncio.to_thread(application.bot_data.database.dispose)
