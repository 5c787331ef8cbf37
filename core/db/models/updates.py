"""The inbox of Telegram updates taken by webhook: each kept once, handled once, and what the
core calls of one being handled did."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, partial_index


class TelegramUpdate(Base):
    __tablename__ = "telegram_updates"
    __table_args__ = (
        # The next update of each chat, for the processes that take them in order.
        partial_index(
            "ix_telegram_updates_chat_id_waiting",
            "chat_id",
            "update_id",
            where="handled_at IS NULL",
        ),
    )

    # Telegram's own id (not one of ours): never generated here.
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    received_at: Mapped[datetime] = mapped_column(index=True)
    # The chat it came from (None for the few updates without one): its order is kept.
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any] | None]
    # A process handling it holds it until then; after, another may take it over.
    claimed_until: Mapped[datetime | None]
    handled_at: Mapped[datetime | None]
    # How many times it was taken: more than once, a process died handling it.
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class UpdateStep(Base):
    """What one core call made while handling an update changed and answered, written in the
    same transaction as the change: an update handled again after its process died gets
    the answers instead of changing anything twice."""

    __tablename__ = "update_steps"

    update_id: Mapped[int] = mapped_column(
        BigInteger,
        ForeignKey("telegram_updates.update_id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )
    # The core call's place among the update's calls: the handler makes them in order.
    step: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    outcome: Mapped[bytes] = mapped_column(LargeBinary)
