"""The inbox of Telegram updates taken by webhook: each kept once, handled once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger
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
