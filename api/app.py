"""The API application: its routers, problem answers, and its OpenAPI document."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, FastAPI

from api.auth import KeyRateLimit
from api.context import ApiContext
from api.problems import add_problem_handlers
from api.routes import alerts, files, health, integrations, items, shop, webhooks
from api.schemas import ProblemDetails

DESCRIPTION = (
    "The shop's items, stock and alerts over HTTP, with the same rules as the Telegram bot. "
    "Authenticate with `Authorization: Bearer <key>`: an admin makes a key with `/apikey new` "
    "in a private chat with the bot. Errors are `application/problem+json` (RFC 9457)."
)


_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}
# Every answer an endpoint may give besides its own, documented so clients (and the schema
# tests) know them.
PROBLEMS: dict[int | str, dict[str, object]] = {
    status: {"description": why, "content": _PROBLEM, "model": ProblemDetails}
    for status, why in (
        (401, "No API key, or one that is wrong or revoked"),
        (403, "A read-only key asked to write"),
        (404, "No such object in the key's shop"),
        (409, "It conflicts with the shop's data (a name or SKU in use, not enough stock)"),
        (422, "The request is not valid; nothing changed"),
        (429, "Too many requests with this key: see Retry-After"),
    )
}


def create_app(
    context: ApiContext,
    rate_limit: KeyRateLimit | None = None,
    routers: Sequence[APIRouter] = (),
) -> FastAPI:
    """The API over these parts of the running service, and the `routers` of other front
    ends served beside it (the bot's Telegram webhook)."""
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
    app.include_router(health.router)
    for router in routers:
        app.include_router(router, include_in_schema=False)
    for module in (items, alerts, shop, files, webhooks, integrations):
        app.include_router(module.router, responses=PROBLEMS)
    return app
