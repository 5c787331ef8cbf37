"""Items, the movement ledger of their quantities, and their alerts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, Id, partial_index
from core.validation import MAX_QUANTITY


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
        # A SKU names one live item of its shop (what a point-of-sale system calls it).
        partial_index(
            "uq_items_shop_id_sku",
            "shop_id",
            "sku",
            where="deleted_at IS NULL AND sku IS NOT NULL",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    # Case folding can triple a name's length (ß → ss, ﬃ → ffi): 64 characters fold to ≤ 192.
    name_key: Mapped[str] = mapped_column(String(192))
    sku: Mapped[str | None] = mapped_column(String(64))
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
    # Who made it when no member did: `api:<key name>`, `shopify:<connection>`, …
    source: Mapped[str | None] = mapped_column(String(64))
    # A short note given with the change (the HTTP API's `reason`).
    note: Mapped[str | None] = mapped_column(String(200))


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
    # The start of the day after `order_due` on the shop's clock: no reminders before it,
    # "overdue" ones after.
    order_overdue_at: Mapped[datetime | None]
    # No reminders before this time.
    snoozed_until: Mapped[datetime | None]
    # When it was sent to the admins as unhandled; it is escalated once.
    escalated_at: Mapped[datetime | None]
    # Its card in the shop's room: the chat and message the card's edits go to.
    card_chat_id: Mapped[int | None]
    card_message_id: Mapped[int | None]
