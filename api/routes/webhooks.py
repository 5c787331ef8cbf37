"""/v1/webhooks: the shop's endpoints for outgoing events (SPEC 7, docs/webhooks.md). A new
endpoint's signing secret is in the answer to its creation, and nowhere else."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from api.auth import Reader, Writer
from api.context import context_of
from api.schemas import Strict
from core.shops import webhooks
from core.shops.views import WebhookView

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
EVENTS_NOTE = f"Some of: {', '.join(webhooks.EVENTS)}"


class Webhook(BaseModel):
    id: int
    url: str
    events: list[str]
    created_at: datetime
    disabled_at: datetime | None = Field(description="Switched off: 410 Gone, or 3 days failing")
    failing_since: datetime | None

    @classmethod
    def of(cls, view: WebhookView) -> Webhook:
        return cls(
            id=view.id,
            url=view.url,
            events=list(view.events),
            created_at=view.created_at,
            disabled_at=view.disabled_at,
            failing_since=view.failing_since,
        )


class NewWebhook(Strict):
    url: Annotated[str, Field(min_length=1, max_length=2048)]
    events: Annotated[list[str], Field(min_length=1, max_length=4, description=EVENTS_NOTE)]


class CreatedWebhookAnswer(BaseModel):
    webhook: Webhook
    secret: str = Field(description="The signing secret (`whsec_…`): shown only this once")


class WebhookList(BaseModel):
    webhooks: list[Webhook]


@router.get("")
async def list_webhooks(request: Request, caller: Reader) -> WebhookList:
    """The shop's endpoints (never their secrets)."""
    found = await context_of(request).run(webhooks.list_webhooks, shop_id=caller.shop_id)
    return WebhookList(webhooks=[Webhook.of(view) for view in found])


@router.post("", status_code=201)
async def create_webhook(
    request: Request, caller: Writer, body: NewWebhook
) -> CreatedWebhookAnswer:
    """Subscribe a URL to events; the answer holds its signing secret, once."""
    made = await context_of(request).run(
        webhooks.create_webhook, shop_id=caller.shop_id, url=body.url, events=body.events
    )
    return CreatedWebhookAnswer(webhook=Webhook.of(made.webhook), secret=made.secret)


@router.delete("/{webhook_id}", status_code=204)
async def delete_webhook(request: Request, caller: Writer, webhook_id: int) -> Response:
    """Stop sending to the endpoint; what was queued for it is not sent."""
    await context_of(request).run(
        webhooks.delete_webhook, shop_id=caller.shop_id, webhook_id=webhook_id
    )
    return Response(status_code=204)
