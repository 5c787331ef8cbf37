"""An item's stock over a span of days, as its chart shows it (SPEC 8): the quantity at each
movement, the threshold, when it was on alert, and when it was ordered and received."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from core.db.models import Alert, Movement
from core.db.session import UnitOfWork
from core.errors import InvalidInput
from core.items.lookups import find_item_id
from core.results import ItemView
from core.shops.members import require_member_ref
from core.shops.zones import shop_zone
from core.stock.catalog import item_of_shop

SPANS = {"7d": 7, "30d": 30, "90d": 90}
DEFAULT_SPAN = "30d"
SPAN_FORMS = "Say how far back: 7d, 30d or 90d."


@dataclass(frozen=True)
class StockHistory:
    """What the chart draws; equal histories draw the same picture."""

    item: ItemView
    start: datetime
    end: datetime
    zone: ZoneInfo
    # The quantity when the span began (None: the item did not exist yet).
    opening: int | None
    # (when, quantity after, reason) of each movement in the span, oldest first.
    movements: tuple[tuple[datetime, int, str], ...]
    # (from, until) of each alert open during the span; until is None while it is open.
    alerts: tuple[tuple[datetime, datetime | None], ...]
    # When something was ordered during the span.
    orders: tuple[datetime, ...]

    @property
    def days(self) -> int:
        """How many days the span covers."""
        return round((self.end - self.start) / timedelta(days=1))


def span_days(span: str | None) -> int:
    """The days of `7d`, `30d` or `90d` (30 when none is given)."""
    days = SPANS.get((span or DEFAULT_SPAN).strip().casefold())
    if days is None:
        raise InvalidInput(SPAN_FORMS)
    return days


def item_history(
    uow: UnitOfWork,
    *,
    telegram_user_id: int,
    days: int,
    name: str | None = None,
    item_id: int | None = None,
) -> StockHistory:
    """A member's item, by name or by id (a button's), over the last `days` days."""
    member = require_member_ref(uow, telegram_user_id)
    if item_id is None:
        item_id = find_item_id(uow, member.shop_id, name or "")
    return stock_history(uow, shop_id=member.shop_id, item_id=item_id, days=days)


def stock_history(uow: UnitOfWork, *, shop_id: int, item_id: int, days: int) -> StockHistory:
    """The shop's item over the last `days` days (NotFound if it is not the shop's)."""
    item = item_of_shop(uow, shop_id=shop_id, item_id=item_id)
    # To the next whole minute: the same history asked again soon is the same picture.
    end = uow.now().replace(second=0, microsecond=0) + timedelta(minutes=1)
    start = end - timedelta(days=days)
    opening = uow.run(
        select(Movement.quantity_after)
        .where(Movement.item_id == item_id, Movement.created_at < start)
        .order_by(Movement.created_at.desc(), Movement.id.desc())
        .limit(1)
    ).scalar()
    movements = uow.run(
        select(Movement.created_at, Movement.quantity_after, Movement.reason)
        .where(Movement.item_id == item_id, Movement.created_at >= start)
        .order_by(Movement.created_at, Movement.id)
    ).all()
    alerts = uow.run(
        select(Alert.created_at, Alert.resolved_at, Alert.ordered_at)
        .where(
            Alert.item_id == item_id,
            Alert.created_at <= end,
            or_(Alert.resolved_at.is_(None), Alert.resolved_at >= start),
        )
        .order_by(Alert.created_at)
    ).all()
    return StockHistory(
        item=item,
        start=start,
        end=end,
        zone=shop_zone(uow, shop_id),
        opening=opening,
        movements=tuple((row.created_at, row.quantity_after, row.reason) for row in movements),
        alerts=tuple((row.created_at, row.resolved_at) for row in alerts),
        orders=tuple(
            row.ordered_at for row in alerts if row.ordered_at and row.ordered_at >= start
        ),
    )
