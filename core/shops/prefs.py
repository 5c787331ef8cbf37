"""Each member's alert preferences: email, WhatsApp, notifications on or off."""

from __future__ import annotations

from core.db.models import Shop
from core.db.session import UnitOfWork
from core.results import Prefs
from core.shops.members import require_member
from core.validation import normalize_email, normalize_whatsapp_number


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
