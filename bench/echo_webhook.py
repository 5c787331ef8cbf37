"""B6's baseline: the echo bot (bench/echo_bot.py) taking its updates by webhook, the way
python-telegram-bot's custom-webhook example does: a uvicorn server puts each update Telegram
posts on the application's queue. `python -m bench.echo_webhook`, configured like
`stockbot run` in webhook mode (TELEGRAM_WEBHOOK_URL, TELEGRAM_WEBHOOK_SECRET, HTTP_PORT)."""

from __future__ import annotations

import asyncio
import hmac

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application

from bench.echo_bot import echo_application
from bot.app import ALLOWED_UPDATES
from core.settings import Settings, load_settings

PATH = "/echo"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def _receiver(application: Application, secret: str) -> Starlette:  # type: ignore[type-arg]
    async def receive(request: Request) -> Response:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), secret):
            return Response(status_code=403)
        update = Update.de_json(await request.json(), application.bot)
        await application.update_queue.put(update)
        return Response()

    return Starlette(routes=[Route(PATH, receive, methods=["POST"])])


async def serve(settings: Settings) -> None:
    """Register the webhook, take updates until SIGTERM."""
    assert settings.telegram_webhook_url is not None
    assert settings.telegram_webhook_secret
    assert settings.http_port is not None
    secret = settings.telegram_webhook_secret.get_secret_value()
    application = echo_application(settings, polling=False)
    config = uvicorn.Config(
        _receiver(application, secret),
        host="127.0.0.1",
        port=settings.http_port,
        log_level="warning",
    )
    async with application:
        await application.bot.set_webhook(
            settings.telegram_webhook_url.rstrip("/") + PATH,
            secret_token=secret,
            allowed_updates=ALLOWED_UPDATES,
        )
        await application.start()
        await uvicorn.Server(config).serve()  # until SIGTERM
        await application.stop()


if __name__ == "__main__":
    asyncio.run(serve(load_settings()))
