"""The API application: its routers, problem answers, and its OpenAPI document."""

from __future__ import annotations

from fastapi import FastAPI

from api.auth import KeyRateLimit
from api.context import ApiContext
from api.problems import add_problem_handlers
from api.routes import alerts, health, items, shop

DESCRIPTION = (
    "The shop's items, stock and alerts over HTTP, with the same rules as the Telegram bot. "
    "Authenticate with `Authorization: Bearer <key>`: an admin makes a key with `/apikey new` "
    "in a private chat with the bot. Errors are `application/problem+json` (RFC 9457)."
)


def create_app(context: ApiContext, rate_limit: KeyRateLimit | None = None) -> FastAPI:
    """The API over these parts of the running service."""
    app = FastAPI(
        title="Stockbot API",
        version="1",
        description=DESCRIPTION,
        openapi_url="/v1/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.context = context
    app.state.rate_limit = rate_limit or KeyRateLimit()
    add_problem_handlers(app)
    for module in (health, items, alerts, shop):
        app.include_router(module.router)
    return app
