"""The HTTP API inside `stockbot run` (SPEC 7): started with the bot when HTTP_PORT is set,
on the bot's event loop, with its database and core threads; stopped before the relay."""

from __future__ import annotations

from api.context import ApiContext
from api.server import ApiServer
from bot.context import App
from bot.inbox import Inbox
from bot.runner import nudge_delivery
from bot.webhook import webhook_router


async def start_http(application: App) -> None:
    """Serve the API on HTTP_HOST:HTTP_PORT, if a port is set; in webhook mode (unless
    --api-only), with the inbox that handles the updates Telegram posts there."""
    data = application.bot_data
    if data.settings.http_port is None:
        return
    webhook = bool(data.settings.telegram_webhook_url) and not data.api_only
    if webhook:
        data.inbox = Inbox(application)
        data.inbox.start()
    assert data.executor is not None
    context = ApiContext(
        settings=data.settings,
        database=data.database,
        executor=data.executor,
        on_queued=lambda: nudge_delivery(application),
    )
    # In webhook mode Telegram's updates come to the same server.
    routers = [webhook_router(application)] if webhook else []
    server = ApiServer(
        context, host=data.settings.http_host, port=data.settings.http_port, routers=routers
    )
    await server.start()
    data.http = server


async def stop_http(application: App) -> None:
    """Finish the requests in flight and stop listening; then the updates being handled."""
    server, application.bot_data.http = application.bot_data.http, None
    if server is not None:
        await server.stop()
    inbox, application.bot_data.inbox = application.bot_data.inbox, None
    if inbox is not None:
        await inbox.stop()
