"""Following a Telegram chat that moved to a new id."""

from __future__ import annotations

from sqlalchemy import update

from core.db.models import Member, Notification
from core.db.session import UnitOfWork
from core.shops.rooms import move_room


def move_chat(uow: UnitOfWork, *, old_chat_id: int, new_chat_id: int) -> int:
    """Telegram moved a chat (a group became a supergroup): point members, a shop's room
    and their pending Telegram notifications at the new chat id; returns how many members
    moved."""
    move_room(uow, old_chat_id=old_chat_id, new_chat_id=new_chat_id)
    moved = uow.session.scalars(
        update(Member)
        .where(Member.chat_id == old_chat_id)
        .values(chat_id=new_chat_id)
        .returning(Member.id)
    ).all()
    uow.session.execute(
        update(Notification)
        .where(
            Notification.channel == "telegram",
            Notification.status == "pending",
            Notification.recipient == str(old_chat_id),
        )
        .values(recipient=str(new_chat_id))
    )
    uow.commit()
    return len(moved)
