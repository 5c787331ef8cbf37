"""The outbox: every notification, from its queueing to its delivery."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, Id, partial_index
from core.vocabulary import Channel, Kind, Status, sql_in

_WINDOW_COLUMNS = ("channel", "recipient", "status", "sent_at")


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(sql_in("channel", Channel), name="channel_known"),
        CheckConstraint(sql_in("kind", Kind), name="kind_known"),
        CheckConstraint(sql_in("status", Status), name="status_known"),
        # The relay's claim query: due pending rows in order.
        partial_index(
            "ix_notifications_due", "next_attempt_at", where=f"status = '{Status.PENDING}'"
        ),
        # The hourly limit's count: one address's messages sent lately, and those in flight.
        Index("ix_notifications_channel_recipient_status_sent_at", *_WINDOW_COLUMNS),
        # The rows a held digest carried (and its foreign key's checks when rows are deleted).
        partial_index(
            "ix_notifications_folded_into", "folded_into", where="folded_into IS NOT NULL"
        ),
        # An alert's messages (and its foreign key's checks when alerts are deleted). Partial:
        # digests, many per check, belong to no alert and skip it.
        partial_index("ix_notifications_alert_id", "alert_id", where="alert_id IS NOT NULL"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    # None for the shop's room (channel `room`), which is no member's.
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]]
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    status: Mapped[str] = mapped_column(String(16), server_default=text(f"'{Status.PENDING}'"))
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    next_attempt_at: Mapped[datetime]
    # A claimed row is leased: another relay may take it over only after the lease runs out.
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    # A row sent as part of a held digest (status folded): the digest's row.
    folded_into: Mapped[int | None] = mapped_column(
        ForeignKey("notifications.id", ondelete="SET NULL")
    )


def pending_row(
    *,
    shop_id: int,
    member_id: int | None,
    channel: str,
    recipient: str,
    kind: str,
    payload: dict[str, Any],
    idempotency_key: str,
    due: datetime,
    now: datetime,
    alert_id: int | None = None,
) -> dict[str, Any]:
    """The values of a new outbox row, to insert, not tried yet and due at `due`."""
    return {
        "shop_id": shop_id,
        "member_id": member_id,
        "alert_id": alert_id,
        "channel": channel,
        "recipient": recipient,
        "kind": kind,
        "payload": payload,
        "idempotency_key": idempotency_key,
        "status": Status.PENDING.value,
        "attempts": 0,
        "next_attempt_at": due,
        "created_at": now,
    }
