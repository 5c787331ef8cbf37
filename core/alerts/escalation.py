"""Escalation (SPEC 2.11): with `/escalate DURATION` set in a shop, an alert that nobody
acknowledged, ordered or resolved within that time is sent once more, to the shop's admins."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from core.alerts.notifications import enqueue_alert_messages
from core.db.models import Alert, Shop
from core.db.session import UnitOfWork
from core.errors import InvalidInput
from core.results import EscalationSetting
from core.shops.members import require_member_ref
from core.validation import parse_length
from core.vocabulary import Kind

SHORTEST, LONGEST = timedelta(minutes=15), timedelta(days=14)
ESCALATE_FORMS = "Say after how long: 30m, 4h or 2d (15 minutes to 14 days), or off."


def _after(duration: str) -> timedelta | None:
    word = duration.strip().casefold()
    if word == "off":
        return None
    after = parse_length(word, "mhd")
    if not SHORTEST <= after <= LONGEST:
        raise InvalidInput(ESCALATE_FORMS)
    return after


def set_escalation(uow: UnitOfWork, *, telegram_user_id: int, duration: str) -> EscalationSetting:
    """Turn the shop's escalation on after `duration`, or `off` (admins)."""
    admin = require_member_ref(uow, telegram_user_id, admin=True)
    after = _after(duration)
    seconds = None if after is None else int(after.total_seconds())
    uow.run(update(Shop).where(Shop.id == admin.shop_id).values(escalate_after_seconds=seconds))
    uow.commit()
    return EscalationSetting(after=after)


def get_escalation(uow: UnitOfWork, *, telegram_user_id: int) -> EscalationSetting:
    """The shop's escalation setting (admins)."""
    admin = require_member_ref(uow, telegram_user_id, admin=True)
    seconds = uow.run(select(Shop.escalate_after_seconds).where(Shop.id == admin.shop_id)).scalar()
    return EscalationSetting(after=None if seconds is None else timedelta(seconds=seconds))


def run_escalations(uow: UnitOfWork) -> int:
    """Escalate every alert due, in every shop with escalation on, once each; commits and
    returns how many alerts were escalated. Safe in several processes at once: an alert is
    claimed by the UPDATE that marks it."""
    now = uow.now()
    delays = uow.run(
        select(Shop.escalate_after_seconds)
        .where(Shop.escalate_after_seconds.is_not(None))
        .distinct()
    ).scalars()
    escalated: list[int] = []
    for seconds in sorted(delays):
        shops = select(Shop.id).where(Shop.escalate_after_seconds == seconds)
        escalated += uow.run(
            update(Alert)
            .where(
                Alert.shop_id.in_(shops),
                Alert.resolved_at.is_(None),
                Alert.escalated_at.is_(None),
                Alert.acknowledged_at.is_(None),
                Alert.ordered_at.is_(None),
                Alert.created_at <= now - timedelta(seconds=seconds),
            )
            .values(escalated_at=now)
            .returning(Alert.id)
        ).scalars()
    enqueue_alert_messages(uow, escalated, kind=Kind.ESCALATION)
    uow.commit()
    return len(escalated)
