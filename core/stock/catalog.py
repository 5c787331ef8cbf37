"""The shop's items as the HTTP API reads and changes them (SPEC 7): by id and by SKU, in
pages by id, on behalf of an API key (its shop; the ledger names the key as the source)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from core.alerts.lifecycle import close_alert, evaluate_item
from core.db.base import MAX_ID
from core.db.models import Item, Shop
from core.db.session import UnitOfWork
from core.errors import AlreadyExists, InvalidInput, NotFound
from core.items.lookups import ITEM_COLUMNS, item_state, item_view, to_item_view
from core.items.rules import is_low
from core.results import ItemView, Page, StockChange
from core.shops.views import ApiCaller
from core.stock.changes import insert_item
from core.stock.deletion import delete_by_id
from core.stock.ledger import record_change
from core.stock.queries import name_contains
from core.validation import check_quantity, clean_item_name, clean_sku

MAX_PAGE = 100


def items_page(
    uow: UnitOfWork,
    *,
    shop_id: int,
    low: bool = False,
    query: str | None = None,
    after: int = 0,
    limit: int = MAX_PAGE,
) -> Page[ItemView]:
    """Live items of the shop by id, after the id `after`: `limit` of them and whether more
    follow (the next page starts after the last one)."""
    conditions = [Item.shop_id == shop_id, Item.deleted_at.is_(None), Item.id > after]
    if low:
        conditions.append(is_low())
    if query:
        conditions.append(name_contains(query))
    rows = uow.run(
        select(*ITEM_COLUMNS)
        .join(Shop, Shop.id == Item.shop_id)
        .where(*conditions)
        .order_by(Item.id)
        .limit(limit + 1)
    ).all()
    items = [to_item_view(row) for row in rows[:limit]]
    return Page(items=tuple(items), more=len(rows) > limit)


def item_of_shop(uow: UnitOfWork, *, shop_id: int, item_id: int) -> ItemView:
    """A live item of the shop; another shop's is "not found" exactly as a missing one."""
    found = None
    if 0 < item_id <= MAX_ID:
        found = uow.session.scalar(
            select(Item.id).where(
                Item.id == item_id, Item.shop_id == shop_id, Item.deleted_at.is_(None)
            )
        )
    if found is None:
        raise NotFound(f"Item {item_id} was not found.")
    return item_view(uow, item_id)


def item_by_sku(uow: UnitOfWork, *, shop_id: int, sku: str) -> ItemView:
    """The shop's live item with this SKU."""
    found = uow.session.scalar(
        select(Item.id).where(Item.shop_id == shop_id, Item.sku == sku, Item.deleted_at.is_(None))
    )
    if found is None:
        raise NotFound(f"No item has the SKU “{sku}”.")
    return item_view(uow, found)


def create(
    uow: UnitOfWork,
    *,
    caller: ApiCaller,
    name: str,
    quantity: int,
    threshold: int | None = None,
    sku: str | None = None,
) -> StockChange:
    """A new item with its starting quantity, optional own threshold and SKU."""
    cleaned = clean_item_name(name)
    check_quantity(quantity)
    if threshold is not None:
        check_quantity(threshold, what="The threshold")
    sku = None if sku is None else clean_sku(sku)
    item_id = insert_item(uow, caller.shop_id, cleaned, quantity, threshold, sku=sku)
    return record_change(
        uow,
        item_id=item_id,
        member_id=None,
        reason="create",
        delta=quantity,
        after=quantity,
        source=caller.source,
    )


UNSET: Any = object()


def update_item(
    uow: UnitOfWork,
    *,
    caller: ApiCaller,
    item_id: int,
    name: str = UNSET,
    sku: str | None = UNSET,
    threshold: int | None = UNSET,
    muted: bool = UNSET,
) -> ItemView:
    """Change an item's name, SKU, own threshold (None: the shop's default) or muted flag;
    its alert is evaluated again at once. Bad input changes nothing."""
    item_of_shop(uow, shop_id=caller.shop_id, item_id=item_id)
    values = _item_values(name=name, sku=sku, threshold=threshold, muted=muted)
    if not values:
        raise InvalidInput("Say what to change: name, sku, threshold or muted.")
    try:
        with uow.savepoint():
            uow.run(
                update(Item)
                .where(Item.id == item_id, Item.deleted_at.is_(None))
                .values(**values, updated_at=uow.now())
            )
    except IntegrityError:
        raise AlreadyExists(_taken(values)) from None
    _resolve_if_muted(uow, item_id, muted=values.get("muted"))
    evaluate_item(uow, item_id, member_id=None)
    view = item_view(uow, item_id)
    uow.commit()
    return view


def _item_values(
    *, name: str, sku: str | None, threshold: int | None, muted: bool
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if name is not UNSET:
        cleaned = clean_item_name(name)
        values |= {"name": cleaned, "name_key": cleaned.casefold()}
    if sku is not UNSET:
        values["sku"] = None if sku is None else clean_sku(sku)
    if threshold is not UNSET:
        if threshold is not None:
            check_quantity(threshold, what="The threshold")
        values["threshold"] = threshold
    if muted is not UNSET:
        if not isinstance(muted, bool):
            raise InvalidInput("muted is true or false.")
        values["muted"] = muted
    return values


def _taken(values: dict[str, Any]) -> str:
    if "sku" in values and values["sku"] is not None:
        return f"Another item already has the SKU “{values['sku']}”."
    return f"There is already an item called “{values.get('name', '')}”."


def _resolve_if_muted(uow: UnitOfWork, item_id: int, *, muted: bool | None) -> None:
    """Muting resolves the item's open alert (`muted`), as /mute does."""
    open_id = item_state(uow, item_id).open_alert_id
    if muted and open_id is not None:
        close_alert(uow, open_id, resolution="muted", member_id=None)


def delete(uow: UnitOfWork, *, caller: ApiCaller, item_id: int) -> StockChange:
    """Delete an item; its open alert is resolved (`deleted`)."""
    item_of_shop(uow, shop_id=caller.shop_id, item_id=item_id)
    return delete_by_id(uow, item_id, member_id=None, source=caller.source)
