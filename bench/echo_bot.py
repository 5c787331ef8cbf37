"""B3's baseline: a minimal python-telegram-bot echo bot with Stockbot's rate limiter,
per-chat update order and connection pool. `python -m bench.echo_bot`, configured like
`stockbot run`."""

from __future__ import annotations

import html
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, CallbackContext, MessageHandler, filters

from bot.app import ALLOWED_UPDATES, HTTP_CONNECTIONS, POOL_TIMEOUT
from bot.delivery.limits import build_rate_limiter
from bot.ordering import PerChatUpdateProcessor
from core.settings import Settings, load_settings


async def echo(update: Update, context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Send the message's text back, as HTML like Stockbot's replies."""
    assert update.effective_chat is not None
    assert update.message is not None
    await context.bot.send_message(
        update.effective_chat.id, html.escape(update.message.text or ""), parse_mode=ParseMode.HTML
    )


def echo_application(
    settings: Settings, *, polling: bool = True
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The echo bot: Stockbot's pool, rate limiter and per-chat order, and the echo handler;
    without `polling`, no updater (updates are put on its queue by a webhook receiver)."""
    assert settings.telegram_bot_token is not None
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_api_base_url)
        # PTB's pool of 256 costs more than it saves under many chats (see bot/app.py): the
        # baseline gets the same pool as Stockbot, so only what each bot does differs.
        .connection_pool_size(HTTP_CONNECTIONS)
        .pool_timeout(POOL_TIMEOUT)
        .rate_limiter(build_rate_limiter(settings, None))
        .concurrent_updates(PerChatUpdateProcessor())
    )
    application = (builder if polling else builder.updater(None)).build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    return application


def main() -> None:
    """Poll the configured Bot API until SIGTERM."""
    echo_application(load_settings()).run_polling(allowed_updates=ALLOWED_UPDATES)


if __name__ == "__main__":
    main()
