"""What the bot remembers of a conversation between two messages, so the next message may
reach any process: the question a user is answering, and the long searches of /stock pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, Id


class OpenQuestion(Base):
    """The question a Telegram user was asked last and has not answered: one per user."""

    __tablename__ = "open_questions"

    # Telegram's user id: the answer comes from the same user, in any chat.
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # What the bot needs to take the answer (the question's kind and its details).
    payload: Mapped[dict[str, Any]]
    asked_at: Mapped[datetime] = mapped_column(index=True)


class ListSearch(Base):
    """A /stock search too long for a page button's data: the button carries its id."""

    __tablename__ = "list_searches"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(String(4096))
    created_at: Mapped[datetime] = mapped_column(index=True)
