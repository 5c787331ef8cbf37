"""The Telegram application: handlers in one ordered list, the job queue, start and stop."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, NetworkError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.commands_menu import set_default_menu
from bot.delivery.limits import build_rate_limiter
from bot.delivery.relay import Delivery
from bot.handlers import admin, alerts, fallbacks, items, onboarding, prefs, stock_list
from bot.jobs import schedule_daily_check
from bot.logging_setup import RedactingFilter, safe_summary, secret_values
from bot.ordering import PerChatUpdateProcessor
from bot.runner import CORE_THREADS, DATABASE, DELIVERY, EXECUTOR, SETTINGS, create_executor
from core.db.migrations import upgrade_to_head
from core.db.session import Database, display_url
from core.delivery.config import DeliveryConfig
from core.settings import Settings

log = logging.getLogger("stockbot.bot")

App = Application[Any, Any, Any, Any, Any, Any]

# Commands act on new messages in private chats only: an *edited* "/remove Tea 3" must
# never take stock out a second time.
PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]
WITH_DELIVERY = "with_delivery"
# A connection for each core thread and each of the relay's 4 threads: with fewer, busy
# moments open and close surplus connections (a new PostgreSQL backend each time).
DATABASE_POOL_SIZE = CORE_THREADS + 4
# Connections to the Bot API. httpcore scans its whole pool, idle connections included, on
# every request, and closes idle ones beyond httpx's 20 kept alive only to open new ones, so
# PTB's 256 costs more time than it saves. A request that finds every connection busy waits
# for one (up to POOL_TIMEOUT seconds) instead.
HTTP_CONNECTIONS = 16
POOL_TIMEOUT = 10.0

COMMAND_HANDLERS = {
    "start": onboarding.start,
    "join": onboarding.join,
    "help": onboarding.help_command,
    "cancel": onboarding.cancel,
    "additem": items.additem,
    "set": items.set_quantity,
    "add": items.add,
    "remove": items.remove,
    "item": items.item,
    "delitem": items.delitem,
    "stock": stock_list.stock,
    "alerts": alerts.list_alerts,
    "alert": alerts.show_alert,
    "resolve": alerts.resolve,
    "threshold": admin.threshold,
    "stats": admin.show_stats,
    "check": admin.run_check,
    "invite": admin.invite,
    "prefs": prefs.prefs,
    "email": prefs.email,
    "whatsapp": prefs.whatsapp,
    "notify": prefs.notify,
}


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    """Every handler, in the order they are tried: the first that matches handles the update."""
    return [
        MessageHandler(~filters.ChatType.PRIVATE & filters.COMMAND, fallbacks.group_message),
        MessageHandler(
            filters.UpdateType.EDITED_MESSAGE & filters.ChatType.PRIVATE, fallbacks.edited_message
        ),
        *(CommandHandler(name, handler, PRIVATE) for name, handler in COMMAND_HANDLERS.items()),
        CallbackQueryHandler(alerts.resolve_button, pattern=r"^alert:resolve:"),
        CallbackQueryHandler(alerts.restock_button, pattern=r"^alert:restock:"),
        CallbackQueryHandler(stock_list.turn_page, pattern=rf"^{stock_list.PREFIX}"),
        CallbackQueryHandler(fallbacks.stale_button),
        MessageHandler(PRIVATE & filters.COMMAND, fallbacks.unknown_command),
        MessageHandler(PRIVATE & filters.TEXT, fallbacks.text_message),
        MessageHandler(PRIVATE, fallbacks.other_message),
    ]


def file_base_url(base_url: str) -> str:
    """The Bot API's file URL for its method URL: `…/bot` → `…/file/bot`."""
    head, _, last = base_url.rstrip("/").rpartition("/")
    return f"{head}/file/{last}"


def build_application(settings: Settings, database: Database, *, delivery: bool = True) -> App:
    """The bot, ready to run: handlers, error handler, daily check.

    `delivery=False` leaves the notification relay off (command tests that want no pushes)."""
    assert settings.telegram_bot_token is not None
    application = (
        ApplicationBuilder()
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
    application.bot_data.update({SETTINGS: settings, DATABASE: database, WITH_DELIVERY: delivery})
    application.add_handlers(handlers())
    application.add_error_handler(fallbacks.on_error)
    schedule_daily_check(application)
    return application


async def _start_delivery(application: App) -> None:
    if not application.bot_data[WITH_DELIVERY]:
        return
    settings, database = application.bot_data[SETTINGS], application.bot_data[DATABASE]
    relay = Delivery(settings, database, application.bot, DeliveryConfig())
    await relay.start()
    application.bot_data[DELIVERY] = relay


async def _post_init(application: App) -> None:
    """Shared resources, once the bot knows who it is: worker threads, menu, relay."""
    application.bot_data[EXECUTOR] = create_executor()
    await set_default_menu(application.bot)
    await _start_delivery(application)
    log.info("Running as @%s", application.bot.username)


async def _post_stop(application: App) -> None:
    """Stop the relay while the bot's HTTP client is still open, so sends in flight finish."""
    relay = application.bot_data.pop(DELIVERY, None)
    if relay is not None:
        await relay.stop()


async def _post_shutdown(application: App) -> None:
    """Stop the worker threads, then close the database's connections."""
    executor = application.bot_data.pop(EXECUTOR, None)
    if executor is not None:
        await asyncio.to_thread(executor.shutdown, wait=True)
    database: Database | None = application.bot_data.get(DATABASE)
    if database is not None:
        await asyncio.to_thread(database.dispose)


@asynccontextmanager
async def serving(application: App, *, poll_timeout: int = 10) -> AsyncIterator[App]:
    """Run the application inside an already running event loop, as run_polling would."""
    await application.initialize()
    try:
        assert application.post_init is not None and application.updater is not None
        await application.post_init(application)
        await application.updater.start_polling(
            timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES
        )
        await application.start()
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()
            assert application.post_stop is not None
            await application.post_stop(application)
    finally:
        await application.shutdown()
        assert application.post_shutdown is not None
        await application.post_shutdown(application)


NO_TOKEN = (
    "TELEGRAM_BOT_TOKEN is not set. Create a bot with @BotFather in Telegram "
    "(https://t.me/BotFather, command /newbot), then put the token it gives you in "
    "TELEGRAM_BOT_TOKEN, in the environment or in a .env file."
)
BAD_TOKEN = (
    "Telegram refused TELEGRAM_BOT_TOKEN. Copy the token again from @BotFather "
    "(/mybots, then API Token) and check TELEGRAM_API_BASE_URL."
)


def _open_database(settings: Settings) -> Database | None:
    """The migrated database, or None after saying on stderr why it cannot be opened."""
    database = None
    try:
        database = Database.from_settings(settings, pool_size=DATABASE_POOL_SIZE)
        upgrade_to_head(database.engine)
    except Exception as error:  # any failure here means the bot cannot start; say why
        if database is not None:
            database.dispose()
        print(
            f"DATABASE_URL: cannot open the database: {safe_summary(settings, error)}",
            file=sys.stderr,
        )
        return None
    return database


def banner(settings: Settings) -> str:
    """What `stockbot run` prints at start: channels, database, check time; never secrets."""
    channels = ", ".join(sorted(settings.enabled_channels))
    at = f"{settings.alert_check_time:%H:%M:%S} {settings.alert_timezone.key}"
    return (
        f"Stockbot starting. Channels on: {channels}. "
        f"Database: {display_url(settings.database_url)}. Daily check at {at}."
    )


def run_bot(settings: Settings) -> int:
    """`stockbot run`: migrate, then poll Telegram until SIGTERM or SIGINT; the exit status."""
    if settings.telegram_bot_token is None:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    database = _open_database(settings)
    if database is None:
        return 1
    print(banner(settings), flush=True)
    application = build_application(settings, database)
    try:
        application.run_polling(allowed_updates=ALLOWED_UPDATES)
    except InvalidToken:
        print(BAD_TOKEN, file=sys.stderr)
        return 2
    except NetworkError as error:
        redact = RedactingFilter(secret_values(settings)).redact
        print(
            f"Cannot reach the Telegram Bot API (TELEGRAM_API_BASE_URL="
            f"{redact(settings.telegram_api_base_url)}): {safe_summary(settings, error)}",
            file=sys.stderr,
        )
        return 1
    print("Stockbot stopped.", flush=True)
    return 0
