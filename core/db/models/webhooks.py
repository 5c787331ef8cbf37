"""Shops' outgoing webhook endpoints: where their events are posted, signed (SPEC 7)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, Id


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2048))
    # The event names it subscribed to, comma-separated ("alert.opened,stock.changed").
    events: Mapped[str] = mapped_column(String(200))
    # The signing secret as Standard Webhooks writes it ("whsec_" + base64): the relay signs
    # with it, so it is kept readable, and it is shown to the shop only once, at creation.
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    # Set when the endpoint answered 410 Gone or kept failing for days: it gets nothing more.
    disabled_at: Mapped[datetime | None]
    # The first failure of the current run of failures; a success clears it.
    failing_since: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
