"""The shops, their members, the codes that verify members' addresses, and invites."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, Id, partial_index
from core.validation import MAX_QUANTITY


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
    # The shop's room (SPEC 3.1): the Telegram group its alert cards go to, the forum topic
    # in it when /setup was sent from one, and its title for the admins' messages about it.
    room_chat_id: Mapped[int | None] = mapped_column(unique=True)
    room_thread_id: Mapped[int | None]
    room_title: Mapped[str | None] = mapped_column(String(128))


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
    # When the member proved they own the address (a code sent there came back with /verify);
    # NULL while it waits for /verify. Only verified addresses receive alerts and reminders.
    email_verified_at: Mapped[datetime | None]
    whatsapp_verified_at: Mapped[datetime | None]
    # Off for good when the member leaves: a former member gets none of the shop's messages.
    notify: Mapped[bool] = mapped_column(server_default=text("true"))
    # While the shop has a room, alerts and reminders reach the member's private Telegram
    # chat only if they asked for them there too (/notify private on).
    private_alerts: Mapped[bool] = mapped_column(server_default=text("false"))
    joined_at: Mapped[datetime]
    left_at: Mapped[datetime | None]
    # Quiet hours in the shop's zone, as minutes after midnight; they may span midnight.
    quiet_from: Mapped[int | None] = mapped_column(Integer)
    quiet_until: Mapped[int | None] = mapped_column(Integer)


class VerificationCode(Base):
    """A code sent to a member's new email address or WhatsApp number, kept only as a hash.

    Open while `closed_at` is NULL; closed as `verified` (the member sent it back), `void`
    (the address changed or was cleared, or a newer code replaced it) or `burnt` (too many
    wrong tries)."""

    __tablename__ = "verification_codes"
    __table_args__ = (
        CheckConstraint("channel IN ('email', 'whatsapp')", name="channel_known"),
        CheckConstraint(
            "closed_as IS NULL OR closed_as IN ('verified', 'void', 'burnt')", name="closed_known"
        ),
        CheckConstraint("(closed_at IS NULL) = (closed_as IS NULL)", name="closed_has_reason"),
        Index("ix_verification_codes_member_id_created_at", "member_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(10))
    address: Mapped[str] = mapped_column(String(254))
    # sha256 of the member, channel, address and code: the code itself is never stored here.
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    wrong_tries: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    closed_at: Mapped[datetime | None]
    closed_as: Mapped[str | None] = mapped_column(String(8))


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
