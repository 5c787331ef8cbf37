"""Who a Telegram user is: their member row, its role, and the views services return."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, func, select

from core.db.models import Member, Shop
from core.db.session import UnitOfWork
from core.db.statements import cached_statement
from core.errors import NotAllowed, NotAMember
from core.shops.views import MemberView, Prefs


@cached_statement
def _member_by_telegram_user() -> Select[Member]:
    return select(Member).where(
        Member.telegram_user_id == bindparam("telegram_user_id"), Member.left_at.is_(None)
    )


@dataclass(frozen=True, slots=True)
class MemberRef:
    """Who a member is, for services that only read: ids and role, no mapped object."""

    id: int
    shop_id: int
    role: str


@cached_statement
def _member_ref_query() -> Select[int, int, str]:
    return select(Member.id, Member.shop_id, Member.role).where(
        Member.telegram_user_id == bindparam("telegram_user_id"), Member.left_at.is_(None)
    )


def require_member_ref(uow: UnitOfWork, telegram_user_id: int, *, admin: bool = False) -> MemberRef:
    """What require_member checks, without loading the row through the ORM (a cheaper read)."""
    row: Any = uow.run(_member_ref_query(), {"telegram_user_id": telegram_user_id}).first()
    if row is None:
        raise NotAMember()
    if admin and row.role != "admin":
        raise NotAllowed("Only a shop admin can do that.")
    return MemberRef(id=row.id, shop_id=row.shop_id, role=row.role)


def find_member(uow: UnitOfWork, telegram_user_id: int) -> Member | None:
    """The member row of a Telegram user, if they are in a shop."""
    return uow.session.scalar(_member_by_telegram_user(), {"telegram_user_id": telegram_user_id})


def require_member(uow: UnitOfWork, telegram_user_id: int, *, admin: bool = False) -> Member:
    """The member row, or an error fit to show: not in a shop, or not an admin."""
    member = find_member(uow, telegram_user_id)
    if member is None:
        raise NotAMember()
    if admin and member.role != "admin":
        raise NotAllowed("Only a shop admin can do that.")
    return member


def member_view(uow: UnitOfWork, member: Member) -> MemberView:
    shop = uow.session.get_one(Shop, member.shop_id)
    return MemberView(
        id=member.id,
        shop_id=member.shop_id,
        shop_name=shop.name,
        telegram_user_id=member.telegram_user_id,
        chat_id=member.chat_id,
        display_name=member.display_name,
        role=member.role,
    )


def _quiet_hours(member: Member) -> str | None:
    if member.quiet_from is None or member.quiet_until is None:
        return None
    start, end = divmod(member.quiet_from, 60), divmod(member.quiet_until, 60)
    return f"{start[0]:02d}:{start[1]:02d}-{end[0]:02d}:{end[1]:02d}"


def prefs_view(uow: UnitOfWork, member: Member) -> Prefs:
    """The member's alert channels (and whether each address is verified), and the shop's
    default threshold and zone."""
    shop = uow.session.get_one(Shop, member.shop_id)
    return Prefs(
        email=member.email,
        whatsapp=member.whatsapp,
        notify=member.notify,
        shop_default_threshold=shop.default_threshold,
        role=member.role,
        shop_name=shop.name,
        shop_zone=uow.config.zone(shop.timezone).key,
        quiet=_quiet_hours(member),
        email_verified=member.email is not None and member.email_verified_at is not None,
        whatsapp_verified=member.whatsapp is not None and member.whatsapp_verified_at is not None,
        room=shop.room_title if shop.room_chat_id is not None else None,
        private_alerts=member.private_alerts,
    )


def get_member(uow: UnitOfWork, telegram_user_id: int) -> MemberView:
    """Who this Telegram user is in their shop."""
    return member_view(uow, require_member(uow, telegram_user_id))


def lock_shop(uow: UnitOfWork, shop_id: int) -> Shop:
    """The shop's row, locked until commit: changes to its team are made one at a time, so
    that two of them never both count the same admins or take the same member number."""
    return uow.session.scalars(select(Shop).where(Shop.id == shop_id).with_for_update()).one()


@dataclass(frozen=True)
class Identity:
    """Who a Telegram user is, as a new member row records it."""

    telegram_user_id: int
    chat_id: int
    display_name: str
    username: str | None = None


def add_member(uow: UnitOfWork, identity: Identity, *, shop_id: int, role: str) -> Member:
    """A new member of the shop, numbered after everyone who ever joined it."""
    lock_shop(uow, shop_id)
    last = uow.session.scalar(select(func.max(Member.number)).where(Member.shop_id == shop_id))
    member = Member(
        shop_id=shop_id,
        number=(last or 0) + 1,
        telegram_user_id=identity.telegram_user_id,
        chat_id=identity.chat_id,
        display_name=identity.display_name[:128],
        username=identity.username,
        role=role,
        notify=True,
        joined_at=uow.now(),
    )
    uow.session.add(member)
    uow.session.flush()
    return member
