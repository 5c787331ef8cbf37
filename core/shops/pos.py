"""Point-of-sale connections (`/connect`): a shop's Shopify or Square webhook, its URL and
the secret that verifies what arrives there (SPEC 7)."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import func, insert, select, update

from core.db.models import PosConnection
from core.db.session import UnitOfWork
from core.errors import InvalidInput, NotFound
from core.pos_webhooks import PROVIDERS
from core.shops.members import lock_shop, require_member_ref
from core.shops.views import Connection, ConnectionSecret

MAX_SECRET_LENGTH = 200
# Shorter secrets are only said to be set: a hint of them would give too much away.
HINTED_LENGTH = 12
_COLUMNS = (
    PosConnection.name,
    PosConnection.provider,
    PosConnection.secret,
    PosConnection.token,
    PosConnection.created_at,
    PosConnection.disabled_at,
)


def secret_hint(secret: str) -> str:
    """A secret as replies may show it: its prefix such as `shpss_` and its last four
    characters (`shpss_…1a2b`), or only "set"."""
    if len(secret) < HINTED_LENGTH:
        return "set"
    prefix, underscore, _ = secret.partition("_")
    shown = f"{prefix}_" if underscore and len(prefix) <= 6 else ""
    return f"{shown}…{secret[-4:]}"


def webhook_url(public_base_url: str | None, provider: str, token: str) -> str | None:
    """The URL the provider sends to, on this service's public address (PUBLIC_BASE_URL)."""
    if public_base_url is None:
        return None
    return f"{public_base_url.rstrip('/')}/v1/integrations/{provider}/{token}"


def _provider(raw: str) -> str:
    provider = raw.strip().casefold()
    if provider not in PROVIDERS:
        raise InvalidInput("Say which point of sale: shopify or square.")
    return provider


def _secret(raw: str) -> str:
    # The reasons never quote the secret: it must not be shown back.
    secret = raw.strip()
    if not secret:
        raise InvalidInput("Give the secret (Shopify) or the signature key (Square).")
    if len(secret) > MAX_SECRET_LENGTH:
        raise InvalidInput(f"That secret is longer than {MAX_SECRET_LENGTH} characters.")
    if any(char.isspace() or not char.isprintable() for char in secret):
        raise InvalidInput("A secret has no spaces: paste it as the provider shows it.")
    return secret


def _view(row: Any, public_base_url: str | None) -> Connection:
    active = row.disabled_at is None
    return Connection(
        name=row.name,
        provider=row.provider,
        secret_hint=secret_hint(row.secret),
        created_at=row.created_at,
        webhook_url=webhook_url(public_base_url, row.provider, row.token) if active else None,
        active=active,
    )


def _next_name(uow: UnitOfWork, shop_id: int, provider: str) -> str:
    """`shopify`, then `shopify-2`, …: counting disabled ones too, so no name comes back."""
    earlier = uow.run(
        select(func.count()).where(
            PosConnection.shop_id == shop_id, PosConnection.provider == provider
        )
    ).scalar_one()
    return provider if earlier == 0 else f"{provider}-{earlier + 1}"


def connect(
    uow: UnitOfWork,
    *,
    telegram_user_id: int,
    provider: str,
    secret: str,
    public_base_url: str | None,
) -> Connection:
    """A new connection for the admin's shop, with its webhook URL (None while
    PUBLIC_BASE_URL is not set)."""
    admin = require_member_ref(uow, telegram_user_id, admin=True)
    chosen = _provider(provider)
    kept = _secret(secret)
    # Under the shop's lock, two connections at once never take the same name.
    lock_shop(uow, admin.shop_id)
    values = {
        "shop_id": admin.shop_id,
        "provider": chosen,
        "name": _next_name(uow, admin.shop_id, chosen),
        "token": secrets.token_urlsafe(32),
        "secret": kept,
        "created_at": uow.now(),
    }
    row = uow.run(insert(PosConnection).values(**values).returning(*_COLUMNS)).one()
    uow.commit()
    return _view(row, public_base_url)


def list_connections(
    uow: UnitOfWork, *, telegram_user_id: int, public_base_url: str | None = None
) -> list[Connection]:
    """The shop's connections that are on, oldest first (admins)."""
    admin = require_member_ref(uow, telegram_user_id, admin=True)
    rows = uow.run(
        select(*_COLUMNS)
        .where(PosConnection.shop_id == admin.shop_id, PosConnection.disabled_at.is_(None))
        .order_by(PosConnection.id)
    )
    return [_view(row, public_base_url) for row in rows]


def disconnect(uow: UnitOfWork, *, telegram_user_id: int, name: str) -> Connection:
    """Turn a connection off (admins): its URL answers nothing any more."""
    admin = require_member_ref(uow, telegram_user_id, admin=True)
    wanted = name.strip().casefold()
    row = uow.run(
        update(PosConnection)
        .where(
            PosConnection.shop_id == admin.shop_id,
            PosConnection.name == wanted,
            PosConnection.disabled_at.is_(None),
        )
        .values(disabled_at=uow.now())
        .returning(*_COLUMNS)
    ).first()
    if row is None:
        raise NotFound(f"There is no connection called “{name.strip()[:64]}”; see /connect list.")
    uow.commit()
    return _view(row, None)


def connection_for(uow: UnitOfWork, *, provider: str, token: str) -> ConnectionSecret | None:
    """The connection a webhook URL names, to verify its deliveries; None when it is unknown,
    turned off, or of another provider. The token is never logged."""
    row = uow.run(
        select(
            PosConnection.id,
            PosConnection.shop_id,
            PosConnection.provider,
            PosConnection.name,
            PosConnection.secret,
        ).where(
            PosConnection.token == token,
            PosConnection.provider == provider,
            PosConnection.disabled_at.is_(None),
        )
    ).first()
    if row is None:
        return None
    return ConnectionSecret(
        id=row.id, shop_id=row.shop_id, provider=row.provider, name=row.name, secret=row.secret
    )
