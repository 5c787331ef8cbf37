"""The schema: shops, members, invites, items, the movement ledger, alerts and the outbox."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, Id, partial_index
from core.validation import MAX_QUANTITY
from core.vocabulary import Channel, Kind, Status, sql_in


class Shop(Base):
    __tablename__ = "shops"
    __table_args__ = (
        CheckConstraint(f"default_threshold BETWEEN 0 AND {MAX_QUANTITY}", name="threshold_range"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    default_threshold: Mapped[int]
    created_at: Mapped[datetime]
    # The shop's IANA zone; None: ALERT_TIMEZONE. Its daily check and its times use it.
    timezone: Mapped[str | None] = mapped_column(String(64))
    # The shop's local date of its last daily check: each local day's check runs once.
    last_checked_on: Mapped[date | None] = mapped_column(Date)
    # Unhandled alerts go to the admins once after this long; None: escalation is off.
    escalate_after_seconds: Mapped[int | None] = mapped_column(Integer)


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'staff')", name="role_known"),
        CheckConstraint(
            "(quiet_from IS NULL) = (quiet_until IS NULL)"
            " AND (quiet_from IS NULL OR (quiet_from BETWEEN 0 AND 1439"
            " AND quiet_until BETWEEN 0 AND 1439))",
            name="quiet_hours_valid",
        ),
        # A Telegram user is in at most one shop at a time; the rows of the shops they left
        # stay, so that the ledger and the alert history keep their names.
        partial_index(
            "uq_members_telegram_user_id_active",
            "telegram_user_id",
            where="left_at IS NULL",
            unique=True,
        ),
        UniqueConstraint("shop_id", "number"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    # The member's number in their shop (1, 2, …), for /members, /dismiss and the like.
    number: Mapped[int] = mapped_column(Integer)
    telegram_user_id: Mapped[int]
    chat_id: Mapped[int]
    display_name: Mapped[str] = mapped_column(String(128))
    username: Mapped[str | None] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(8))
    email: Mapped[str | None] = mapped_column(String(254))
    whatsapp: Mapped[str | None] = mapped_column(String(20))
    # Off for good when the member leaves: a former member gets none of the shop's messages.
    notify: Mapped[bool] = mapped_column(server_default=text("true"))
    joined_at: Mapped[datetime]
    left_at: Mapped[datetime | None]
    # Quiet hours in the shop's zone, as minutes after midnight; they may span midnight.
    quiet_from: Mapped[int | None] = mapped_column(Integer)
    quiet_until: Mapped[int | None] = mapped_column(Integer)


class Invite(Base):
    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    used_at: Mapped[datetime | None]


class Item(Base):
    __tablename__ = "items"
    __table_args__ = (
        CheckConstraint(f"quantity BETWEEN 0 AND {MAX_QUANTITY}", name="quantity_range"),
        CheckConstraint(f"threshold BETWEEN 0 AND {MAX_QUANTITY}", name="threshold_range"),
        CheckConstraint(f"on_order BETWEEN 0 AND {MAX_QUANTITY}", name="on_order_range"),
        # Deleted items keep their rows for the ledger and alert history, but free their name.
        partial_index(
            "uq_items_shop_id_name_key",
            "shop_id",
            "name_key",
            where="deleted_at IS NULL",
            unique=True,
        ),
        # The few snoozed items, so that the daily check finds them without a full scan.
        partial_index("ix_items_id_snoozed", "id", where="alert_snoozed_until IS NOT NULL"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    # Case folding can triple a name's length (ß → ss, ﬃ → ffi): 64 characters fold to ≤ 192.
    name_key: Mapped[str] = mapped_column(String(192))
    quantity: Mapped[int]
    threshold: Mapped[int | None]
    # Set by a manual resolve: no new alert before this time unless the item is restocked first.
    alert_snoozed_until: Mapped[datetime | None]
    # A muted item keeps its threshold but never alerts (discontinued, seasonal).
    muted: Mapped[bool] = mapped_column(server_default=text("false"))
    # What is on order and when it is expected (a date in the shop's zone).
    on_order: Mapped[int] = mapped_column(server_default=text("0"))
    order_due: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]


class Movement(Base):
    __tablename__ = "movements"
    __table_args__ = (
        CheckConstraint(
            "reason IN ('create', 'set', 'add', 'remove', 'import', 'delete')", name="reason_known"
        ),
        Index("ix_movements_item_id_id", "item_id", "id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(8))
    delta: Mapped[int]
    quantity_after: Mapped[int]
    created_at: Mapped[datetime]


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (
        CheckConstraint(
            "resolution IS NULL OR resolution IN ('restocked', 'manual', 'deleted', 'muted')",
            name="resolution_known",
        ),
        CheckConstraint(
            "(resolved_at IS NULL) = (resolution IS NULL)", name="resolved_has_resolution"
        ),
        # The database itself guarantees at most one open alert per item.
        partial_index(
            "uq_alerts_item_id_open", "item_id", where="resolved_at IS NULL", unique=True
        ),
        Index("ix_alerts_shop_id_resolved_at", "shop_id", "resolved_at"),
        partial_index(
            "ix_alerts_last_notified_at_open", "last_notified_at", where="resolved_at IS NULL"
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int]
    threshold: Mapped[int]
    created_at: Mapped[datetime]
    last_notified_at: Mapped[datetime]
    next_reminder_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    resolution: Mapped[str | None] = mapped_column(String(10))
    # "I'm on it": who took the alert, and when.
    acknowledged_by: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    acknowledged_at: Mapped[datetime | None]
    # "Ordered": how many, when they are due (a date in the shop's zone), who ordered.
    ordered_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    ordered_at: Mapped[datetime | None]
    ordered_quantity: Mapped[int | None]
    order_due: Mapped[date | None] = mapped_column(Date)
    # No reminders before this time.
    snoozed_until: Mapped[datetime | None]
    # When it was sent to the admins as unhandled; it is escalated once.
    escalated_at: Mapped[datetime | None]


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
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    alert_id: Mapped[int | None] = mapped_column(
        ForeignKey("alerts.id", ondelete="CASCADE"), index=True
    )
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
