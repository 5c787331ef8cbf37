"""Webhook mode (SPEC 4, 5): with TELEGRAM_WEBHOOK_URL set, Telegram posts each update to an
unguessable path of the HTTP server, with the secret token. A request without the right token
is refused and changes nothing; each update is answered at once, recorded by id so that a
retry (or another process) never handles it twice, and stored before the answer: the inbox
(bot/inbox.py) of any process handles it, so a process killed meanwhile loses nothing."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

from fastapi import APIRouter, Request, Response
from telegram import Update

from bot.context import App
from bot.runner import call_core
from core.settings import Settings
from core.shops.updates import receive

log = logging.getLogger("stockbot.bot")
SECRET_HEADER = "x-telegram-bot-api-secret-token"
# Telegram's own ceiling of simultaneous connections to one webhook.
MAX_CONNECTIONS = 40


def webhook_path(settings: Settings) -> str:
    """The path updates come to: derived from the token and the secret, so that nobody who
    knows neither can guess it (and it changes when either does)."""
    assert settings.telegram_bot_token is not None
    assert settings.telegram_webhook_secret is not None
    token = settings.telegram_bot_token.get_secret_value()
    both = token + settings.telegram_webhook_secret.get_secret_value()
    return "/telegram/" + hashlib.sha256(both.encode()).hexdigest()[:40]


def webhook_router(application: App) -> APIRouter:
    """The endpoint Telegram posts updates to."""
    settings = application.bot_data.settings
    assert settings.telegram_webhook_secret is not None
    secret = settings.telegram_webhook_secret.get_secret_value().encode()
    router = APIRouter()

    @router.post(webhook_path(settings))
    async def telegram_update(request: Request) -> Response:
        offered = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(offered, secret):
            return Response(status_code=403)
        try:
            payload = json.loads(await request.body())
            update = Update.de_json(payload, application.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            return Response(status_code=400)
        chat = update.effective_chat
        chat_id = chat.id if chat is not None else None
        inbox = application.bot_data.inbox
        received = await call_core(
            application,
            receive,
            update_id=update.update_id,
            chat_id=chat_id,
            payload=payload,
            take=inbox is not None and inbox.has_room(),
        )
        if not received.stored:
            log.info("update %d came again: it is handled once", update.update_id)
        elif inbox is not None and received.taken is not None:
            inbox.handle(received.taken)
        elif inbox is not None:
            inbox.wake()
        return Response(status_code=200)

    return router


async def set_webhook(application: App, allowed_updates: list[str]) -> None:
    """Tell Telegram where to post updates, with the secret token and the update types."""
    settings = application.bot_data.settings
    assert settings.telegram_webhook_url is not None
    assert settings.telegram_webhook_secret is not None
    await application.bot.set_webhook(
        settings.telegram_webhook_url + webhook_path(settings),
        secret_token=settings.telegram_webhook_secret.get_secret_value(),
        allowed_updates=allowed_updates,
        max_connections=MAX_CONNECTIONS,
    )
    log.info("Taking updates by webhook at %s", settings.telegram_webhook_url)
