"""Telegram's flood limits as one budget for every process on the database: the next free
send slot of each scope, and the recent sends to each group (core/delivery/telegram_budget.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, Id


class BudgetScope(Base):
    __tablename__ = "telegram_budget"

    # "all" for every message, "chat:<id>" for one private chat's pushes.
    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The database server's time at which the scope's next message may go.
    next_free: Mapped[datetime]


class GroupSend(Base):
    __tablename__ = "telegram_group_sends"
    __table_args__ = (Index("ix_telegram_group_sends_chat_id_sent_at", "chat_id", "sent_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    # When the message goes out, by the database server's clock.
    sent_at: Mapped[datetime]
