"""The Telegram updates this service has taken, by id: each is handled once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base


class TelegramUpdate(Base):
    __tablename__ = "telegram_updates"

    # Telegram's own id (not one of ours): never generated here.
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    received_at: Mapped[datetime] = mapped_column(index=True)
