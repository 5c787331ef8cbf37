"""Read-only views of the shop's items: the stock list and one item's details."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from core.alerts.lifecycle import alert_views
from core.db.models import Alert, Item, Member, Movement, Shop
from core.db.session import UnitOfWork
from core.items.lookups import ITEM_COLUMNS, find_item_id, item_view, to_item_view
from core.items.rules import is_low
from core.results import ItemDetails, ItemPage, ItemView, MovementView, Page
from core.shops.members import require_member_ref
from core.shops.zones import shop_zone
from core.validation import item_name_key


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def name_contains(text: str) -> Any:
    """The condition "the item's name contains this text", compared as names are."""
    return Item.name_key.like(f"%{_escape_like(item_name_key(text))}%", escape="\\")


def list_items(
    uow: UnitOfWork,
    *,
    telegram_user_id: int,
    only_low: bool = False,
    search: str | None = None,
    offset: int = 0,
    limit: int = 20,
) -> ItemPage:
    """A page of the shop's items by name; only low ones, or those whose name contains text."""
    member = require_member_ref(uow, telegram_user_id)
    if limit < 1:
        raise ValueError("a page holds at least one item")
    conditions = [Item.shop_id == member.shop_id, Item.deleted_at.is_(None)]
    if only_low:
        conditions.append(is_low())
    if search:
        conditions.append(name_contains(search))
    base = select(*ITEM_COLUMNS).join(Shop, Shop.id == Item.shop_id).where(*conditions)
    total: int = uow.run(select(func.count()).select_from(base.subquery())).scalar() or 0
    offset = max(0, min(offset, max(total - 1, 0) // limit * limit))
    rows = uow.run(base.order_by(Item.name_key).offset(offset).limit(limit))
    items = _with_alerts(uow, [to_item_view(row) for row in rows])
    return ItemPage(items=tuple(items), total=total, offset=offset, limit=limit)


def _with_alerts(uow: UnitOfWork, items: list[ItemView]) -> list[ItemView]:
    """The items with who is on their open alerts, and which of those are snoozed."""
    if not items:
        return items
    rows: Any = uow.run(
        select(Alert.item_id, Member.display_name, Alert.snoozed_until)
        .outerjoin(Member, Member.id == Alert.acknowledged_by)
        .where(Alert.item_id.in_([item.id for item in items]), Alert.resolved_at.is_(None))
    )
    now = uow.now()
    handled = {item_id: (name, until is not None and until > now) for item_id, name, until in rows}
    return [
        replace(item, taken_by=handled[item.id][0], snoozed=handled[item.id][1])
        if item.id in handled
        else item
        for item in items
    ]


def item_details(
    uow: UnitOfWork, *, telegram_user_id: int, name: str, movements: int = 5
) -> ItemDetails:
    """One item: quantity, threshold, its open alert and its last movements."""
    member = require_member_ref(uow, telegram_user_id)
    item_id = find_item_id(uow, member.shop_id, name)
    open_alerts = alert_views(uow, Alert.item_id == item_id, Alert.resolved_at.is_(None))
    # The columns of a MovementView, in the order of its fields.
    history: Any = uow.run(
        select(
            Movement.reason,
            Movement.delta,
            Movement.quantity_after,
            Movement.created_at,
            Member.display_name,
            Movement.source,
        )
        .outerjoin(Member, Member.id == Movement.member_id)
        .where(Movement.item_id == item_id)
        .order_by(Movement.id.desc())
        .limit(movements)
    )
    return ItemDetails(
        item=item_view(uow, item_id),
        open_alert=open_alerts[0] if open_alerts else None,
        movements=tuple(MovementView(*row) for row in history),
        zone=shop_zone(uow, member.shop_id),
    )


def movements_page(
    uow: UnitOfWork,
    *,
    shop_id: int,
    item_id: int | None = None,
    since: datetime | None = None,
    after: int = 0,
    limit: int = 100,
) -> Page[MovementView]:
    """The shop's ledger by id after `after` (of one item, since a time), and whether more
    follow."""
    conditions = [Item.shop_id == shop_id, Movement.id > after]
    if item_id is not None:
        conditions.append(Movement.item_id == item_id)
    if since is not None:
        conditions.append(Movement.created_at >= since)
    rows = uow.run(
        select(
            Movement.reason,
            Movement.delta,
            Movement.quantity_after,
            Movement.created_at,
            Member.display_name.label("member_name"),
            Movement.id,
            Movement.item_id,
            Movement.source,
            Movement.note,
        )
        .join(Item, Item.id == Movement.item_id)
        .outerjoin(Member, Member.id == Movement.member_id)
        .where(*conditions)
        .order_by(Movement.id)
        .limit(limit + 1)
    ).all()
    views = [MovementView(**row._asdict()) for row in rows[:limit]]
    return Page(items=tuple(views), more=len(rows) > limit)
