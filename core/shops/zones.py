"""Each shop's time zone: its daily check, quiet hours and the times its members see use it."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam, select

from core.db.models import Shop
from core.db.session import UnitOfWork
from core.db.statements import cached_statement
from core.shops.members import require_member
from core.shops.views import ShopZone
from core.validation import normalize_zone


def next_local_time(at: time, zone: ZoneInfo, now: datetime) -> datetime:
    """The first moment after `now` at which the clocks of `zone` show `at` (in UTC)."""
    today = now.astimezone(zone).date()
    for day in (today, today + timedelta(days=1)):
        moment = datetime.combine(day, at, tzinfo=zone)
        if moment > now:
            return moment.astimezone(UTC)
    raise AssertionError("a local time always comes again within a day")


@cached_statement
def _timezone_query() -> Select[str | None]:
    return select(Shop.timezone).where(Shop.id == bindparam("shop_id"))


def shop_zone(uow: UnitOfWork, shop_id: int) -> ZoneInfo:
    """The zone of the shop with this id, in which its members read times."""
    return uow.config.zone(uow.run(_timezone_query(), {"shop_id": shop_id}).scalar_one())


def _shop_zone(uow: UnitOfWork, shop: Shop) -> ShopZone:
    zone = uow.config.zone(shop.timezone)
    return ShopZone(
        zone=zone,
        chosen=shop.timezone is not None,
        next_check_at=next_local_time(uow.config.check_time, zone, uow.now()),
    )


def get_timezone(uow: UnitOfWork, *, telegram_user_id: int) -> ShopZone:
    """The zone of the admin's shop, and when its next daily check runs."""
    member = require_member(uow, telegram_user_id, admin=True)
    return _shop_zone(uow, uow.session.get_one(Shop, member.shop_id))


def set_timezone(uow: UnitOfWork, *, telegram_user_id: int, zone: str) -> ShopZone:
    """Set the shop's IANA zone (admin): its daily check runs at ALERT_CHECK_TIME there."""
    admin = require_member(uow, telegram_user_id, admin=True)
    shop = uow.session.get_one(Shop, admin.shop_id)
    shop.timezone = normalize_zone(zone)
    uow.session.flush()
    changed = _shop_zone(uow, shop)
    uow.commit()
    return changed
