"""The admin's control of the team: who is in the shop, dismissing, promoting, demoting,
and a member leaving. The shop always keeps an admin while it has members."""

from __future__ import annotations

import re

from sqlalchemy import ScalarResult, func, select, update

from core.db.models import Member, Notification, Shop
from core.db.session import UnitOfWork
from core.errors import InvalidInput, NotAllowed, NotFound
from core.shops.conversations import forget_questions_of
from core.shops.members import lock_shop, require_member
from core.shops.views import ChannelState, TeamChange, TeamMember
from core.vocabulary import Status

_NUMBER = re.compile(r"#?(\d{1,9})")
WHICH = "Say which member: their number from /members, their @username or their name."
SHOWN_LENGTH = 64


def list_members(uow: UnitOfWork, *, telegram_user_id: int) -> list[TeamMember]:
    """Everyone in the admin's shop, by number."""
    admin = require_member(uow, telegram_user_id, admin=True)
    return [team_member(member, you=admin.id) for member in _active(uow, admin.shop_id).all()]


def dismiss(uow: UnitOfWork, *, telegram_user_id: int, member: str) -> TeamChange:
    """Remove a member from the shop at once: no access, no messages, queue cancelled."""
    admin, target = _admin_and_target(uow, telegram_user_id, member)
    if target.id == admin.id:
        raise NotAllowed("You cannot dismiss yourself: /leave leaves the shop.")
    return _change(uow, target, cancelled=_depart(uow, target))


def promote(uow: UnitOfWork, *, telegram_user_id: int, member: str) -> TeamChange:
    """Make a member of staff an admin."""
    _, target = _admin_and_target(uow, telegram_user_id, member)
    if target.role == "admin":
        raise InvalidInput(f"{target.display_name} is already an admin.")
    target.role = "admin"
    return _change(uow, target)


def demote(uow: UnitOfWork, *, telegram_user_id: int, member: str) -> TeamChange:
    """Make an admin staff again; the shop's last admin stays one."""
    _, target = _admin_and_target(uow, telegram_user_id, member)
    if target.role != "admin":
        raise InvalidInput(f"{target.display_name} is not an admin.")
    if _admins(uow, target.shop_id) == 1:
        raise NotAllowed(
            f"{target.display_name} is the shop's only admin: /promote someone else first."
        )
    target.role = "staff"
    return _change(uow, target)


def may_leave(uow: UnitOfWork, *, telegram_user_id: int) -> TeamChange:
    """What /leave would do, checked but not done (the member is asked to confirm)."""
    member = require_member(uow, telegram_user_id)
    _refuse_leaving(uow, member)
    return _view(uow, member)


def leave(uow: UnitOfWork, *, telegram_user_id: int, number: int) -> TeamChange:
    """Leave the shop, confirmed for the membership `number` (a stale confirmation from an
    earlier membership is refused)."""
    member = require_member(uow, telegram_user_id)
    if member.number != number:
        raise NotFound("That confirmation is no longer valid: send /leave again.")
    lock_shop(uow, member.shop_id)
    _refuse_leaving(uow, member)
    return _change(uow, member, cancelled=_depart(uow, member))


def team_member(member: Member, *, you: int | None = None) -> TeamMember:
    """How a member row shows in /members and in the replies about them."""
    channels = [ChannelState("Telegram", verified=True)]
    if member.email is not None:
        channels.append(ChannelState("email", verified=member.email_verified_at is not None))
    if member.whatsapp is not None:
        verified = member.whatsapp_verified_at is not None
        channels.append(ChannelState("WhatsApp", verified=verified))
    return TeamMember(
        number=member.number,
        name=member.display_name,
        username=member.username,
        role=member.role,
        channels=tuple(channels),
        is_you=member.id == you,
    )


def _active(uow: UnitOfWork, shop_id: int) -> ScalarResult[Member]:
    return uow.session.scalars(
        select(Member)
        .where(Member.shop_id == shop_id, Member.left_at.is_(None))
        .order_by(Member.number)
    )


def _admin_and_target(uow: UnitOfWork, telegram_user_id: int, wanted: str) -> tuple[Member, Member]:
    """The admin asking, and the member of their shop they named; the shop locked, so that
    team changes happen one at a time (two admins never demote each other to none)."""
    admin = require_member(uow, telegram_user_id, admin=True)
    lock_shop(uow, admin.shop_id)
    return admin, _find(uow, admin.shop_id, wanted)


def _find(uow: UnitOfWork, shop_id: int, wanted: str) -> Member:
    text = " ".join(wanted.split())
    if not text:
        raise InvalidInput(WHICH)
    members = _active(uow, shop_id).all()
    number = _NUMBER.fullmatch(text)
    if number is not None:
        found = [member for member in members if member.number == int(number.group(1))]
    elif text.startswith("@"):
        handle = text[1:].casefold()
        found = [member for member in members if (member.username or "").casefold() == handle]
    else:
        found = [member for member in members if member.display_name.casefold() == text.casefold()]
    # What the member typed is said back, but never at the length of a whole message.
    shown = text if len(text) <= SHOWN_LENGTH else text[: SHOWN_LENGTH - 1] + "…"
    if len(found) > 1:
        raise InvalidInput(
            f"{len(found)} members are called {shown}: use their number from /members."
        )
    if not found:
        raise NotFound(f"No member {shown} in your shop: /members lists them.")
    return found[0]


def _admins(uow: UnitOfWork, shop_id: int) -> int:
    return (
        uow.session.scalar(
            select(func.count()).where(
                Member.shop_id == shop_id, Member.left_at.is_(None), Member.role == "admin"
            )
        )
        or 0
    )


def _refuse_leaving(uow: UnitOfWork, member: Member) -> None:
    """The last admin may leave only as the last member: a shop always keeps an admin."""
    if member.role != "admin" or _admins(uow, member.shop_id) > 1:
        return
    others = uow.session.scalar(
        select(func.count()).where(
            Member.shop_id == member.shop_id, Member.left_at.is_(None), Member.id != member.id
        )
    )
    if others:
        raise NotAllowed(
            "You are the shop's only admin: /promote someone first, or /dismiss the others."
        )


def _depart(uow: UnitOfWork, member: Member) -> int:
    """The member is out from now: no access, no messages, no open question; returns the
    cancelled messages."""
    member.left_at = uow.now()
    member.notify = False
    forget_questions_of(uow, member.telegram_user_id)
    cancelled = uow.run(
        update(Notification)
        .where(Notification.member_id == member.id, Notification.status == Status.PENDING)
        .values(status=Status.CANCELLED, claimed_until=None, last_error="the member left the shop")
        .returning(Notification.id)
    )
    return len(cancelled.all())


def _view(uow: UnitOfWork, member: Member, *, cancelled: int = 0) -> TeamChange:
    shop = uow.session.get_one(Shop, member.shop_id)
    return TeamChange(
        member=team_member(member),
        shop_name=shop.name,
        telegram_user_id=member.telegram_user_id,
        chat_id=member.chat_id,
        cancelled=cancelled,
    )


def _change(uow: UnitOfWork, member: Member, *, cancelled: int = 0) -> TeamChange:
    uow.session.flush()
    change = _view(uow, member, cancelled=cancelled)
    uow.commit()
    return change
