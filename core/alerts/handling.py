"""Handling an open alert without resolving it (SPEC 2.8): "I'm on it" records who took it,
so that its reminders go to that member and the shop's admins instead of everyone; a snooze
stops its reminders until a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, update

from core.alerts.cards import enqueue_cards
from core.alerts.lifecycle import alert_id_for_item, get_alert
from core.alerts.webhook_events import ALERT_UPDATED, alert_event
from core.db.models import Alert
from core.db.session import UnitOfWork
from core.errors import InvalidInput
from core.results import AckChange, AlertView
from core.shops.members import require_member_ref
from core.shops.zones import shop_zone
from core.validation import parse_length

LONGEST_SNOOZE = timedelta(days=90)
SNOOZE_FORMS = "Say for how long: 30m, 4h, 2d, 1w or tomorrow (at most 90 days), or off."


def ack_alert(
    uow: UnitOfWork,
    *,
    telegram_user_id: int,
    alert_id: int | None = None,
    item_name: str | None = None,
) -> AckChange:
    """The member takes an open alert of their shop (from whoever had it, if anyone)."""
    member = require_member_ref(uow, telegram_user_id)
    if alert_id is None:
        alert_id = alert_id_for_item(uow, member.shop_id, item_name or "")
    before = get_alert(uow, telegram_user_id=telegram_user_id, alert_id=alert_id)
    taken = uow.run(
        update(Alert)
        .where(
            Alert.id == alert_id,
            Alert.resolved_at.is_(None),
            or_(Alert.acknowledged_by.is_(None), Alert.acknowledged_by != member.id),
        )
        .values(acknowledged_by=member.id, acknowledged_at=uow.now())
        .returning(Alert.id)
    ).scalar()
    if taken is None:
        if not before.is_open:
            raise InvalidInput(f"Alert #{alert_id} is already resolved.")
        raise InvalidInput(f"You are already on alert #{alert_id}.")
    enqueue_cards(uow, [alert_id])
    alert_event(uow, ALERT_UPDATED, [alert_id])
    after = get_alert(uow, telegram_user_id=telegram_user_id, alert_id=alert_id)
    uow.commit()
    return AckChange(alert=after, taken_from=before.acknowledged_by_name)


def snooze_until(uow: UnitOfWork, shop_id: int, duration: str) -> datetime | None:
    """When a snooze of `duration` ends: `tomorrow` is tomorrow's daily check on the shop's
    clock; `off` (None) ends a snooze now."""
    word = duration.strip().casefold()
    if word == "off":
        return None
    now = uow.now()
    if word == "tomorrow":
        zone = shop_zone(uow, shop_id)
        tomorrow = now.astimezone(zone).date() + timedelta(days=1)
        return datetime.combine(tomorrow, uow.config.check_time, tzinfo=zone).astimezone(UTC)
    length = parse_length(word, "mhdw")
    if not timedelta(0) < length <= LONGEST_SNOOZE:
        raise InvalidInput(SNOOZE_FORMS)
    return now + length


def snooze_alert(
    uow: UnitOfWork,
    *,
    telegram_user_id: int,
    duration: str,
    alert_id: int | None = None,
    item_name: str | None = None,
) -> AlertView:
    """No reminders of an open alert until the snooze ends (`off` ends it now)."""
    member = require_member_ref(uow, telegram_user_id)
    until = snooze_until(uow, member.shop_id, duration)
    if alert_id is None:
        alert_id = alert_id_for_item(uow, member.shop_id, item_name or "")
    get_alert(uow, telegram_user_id=telegram_user_id, alert_id=alert_id)
    snoozed = uow.run(
        update(Alert)
        .where(Alert.id == alert_id, Alert.resolved_at.is_(None))
        .values(snoozed_until=until)
        .returning(Alert.id)
    ).scalar()
    if snoozed is None:
        raise InvalidInput(f"Alert #{alert_id} is already resolved.")
    enqueue_cards(uow, [alert_id])
    alert_event(uow, ALERT_UPDATED, [alert_id])
    after = get_alert(uow, telegram_user_id=telegram_user_id, alert_id=alert_id)
    uow.commit()
    return after
