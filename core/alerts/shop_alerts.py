"""A shop's alerts as the HTTP API reads and handles them (SPEC 7): in pages by id, one by
id (another shop's is "not found"), resolved, snoozed or taken on behalf of an API key."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import select, update

from core.alerts.cards import enqueue_cards
from core.alerts.handling import snooze_until
from core.alerts.lifecycle import alert_views, resolve_by_hand
from core.db.base import MAX_ID
from core.db.models import Alert, Member
from core.db.session import UnitOfWork
from core.errors import InvalidInput, NotFound
from core.results import AlertView, Page
from core.shops.views import ApiCaller

Status = Literal["open", "resolved", "all"]


def alerts_page(
    uow: UnitOfWork, *, shop_id: int, status: Status = "open", after: int = 0, limit: int = 100
) -> Page[AlertView]:
    """The shop's alerts by id after `after` (open, resolved or all), and whether more follow."""
    conditions = [Alert.shop_id == shop_id, Alert.id > after]
    if status == "open":
        conditions.append(Alert.resolved_at.is_(None))
    elif status == "resolved":
        conditions.append(Alert.resolved_at.is_not(None))
    found = alert_views(uow, *conditions, limit=limit + 1, by_id=True)
    return Page(items=tuple(found[:limit]), more=len(found) > limit)


def alert_of_shop(uow: UnitOfWork, *, shop_id: int, alert_id: int) -> AlertView:
    """One alert of the shop; another shop's is "not found" exactly as a missing one."""
    found = []
    if 0 < alert_id <= MAX_ID:
        found = alert_views(uow, Alert.id == alert_id, Alert.shop_id == shop_id)
    if not found:
        raise NotFound(f"Alert {alert_id} was not found.")
    return found[0]


def resolve(uow: UnitOfWork, *, caller: ApiCaller, alert_id: int) -> AlertView:
    """Resolve an open alert by hand (`manual`), as /resolve does."""
    alert = alert_of_shop(uow, shop_id=caller.shop_id, alert_id=alert_id)
    resolve_by_hand(uow, alert, member_id=None)
    resolved = alert_of_shop(uow, shop_id=caller.shop_id, alert_id=alert_id)
    uow.commit()
    return resolved


def snooze(uow: UnitOfWork, *, caller: ApiCaller, alert_id: int, duration: str) -> AlertView:
    """No reminders of an open alert for `duration` (`4h`, `2d`, `tomorrow`; `off` ends it)."""
    until = snooze_until(uow, caller.shop_id, duration)
    alert = alert_of_shop(uow, shop_id=caller.shop_id, alert_id=alert_id)
    if not alert.is_open:
        raise InvalidInput(f"Alert {alert_id} is already resolved.")
    uow.run(update(Alert).where(Alert.id == alert_id).values(snoozed_until=until))
    enqueue_cards(uow, [alert_id])
    snoozed = alert_of_shop(uow, shop_id=caller.shop_id, alert_id=alert_id)
    uow.commit()
    return snoozed


def ack(uow: UnitOfWork, *, caller: ApiCaller, alert_id: int, member: int) -> AlertView:
    """ "I'm on it" for a member of the shop (by their number in /members), as /ack does."""
    alert = alert_of_shop(uow, shop_id=caller.shop_id, alert_id=alert_id)
    if not alert.is_open:
        raise InvalidInput(f"Alert {alert_id} is already resolved.")
    member_id = uow.session.scalar(
        select(Member.id).where(
            Member.shop_id == caller.shop_id, Member.number == member, Member.left_at.is_(None)
        )
    )
    if member_id is None:
        raise InvalidInput(f"The shop has no member {member}: see the numbers in /members.")
    uow.run(
        update(Alert)
        .where(Alert.id == alert_id)
        .values(acknowledged_by=member_id, acknowledged_at=uow.now())
    )
    enqueue_cards(uow, [alert_id])
    taken = alert_of_shop(uow, shop_id=caller.shop_id, alert_id=alert_id)
    uow.commit()
    return taken
