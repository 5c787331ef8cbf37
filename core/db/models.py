"""The schema: shops, members, invites, items, the movement ledger, alerts and the outbox."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from typing_extensions import override

from core.validation import MAX_QUANTITY
from core.vocabulary import Channel, Kind, Status, sql_in

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every database (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @override
    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    @override
    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def partial_index(name: str, *columns: str, where: str, unique: bool = False) -> Index:
    """An index over only the rows that match `where`, on PostgreSQL and SQLite alike."""
    condition = text(where)
    return Index(name, *columns, unique=unique, postgresql_where=condition, sqlite_where=condition)


# BIGINT on PostgreSQL, but plain INTEGER on SQLite so that it stays the rowid alias.
Id = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        int: BigInteger(),
        dict[str, Any]: JSON(),
    }


class Shop(Base):
    __tablename__ = "shops"
    __table_args__ = (
        CheckConstraint(f"default_threshold BETWEEN 0 AND {MAX_QUANTITY}", name="threshold_range"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    default_threshold: Mapped[int]
    created_at: Mapped[datetime]


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (CheckConstraint("role IN ('admin', 'staff')", name="role_known"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    telegram_user_id: Mapped[int] = mapped_column(unique=True)
    chat_id: Mapped[int]
    display_name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(8))
    email: Mapped[str | None] = mapped_column(String(254))
    whatsapp: Mapped[str | None] = mapped_column(String(20))
    notify: Mapped[bool] = mapped_column(server_default=text("true"))
    joined_at: Mapped[datetime]


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
            "resolution IS NULL OR resolution IN ('restocked', 'manual', 'deleted')",
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
    status: Mapped[str] = mapped_column(String(8), server_default=text(f"'{Status.PENDING}'"))
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
