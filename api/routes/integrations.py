"""Point-of-sale webhooks in (SPEC 7): Shopify's `inventory_levels/update` and Square's
`inventory.count.updated`, each at the URL `/connect` gave. The signature over the raw body
is checked before anything is read from it; an event is applied once (by its id), setting
the quantity of the item with that SKU through the ledger (`import`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request
from pydantic import BaseModel

from api.context import ApiContext, context_of
from api.problems import Problem
from core.pos_webhooks import (
    parse_shopify_inventory,
    parse_square_inventory,
    shopify_signature_ok,
    square_signature_ok,
)
from core.results import PosResult
from core.shops.pos import connection_for, webhook_url
from core.shops.views import ConnectionSecret
from core.stock.pos_sync import apply_pos_event

router = APIRouter(prefix="/v1/integrations", tags=["point of sale"])
BAD_SIGNATURE = "The signature does not match this connection's secret: nothing was changed."


class PosAnswer(BaseModel):
    replayed: bool
    changed: int
    unchanged: int
    unknown_skus: list[str]

    @classmethod
    def of(cls, result: PosResult) -> PosAnswer:
        return cls(
            replayed=result.replayed,
            changed=len(result.changed),
            unchanged=result.unchanged,
            unknown_skus=list(result.unknown_skus),
        )


async def _connection(context: ApiContext, provider: str, token: str) -> ConnectionSecret:
    found = await context.run(connection_for, provider=provider, token=token)
    if found is None:
        raise Problem(404, "No such connection: make one with /connect in the bot.")
    return found


@router.post("/shopify/{token}")
async def shopify_inventory(
    request: Request,
    token: str,
    x_shopify_hmac_sha256: Annotated[str | None, Header()] = None,
    x_shopify_webhook_id: Annotated[str | None, Header(max_length=128)] = None,
) -> PosAnswer:
    """Shopify's inventory level of an item: verified with `X-Shopify-Hmac-Sha256`,
    applied once per `X-Shopify-Webhook-Id`."""
    context = context_of(request)
    connection = await _connection(context, "shopify", token)
    body = await request.body()
    if not shopify_signature_ok(connection.secret, body, x_shopify_hmac_sha256):
        raise Problem(401, BAD_SIGNATURE)
    if not x_shopify_webhook_id:
        raise Problem(422, "X-Shopify-Webhook-Id is missing: each event needs its id.")
    counts = parse_shopify_inventory(body)
    result = await context.run(
        apply_pos_event, connection_id=connection.id, event_id=x_shopify_webhook_id, counts=counts
    )
    return PosAnswer.of(result)


@router.post("/square/{token}")
async def square_inventory(
    request: Request,
    token: str,
    x_square_hmacsha256_signature: Annotated[str | None, Header()] = None,
) -> PosAnswer:
    """Square's inventory counts: verified with `x-square-hmacsha256-signature` over the
    notification URL and the body, applied once per `event_id`."""
    context = context_of(request)
    connection = await _connection(context, "square", token)
    body = await request.body()
    url = webhook_url(context.settings.public_base_url, "square", token) or str(request.url)
    if not square_signature_ok(connection.secret, url, body, x_square_hmacsha256_signature):
        raise Problem(401, BAD_SIGNATURE)
    event_id, counts = parse_square_inventory(body)
    result = await context.run(
        apply_pos_event, connection_id=connection.id, event_id=event_id, counts=counts
    )
    return PosAnswer.of(result)
