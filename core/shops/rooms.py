"""A shop's room (SPEC 3.1): the Telegram group its alert cards and digests go to.

An admin binds a group with /setup sent there (and from a forum topic, that topic); /setup off,
or the bot being removed from the group, unbinds it. A group is the room of one shop at most.
While a shop has a room its members get alerts privately only if they asked to."""

from __future__ import annotations

from sqlalchemy import select, update

from core.db.models import Alert, Member, Notification, Shop
from core.db.session import UnitOfWork
from core.errors import AlreadyExists, InvalidInput, NotAllowed, NotAMember
from core.shops.members import MemberRef, lock_shop, require_member_ref
from core.shops.views import RoomChange, RoomLost
from core.vocabulary import Channel, Status

MAX_TITLE = 128
NOT_IN_THIS_SHOP = "You are not a member of this shop: ask one of its admins for an invite."
NOT_A_ROOM = "This group is not a shop's room yet: an admin of the shop sends /setup here."


def require_room_member(uow: UnitOfWork, *, telegram_user_id: int, chat_id: int) -> MemberRef:
    """A command or button in a group: the user must be a member of the shop whose room the
    group is, so that nothing of one shop is ever shown in another's group."""
    owner = uow.session.scalar(select(Shop.id).where(Shop.room_chat_id == chat_id))
    try:
        member = require_member_ref(uow, telegram_user_id)
    except NotAMember:
        raise NotAllowed(NOT_IN_THIS_SHOP) from None
    if owner is None:
        raise NotAllowed(NOT_A_ROOM)
    if member.shop_id != owner:
        raise NotAllowed(NOT_IN_THIS_SHOP)
    return member


def bind_room(
    uow: UnitOfWork, *, telegram_user_id: int, chat_id: int, thread_id: int | None, title: str
) -> RoomChange:
    """Make this group (and topic) the room of the admin's shop; returns what changed."""
    if chat_id >= 0:
        raise InvalidInput("Send /setup in the group you want as the shop's room.")
    admin = require_member_ref(uow, telegram_user_id, admin=True)
    shop = lock_shop(uow, admin.shop_id)
    owner = uow.session.scalar(select(Shop.id).where(Shop.room_chat_id == chat_id))
    if owner is not None and owner != shop.id:
        raise AlreadyExists("This group is already another shop's room.")
    previous = shop.room_chat_id
    if previous is not None and previous != chat_id:
        _cancel_pending(uow, previous)
    shop.room_chat_id, shop.room_thread_id = chat_id, thread_id
    shop.room_title = title[:MAX_TITLE]
    uow.session.flush()
    moved = previous not in (None, chat_id)
    return RoomChange(shop_id=shop.id, shop_name=shop.name, title=shop.room_title, moved=moved)


def unbind_room(uow: UnitOfWork, *, telegram_user_id: int) -> RoomChange:
    """/setup off: the admin's shop has no room any more; alerts go privately again."""
    admin = require_member_ref(uow, telegram_user_id, admin=True)
    shop = lock_shop(uow, admin.shop_id)
    if shop.room_chat_id is None:
        raise InvalidInput("The shop has no room to stop.")
    title = shop.room_title or "the group"
    _clear(uow, shop)
    change = RoomChange(shop_id=shop.id, shop_name=shop.name, title=title, moved=False)
    uow.commit()
    return change


def room_lost(uow: UnitOfWork, *, chat_id: int) -> RoomLost | None:
    """The bot was removed from a group (or the group is gone): if it was a shop's room, the
    shop has none any more. Returns whom to tell (the admins' private chats), or None."""
    shop = uow.session.scalars(
        select(Shop).where(Shop.room_chat_id == chat_id).with_for_update()
    ).first()
    if shop is None:
        return None
    title = shop.room_title or "the group"
    _clear(uow, shop)
    admins = uow.session.scalars(
        select(Member.chat_id)
        .where(Member.shop_id == shop.id, Member.role == "admin", Member.left_at.is_(None))
        .order_by(Member.number)
    ).all()
    lost = RoomLost(shop_name=shop.name, title=title, admin_chats=tuple(admins))
    uow.commit()
    return lost


def move_room(uow: UnitOfWork, *, old_chat_id: int, new_chat_id: int) -> bool:
    """The room's group became a supergroup with a new id: it stays the room, and its cards
    and pending messages follow it. False when the group was nobody's room."""
    moved = uow.session.scalars(
        update(Shop)
        .where(Shop.room_chat_id == old_chat_id)
        .values(room_chat_id=new_chat_id)
        .returning(Shop.id)
    ).all()
    uow.session.execute(
        update(Notification)
        .where(
            Notification.channel == Channel.ROOM.value,
            Notification.status == Status.PENDING.value,
            Notification.recipient == str(old_chat_id),
        )
        .values(recipient=str(new_chat_id))
    )
    # The cards are tried there first; a card the new chat does not have is sent again.
    uow.session.execute(
        update(Alert).where(Alert.card_chat_id == old_chat_id).values(card_chat_id=new_chat_id)
    )
    return bool(moved)


def _clear(uow: UnitOfWork, shop: Shop) -> None:
    assert shop.room_chat_id is not None
    _cancel_pending(uow, shop.room_chat_id)
    shop.room_chat_id = shop.room_thread_id = shop.room_title = None
    uow.session.flush()


def _cancel_pending(uow: UnitOfWork, chat_id: int) -> None:
    """What was queued for a group that is no longer the room is not sent there."""
    uow.session.execute(
        update(Notification)
        .where(
            Notification.channel == Channel.ROOM.value,
            Notification.status == Status.PENDING.value,
            Notification.recipient == str(chat_id),
        )
        .values(status=Status.CANCELLED.value, claimed_until=None, last_error="the room changed")
    )
