"""Each member's alert preferences: email, WhatsApp, notifications on or off.

A new email address or WhatsApp number waits for /verify (core.shops.verification) before it
receives alerts; until then it receives only its code."""

from __future__ import annotations

from core.db.session import UnitOfWork
from core.shops.members import prefs_view, require_member
from core.shops.verification import change_address
from core.shops.views import Prefs
from core.validation import normalize_email, normalize_whatsapp_number, parse_quiet_hours
from core.vocabulary import Channel


def get_prefs(uow: UnitOfWork, *, telegram_user_id: int) -> Prefs:
    """The member's alert channels, whether each is verified, and the shop's default threshold."""
    return prefs_view(uow, require_member(uow, telegram_user_id))


def set_email(uow: UnitOfWork, *, telegram_user_id: int, email: str | None) -> Prefs:
    """Set (validated) or clear the member's alert email; a new address is sent a code and
    waits for /verify. The same address, already verified, changes nothing."""
    member = require_member(uow, telegram_user_id)
    address = None if email is None else normalize_email(email)
    change_address(uow, member, Channel.EMAIL, address)
    prefs = prefs_view(uow, member)
    uow.commit()
    return prefs


def set_whatsapp(uow: UnitOfWork, *, telegram_user_id: int, number: str | None) -> Prefs:
    """Set (E.164, validated) or clear the member's WhatsApp number; a new number is sent a
    code and waits for /verify. The same number, already verified, changes nothing."""
    member = require_member(uow, telegram_user_id)
    address = None if number is None else normalize_whatsapp_number(number)
    change_address(uow, member, Channel.WHATSAPP, address)
    prefs = prefs_view(uow, member)
    uow.commit()
    return prefs


def set_notify(uow: UnitOfWork, *, telegram_user_id: int, on: bool) -> Prefs:
    """Turn all of the member's alerts on or off."""
    member = require_member(uow, telegram_user_id)
    member.notify = on
    uow.session.flush()
    prefs = prefs_view(uow, member)
    uow.commit()
    return prefs


def set_private_alerts(uow: UnitOfWork, *, telegram_user_id: int, on: bool) -> Prefs:
    """/notify private on|off: whether the member also gets alerts in their private chat
    while the shop has a room (without a room they always do)."""
    member = require_member(uow, telegram_user_id)
    member.private_alerts = on
    uow.session.flush()
    prefs = prefs_view(uow, member)
    uow.commit()
    return prefs


def set_quiet(uow: UnitOfWork, *, telegram_user_id: int, hours: str | None) -> Prefs:
    """Set the member's quiet hours (`21:00-07:30`, on the shop's clock) or clear them with
    None: Telegram messages in them are silent, email and WhatsApp wait for their end."""
    member = require_member(uow, telegram_user_id)
    member.quiet_from, member.quiet_until = (
        (None, None) if hours is None else parse_quiet_hours(hours)
    )
    uow.session.flush()
    prefs = prefs_view(uow, member)
    uow.commit()
    return prefs
