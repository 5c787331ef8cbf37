"""`stockbot run`: the start-up checks and what they tell the operator, then polling, the
webhook, or (`--api-only`) neither."""

from __future__ import annotations

import asyncio
import signal
import sys

from telegram.error import InvalidToken, NetworkError

from bot.app import ALLOWED_UPDATES, build_application
from bot.context import App
from bot.delivery.relay import relay_threads
from bot.delivery.shared_budget import BUDGET_THREADS
from bot.logging_setup import RedactingFilter, safe_summary, secret_values
from bot.runner import CORE_THREADS
from bot.webhook import set_webhook
from core.db.migrations import upgrade_to_head
from core.db.session import Database, display_url
from core.settings import Settings


def database_pool_size(settings: Settings) -> int:
    """A connection for each core thread, each of the relay's threads and each thread of the
    shared Telegram budget: with fewer, busy moments open and close surplus connections (a
    new PostgreSQL backend each time)."""
    return CORE_THREADS + relay_threads(settings) + BUDGET_THREADS


NO_TOKEN = (
    "TELEGRAM_BOT_TOKEN is not set. Create a bot with @BotFather in Telegram "
    "(https://t.me/BotFather, command /newbot), then put the token it gives you in "
    "TELEGRAM_BOT_TOKEN, in the environment or in a .env file."
)
NO_PORT = (
    "--api-only serves the HTTP API and nothing else: set HTTP_PORT (say 8080) to the port "
    "it should listen on."
)
BAD_TOKEN = (
    "Telegram refused TELEGRAM_BOT_TOKEN. Copy the token again from @BotFather "
    "(/mybots, then API Token) and check TELEGRAM_API_BASE_URL."
)


def _open_database(settings: Settings) -> Database | None:
    """The migrated database, or None after saying on stderr why it cannot be opened."""
    database = None
    try:
        database = Database.from_settings(settings, pool_size=database_pool_size(settings))
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


def _updates(settings: Settings, *, api_only: bool) -> str:
    if api_only:
        return "not taken here (--api-only: the HTTP API, delivery and the jobs)"
    return "by webhook" if settings.telegram_webhook_url else "by long polling"


def banner(settings: Settings, *, api_only: bool = False) -> str:
    """What `stockbot run` prints at start: how updates come, channels, database, check time;
    never secrets."""
    channels = ", ".join(sorted(settings.enabled_channels))
    at = f"{settings.alert_check_time:%H:%M:%S}"
    updates = _updates(settings, api_only=api_only)
    return (
        f"Stockbot starting. Updates {updates}. Channels on: {channels}. "
        f"Database: {display_url(settings.database_url)}. Daily check at {at} in each "
        f"shop's zone ({settings.alert_timezone.key} unless the shop set its own)."
    )


def run_bot(settings: Settings, *, api_only: bool = False) -> int:
    """`stockbot run`: migrate, then take Telegram's updates (by polling or webhook; with
    `api_only`, none) until SIGTERM or SIGINT; the exit status."""
    if settings.telegram_bot_token is None:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    if api_only and settings.http_port is None:
        print(NO_PORT, file=sys.stderr)
        return 2
    database = _open_database(settings)
    if database is None:
        return 1
    print(banner(settings, api_only=api_only), flush=True)
    application = build_application(settings, database)
    application.bot_data.api_only = api_only
    try:
        if api_only:
            asyncio.run(serve_until_stopped(application))
        elif settings.telegram_webhook_url is None:
            application.run_polling(allowed_updates=ALLOWED_UPDATES)
        else:
            asyncio.run(serve_until_stopped(application, register_webhook=True))
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


async def serve_until_stopped(application: App, *, register_webhook: bool = False) -> None:
    """As run_polling does, without polling: start the bot (relay and HTTP server in
    post_init), register the webhook if asked (Telegram then posts updates to the HTTP
    server), run until SIGTERM or SIGINT, then stop in the same order as polling does. The
    webhook is never deleted here: another process may be taking updates by it."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    await application.initialize()
    try:
        assert application.post_init is not None
        await application.post_init(application)
        await application.start()
        if register_webhook:
            await set_webhook(application, ALLOWED_UPDATES)
        await stopping.wait()
        await application.stop()
        assert application.post_stop is not None
        await application.post_stop(application)
    finally:
        await application.shutdown()
        assert application.post_shutdown is not None
        await application.post_shutdown(application)
