"""Shops, their members and roles, invites, and each member's alert preferences."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, bindparam, select, update

from core.db.models import Invite, Member, Notification, Shop
from core.db.session import UnitOfWork
from core.db.statements import cached_statement
from core.errors import AlreadyAMember, InvalidInput, NotAllowed, NotAMember
from core.results import InviteView, MemberView, Prefs, StartResult
from core.validation import normalize_email, normalize_whatsapp_number

INVITE_LIFETIME = timedelta(days=7)
# What secrets.token_urlsafe produces; anything else cannot be a code and never reaches SQL.
_INVITE_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")


@cached_statement
def _member_by_telegram_user() -> Select[Member]:
    return select(Member).where(Member.telegram_user_id == bindparam("telegram_user_id"))


@dataclass(frozen=True, slots=True)
class MemberRef:
    """Who a member is, for services that only read: ids and role, no mapped object."""

    id: int
    shop_id: int
    role: str


@cached_statement
def _member_ref_query() -> Select[int, int, str]:
    return select(Member.id, Member.shop_id, Member.role).where(
        Member.telegram_user_id == bindparam("telegram_user_id")
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


def _view(uow: UnitOfWork, member: Member) -> MemberView:
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


def get_member(uow: UnitOfWork, telegram_user_id: int) -> MemberView:
    """Who this Telegram user is in their shop."""
    return _view(uow, require_member(uow, telegram_user_id))


def _add_member(
    uow: UnitOfWork, *, shop_id: int, telegram_user_id: int, chat_id: int, name: str, role: str
) -> Member:
    member = Member(
        shop_id=shop_id,
        telegram_user_id=telegram_user_id,
        chat_id=chat_id,
        display_name=name[:128],
        role=role,
        notify=True,
        joined_at=uow.now(),
    )
    uow.session.add(member)
    uow.session.flush()
    return member


def start(
    uow: UnitOfWork, *, telegram_user_id: int, chat_id: int, display_name: str
) -> StartResult:
    """Welcome back a member, or create a new shop with this user as its admin."""
    existing = find_member(uow, telegram_user_id)
    if existing is not None:
        return StartResult(member=_view(uow, existing), created_shop=False)
    shop_name = f"{display_name[:100]}'s shop" if display_name else "My shop"
    shop = Shop(
        name=shop_name, default_threshold=uow.config.default_threshold, created_at=uow.now()
    )
    uow.session.add(shop)
    uow.session.flush()
    member = _add_member(
        uow,
        shop_id=shop.id,
        telegram_user_id=telegram_user_id,
        chat_id=chat_id,
        name=display_name,
        role="admin",
    )
    view = _view(uow, member)
    uow.commit()
    return StartResult(member=view, created_shop=True)


def create_invite(uow: UnitOfWork, *, telegram_user_id: int) -> InviteView:
    """A single-use code, valid for seven days, that lets someone join as staff."""
    admin = require_member(uow, telegram_user_id, admin=True)
    now = uow.now()
    invite = Invite(
        shop_id=admin.shop_id,
        code=secrets.token_urlsafe(12),
        created_by=admin.id,
        created_at=now,
        expires_at=now + INVITE_LIFETIME,
    )
    uow.session.add(invite)
    uow.commit()
    return InviteView(code=invite.code, expires_at=invite.expires_at)


def join(
    uow: UnitOfWork, *, telegram_user_id: int, chat_id: int, display_name: str, code: str
) -> StartResult:
    """Join a shop as staff with an invite code; the code is used up."""
    existing = find_member(uow, telegram_user_id)
    if existing is not None:
        raise AlreadyAMember(f"You are already a member of {_view(uow, existing).shop_name}.")
    now = uow.now()
    code = code.strip()
    if not _INVITE_CODE.fullmatch(code):
        raise InvalidInput("That invite code is not valid: it may be used up or expired.")
    # The conditional UPDATE makes the code single-use even when two people race for it.
    invite_id = uow.session.scalar(
        update(Invite)
        .where(Invite.code == code, Invite.used_at.is_(None), Invite.expires_at > now)
        .values(used_at=now)
        .returning(Invite.id)
    )
    if invite_id is None:
        raise InvalidInput("That invite code is not valid: it may be used up or expired.")
    invite = uow.session.get_one(Invite, invite_id)
    member = _add_member(
        uow,
        shop_id=invite.shop_id,
        telegram_user_id=telegram_user_id,
        chat_id=chat_id,
        name=display_name,
        role="staff",
    )
    invite.used_by = member.id
    view = _view(uow, member)
    uow.commit()
    return StartResult(member=view, created_shop=False, joined_shop=True)


def get_prefs(uow: UnitOfWork, *, telegram_user_id: int) -> Prefs:
    """The member's alert channels, and the shop's default threshold."""
    member = require_member(uow, telegram_user_id)
    shop = uow.session.get_one(Shop, member.shop_id)
    return Prefs(
        email=member.email,
        whatsapp=member.whatsapp,
        notify=member.notify,
        shop_default_threshold=shop.default_threshold,
        role=member.role,
        shop_name=shop.name,
    )


def set_email(uow: UnitOfWork, *, telegram_user_id: int, email: str | None) -> Prefs:
    """Set (validated) or clear the member's alert email."""
    member = require_member(uow, telegram_user_id)
    member.email = None if email is None else normalize_email(email)
    uow.session.flush()
    prefs = get_prefs(uow, telegram_user_id=telegram_user_id)
    uow.commit()
    return prefs


def set_whatsapp(uow: UnitOfWork, *, telegram_user_id: int, number: str | None) -> Prefs:
    """Set (E.164, validated) or clear the member's WhatsApp number."""
    member = require_member(uow, telegram_user_id)
    member.whatsapp = None if number is None else normalize_whatsapp_number(number)
    uow.session.flush()
    prefs = get_prefs(uow, telegram_user_id=telegram_user_id)
    uow.commit()
    return prefs


def set_notify(uow: UnitOfWork, *, telegram_user_id: int, on: bool) -> Prefs:
    """Turn all of the member's alerts on or off."""
    member = require_member(uow, telegram_user_id)
    member.notify = on
    uow.session.flush()
    prefs = get_prefs(uow, telegram_user_id=telegram_user_id)
    uow.commit()
    return prefs


def move_chat(uow: UnitOfWork, *, old_chat_id: int, new_chat_id: int) -> int:
    """Telegram moved a chat (a group became a supergroup): point members and their pending
    Telegram notifications at the new chat id; returns how many members moved."""
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
