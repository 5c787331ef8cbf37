"""Point-of-sale connections, the events they delivered, and the SKUs no item has (SPEC 7)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, Id, partial_index
from core.pos_webhooks import PROVIDERS

PROVIDER_IN = f"provider IN ({', '.join(repr(provider) for provider in PROVIDERS)})"


class PosConnection(Base):
    """One shop's webhook from Shopify or Square: its unguessable URL part and the secret
    that verifies what arrives there. Disabled rows stay, so names are never reused."""

    __tablename__ = "pos_connections"
    __table_args__ = (
        CheckConstraint(PROVIDER_IN, name="provider_known"),
        UniqueConstraint("shop_id", "name"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(8))
    # "shopify", "shopify-2", …: what /connect off and the ledger's source call it.
    name: Mapped[str] = mapped_column(String(64))
    # secrets.token_urlsafe(32): the last part of the webhook URL.
    token: Mapped[str] = mapped_column(String(43), unique=True)
    # The Shopify app's API secret or the Square signature key; kept to verify signatures.
    secret: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]


class PosEvent(Base):
    """An event a connection delivered: a replay of the same event id changes nothing."""

    __tablename__ = "pos_events"
    __table_args__ = (UniqueConstraint("connection_id", "event_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("pos_connections.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime]


class UnknownSku(Base):
    """A SKU a point of sale counted that no live item of the shop has, shown to the admins
    once (`reported_at`)."""

    __tablename__ = "unknown_skus"
    __table_args__ = (
        UniqueConstraint("shop_id", "sku"),
        partial_index("ix_unknown_skus_shop_id_unreported", "shop_id", where="reported_at IS NULL"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    connection_id: Mapped[int] = mapped_column(
        ForeignKey("pos_connections.id", ondelete="CASCADE"), index=True
    )
    sku: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    times: Mapped[int] = mapped_column(Integer)
    reported_at: Mapped[datetime | None]
