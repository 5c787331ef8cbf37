"""A shop's outgoing webhook endpoints (SPEC 7): subscribing a URL to events, listing,
deleting. The deliveries themselves are outbox rows (core.alerts.webhook_events queues them,
core.delivery.webhook posts them)."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, insert, select, update

from core.db.models import Notification, Shop, WebhookEndpoint
from core.db.session import UnitOfWork
from core.errors import InvalidInput, NotFound
from core.shops.views import CreatedWebhook, WebhookView
from core.vocabulary import Channel, Status

EVENTS = ("alert.opened", "alert.updated", "alert.resolved", "stock.changed")
MAX_URL = 2048
MAX_ENDPOINTS = 10
# Plain http is for a receiver on the same machine only: anything else would carry signed
# shop data unencrypted.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost"})
SECRET_PREFIX = "whsec_"

_VIEW_COLUMNS = (
    WebhookEndpoint.id,
    WebhookEndpoint.url,
    WebhookEndpoint.events,
    WebhookEndpoint.created_at,
    WebhookEndpoint.disabled_at,
    WebhookEndpoint.failing_since,
)


def clean_url(url: str) -> str:
    """The URL as stored, or InvalidInput saying what is wrong with it."""
    url = url.strip()
    if len(url) > MAX_URL:
        raise InvalidInput(f"The URL is too long: at most {MAX_URL} characters.")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidInput("The URL must be an https:// address, such as https://example.com/hook.")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise InvalidInput(
            "The URL must use https://; plain http:// is allowed only for 127.0.0.1 or localhost."
        )
    return url


def clean_events(events: Sequence[str]) -> tuple[str, ...]:
    """The events in their canonical order, or InvalidInput naming those that exist."""
    wanted = {event.strip() for event in events}
    unknown = sorted(wanted - set(EVENTS))
    if unknown or not wanted:
        what = f"Unknown events: {', '.join(unknown)}. " if unknown else "No events given. "
        raise InvalidInput(what + f"Choose one or more of: {', '.join(EVENTS)}.")
    return tuple(event for event in EVENTS if event in wanted)


def new_secret() -> str:
    """A signing secret as Standard Webhooks writes it: "whsec_" and 24 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def _lock_shop(uow: UnitOfWork, shop_id: int) -> None:
    # Counting the endpoints then adding one is race-free only under the shop's row lock.
    found = uow.run(select(Shop.id).where(Shop.id == shop_id).with_for_update()).scalar()
    if found is None:
        raise NotFound("There is no such shop.")


def _view(row: Any) -> WebhookView:
    endpoint_id, url, events, created_at, disabled_at, failing_since = row
    return WebhookView(
        endpoint_id, url, tuple(events.split(",")), created_at, disabled_at, failing_since
    )


def create_webhook(
    uow: UnitOfWork, *, shop_id: int, url: str, events: Sequence[str]
) -> CreatedWebhook:
    """Subscribe a URL to some of the shop's events, and commit. The answer holds the signing
    secret: it is shown this once (list_webhooks never shows it)."""
    cleaned_url, cleaned_events = clean_url(url), clean_events(events)
    _lock_shop(uow, shop_id)
    count = len(list(uow.run(select(WebhookEndpoint.id).where(WebhookEndpoint.shop_id == shop_id))))
    if count >= MAX_ENDPOINTS:
        raise InvalidInput(
            f"A shop may have at most {MAX_ENDPOINTS} webhooks: delete one before adding another."
        )
    secret = new_secret()
    row = uow.run(
        insert(WebhookEndpoint)
        .values(
            shop_id=shop_id,
            url=cleaned_url,
            events=",".join(cleaned_events),
            secret=secret,
            created_at=uow.now(),
        )
        .returning(*_VIEW_COLUMNS)
    ).one()
    uow.commit()
    return CreatedWebhook(_view(row), secret)


def list_webhooks(uow: UnitOfWork, *, shop_id: int) -> list[WebhookView]:
    """The shop's endpoints, oldest first, without their secrets."""
    rows = uow.run(
        select(*_VIEW_COLUMNS)
        .where(WebhookEndpoint.shop_id == shop_id)
        .order_by(WebhookEndpoint.id)
    )
    return [_view(row) for row in rows]


def delete_webhook(uow: UnitOfWork, *, shop_id: int, webhook_id: int) -> None:
    """Delete one of the shop's endpoints and cancel what was queued for it, and commit.
    Another shop's endpoint is NotFound, exactly as a missing one."""
    deleted = uow.run(
        delete(WebhookEndpoint)
        .where(WebhookEndpoint.id == webhook_id, WebhookEndpoint.shop_id == shop_id)
        .returning(WebhookEndpoint.id)
    ).scalar()
    if deleted is None:
        raise NotFound(f"There is no webhook #{webhook_id}.")
    cancel_deliveries(uow, webhook_id)
    uow.commit()


def cancel_deliveries(uow: UnitOfWork, webhook_id: int) -> int:
    """Cancel the endpoint's queued deliveries (deleted or disabled); returns how many."""
    result = uow.run(
        update(Notification)
        .where(
            Notification.channel == Channel.WEBHOOK.value,
            Notification.recipient == str(webhook_id),
            Notification.status == Status.PENDING.value,
        )
        .values(status=Status.CANCELLED.value)
    )
    return result.rowcount or 0
