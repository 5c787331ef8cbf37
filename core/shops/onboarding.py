"""Starting a shop, inviting staff (and listing and revoking invites), joining with an invite."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from sqlalchemy import Select, select, update

from core.db.models import Invite, Shop
from core.db.session import UnitOfWork
from core.errors import AlreadyAMember, InvalidInput, NotFound
from core.shops.members import Identity, add_member, find_member, member_view, require_member
from core.shops.views import InviteView, StartResult
from core.shops.zones import shop_zone

INVITE_LIFETIME = timedelta(days=7)
# What secrets.token_urlsafe produces; anything else cannot be a code and never reaches SQL.
_INVITE_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")


def start(
    uow: UnitOfWork,
    *,
    telegram_user_id: int,
    chat_id: int,
    display_name: str,
    username: str | None = None,
) -> StartResult:
    """Welcome back a member, or create a new shop with this user as its admin."""
    existing = find_member(uow, telegram_user_id)
    if existing is not None:
        if existing.username != username:  # admins find members by their current @username
            existing.username = username
            uow.commit()
        return StartResult(member=member_view(uow, existing), created_shop=False)
    shop_name = f"{display_name[:100]}'s shop" if display_name else "My shop"
    shop = Shop(
        name=shop_name, default_threshold=uow.config.default_threshold, created_at=uow.now()
    )
    uow.session.add(shop)
    uow.session.flush()
    identity = Identity(telegram_user_id, chat_id, display_name, username)
    member = add_member(uow, identity, shop_id=shop.id, role="admin")
    view = member_view(uow, member)
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
    return _invite_view(uow, invite)


def join(
    uow: UnitOfWork,
    *,
    telegram_user_id: int,
    chat_id: int,
    display_name: str,
    code: str,
    username: str | None = None,
) -> StartResult:
    """Join a shop as staff with an invite code; the code is used up."""
    existing = find_member(uow, telegram_user_id)
    if existing is not None:
        raise AlreadyAMember(f"You are already a member of {member_view(uow, existing).shop_name}.")
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
    identity = Identity(telegram_user_id, chat_id, display_name, username)
    member = add_member(uow, identity, shop_id=invite.shop_id, role="staff")
    invite.used_by = member.id
    view = member_view(uow, member)
    uow.commit()
    return StartResult(member=view, created_shop=False, joined_shop=True)


def list_invites(uow: UnitOfWork, *, telegram_user_id: int) -> list[InviteView]:
    """The shop's invites that can still be used, oldest first."""
    admin = require_member(uow, telegram_user_id, admin=True)
    invites = uow.session.scalars(
        _usable(uow).where(Invite.shop_id == admin.shop_id).order_by(Invite.created_at, Invite.id)
    )
    return [_invite_view(uow, invite) for invite in invites]


def revoke_invite(uow: UnitOfWork, *, telegram_user_id: int, code: str) -> InviteView:
    """Make an unused invite of the shop unusable; another shop's code is "not found"."""
    admin = require_member(uow, telegram_user_id, admin=True)
    code = code.strip()
    found = None
    if _INVITE_CODE.fullmatch(code):
        found = uow.session.scalar(
            _usable(uow).where(Invite.shop_id == admin.shop_id, Invite.code == code)
        )
    if found is None:
        raise NotFound("No unused invite with that code: /invites lists them.")
    revoked = _invite_view(uow, found)
    uow.session.delete(found)
    uow.commit()
    return revoked


def _invite_view(uow: UnitOfWork, invite: Invite) -> InviteView:
    return InviteView(
        code=invite.code, expires_at=invite.expires_at, zone=shop_zone(uow, invite.shop_id)
    )


def _usable(uow: UnitOfWork) -> Select[Invite]:
    return select(Invite).where(Invite.used_at.is_(None), Invite.expires_at > uow.now())
