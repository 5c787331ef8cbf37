"""What the relay keeps of webhook endpoints (SPEC 7): each claim's URL and secret, and
each outcome's mark on its endpoint. An endpoint that answered 410 Gone, or whose
deliveries kept failing for FAILING_LIMIT, is disabled and the shop's admins are told."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, cast, func, literal, select, update

from core.db.dialect import insert_or_skip, json_object
from core.db.models import Member, Notification, WebhookEndpoint
from core.db.session import UnitOfWork
from core.delivery.types import Claim, Outcome, WebhookTarget
from core.shops.webhooks import cancel_deliveries
from core.vocabulary import Channel, Kind, Status

FAILING_LIMIT = timedelta(days=3)
_ADMIN_COLUMNS = (
    "shop_id",
    "member_id",
    "channel",
    "recipient",
    "kind",
    "payload",
    "idempotency_key",
    "status",
    "attempts",
    "next_attempt_at",
    "created_at",
)


def with_targets(uow: UnitOfWork, claims: list[Claim]) -> list[Claim]:
    """The claims, each webhook one with its enabled endpoint's URL and secret."""
    ids = {int(claim.recipient) for claim in claims if claim.channel == Channel.WEBHOOK}
    if not ids:
        return claims
    rows: Any = uow.run(
        select(WebhookEndpoint.id, WebhookEndpoint.url, WebhookEndpoint.secret).where(
            WebhookEndpoint.id.in_(sorted(ids)), WebhookEndpoint.disabled_at.is_(None)
        )
    )
    targets = {str(endpoint_id): WebhookTarget(url, secret) for endpoint_id, url, secret in rows}
    return [replace(claim, webhook=targets.get(claim.recipient)) for claim in claims]


def mark_endpoint(uow: UnitOfWork, claim: Claim, outcome: Outcome) -> None:
    """Record on the claim's endpoint what its delivery did: a success ends a run of
    failures; a failure starts or extends one, and disables the endpoint when it has gone
    on for FAILING_LIMIT (or at once when the endpoint is gone)."""
    if claim.channel != Channel.WEBHOOK or outcome.verdict == "defer":
        return
    endpoint = WebhookEndpoint.id == int(claim.recipient)
    if outcome.verdict == "sent":
        uow.run(update(WebhookEndpoint).where(endpoint).values(failing_since=None, last_error=None))
        return
    now = uow.now()
    since = uow.run(
        update(WebhookEndpoint)
        .where(endpoint)
        .values(
            failing_since=func.coalesce(WebhookEndpoint.failing_since, now),
            last_error=outcome.reason,
        )
        .returning(WebhookEndpoint.failing_since)
    ).scalar()
    reason = outcome.reason or "failed"
    if since is not None and outcome.gone:
        disable_endpoint(uow, int(claim.recipient), reason)
    elif since is not None and since <= now - FAILING_LIMIT:
        why = f"every delivery failed for {FAILING_LIMIT.days} days, the last with: {reason}"
        disable_endpoint(uow, int(claim.recipient), why)


def disable_endpoint(uow: UnitOfWork, endpoint_id: int, reason: str) -> bool:
    """Switch an endpoint off, cancel what waits for it and tell its shop's admins in
    Telegram; False if it was off already."""
    now = uow.now()
    shop_id = uow.run(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.disabled_at.is_(None))
        .values(disabled_at=now)
        .returning(WebhookEndpoint.shop_id)
    ).scalar()
    if shop_id is None:
        return False
    cancel_deliveries(uow, endpoint_id)
    uow.queued += uow.run(_admins_told(uow, endpoint_id, reason, now)).rowcount or 0
    return True


def _admins_told(uow: UnitOfWork, endpoint_id: int, reason: str, now: datetime) -> Any:
    """One Telegram row to each admin of the endpoint's shop, as an INSERT … SELECT."""
    payload = json_object(
        uow,
        webhook_id=WebhookEndpoint.id,
        url=WebhookEndpoint.url,
        reason=literal(reason),
    )
    key = literal(f"webhook_disabled:{endpoint_id}:") + cast(Member.id, String)
    rows = (
        select(
            WebhookEndpoint.shop_id,
            Member.id,
            literal(Channel.TELEGRAM.value),
            cast(Member.chat_id, String),
            literal(Kind.WEBHOOK_DISABLED.value),
            payload,
            key,
            literal(Status.PENDING.value),
            literal(0),
            literal(now, type_=Notification.next_attempt_at.type),
            literal(now, type_=Notification.created_at.type),
        )
        .join(
            Member,
            (Member.shop_id == WebhookEndpoint.shop_id)
            & (Member.role == "admin")
            & Member.left_at.is_(None),
        )
        .where(WebhookEndpoint.id == endpoint_id)
    )
    return (
        insert_or_skip(uow, Notification)
        .from_select(_ADMIN_COLUMNS, rows)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
    )
