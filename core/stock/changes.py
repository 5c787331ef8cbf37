"""Adding, counting, receiving, taking out and deleting items: each change a ledger entry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    BindParameter,
    Select,
    Update,
    and_,
    bindparam,
    case,
    insert,
    null,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from core.alerts.lifecycle import close_alert
from core.db.models import Item, Member
from core.db.session import UnitOfWork
from core.db.statements import cached_statement
from core.errors import AlreadyExists, InsufficientStock, InvalidInput, NotAMember
from core.items.lookups import ensure_not_deleted, find_item_id, item_view, no_such_item
from core.results import StockChange
from core.shops.members import require_member_ref
from core.stock.ledger import lock_quantity, record_change, write_movement
from core.validation import MAX_QUANTITY, check_amount, check_quantity, clean_item_name


@cached_statement
def _member_and_item_query() -> Select[int, int]:
    return (
        select(Member.id, Item.id)
        .outerjoin(
            Item,
            and_(
                Item.shop_id == Member.shop_id,
                Item.name_key == bindparam("name_key"),
                Item.deleted_at.is_(None),
            ),
        )
        .where(Member.telegram_user_id == bindparam("telegram_user_id"), Member.left_at.is_(None))
    )


def _quantity_update(*, adding: bool) -> Update:
    amount: BindParameter[int] = bindparam("amount", type_=Item.quantity.type)
    allowed = Item.quantity <= MAX_QUANTITY - amount if adding else Item.quantity >= amount
    return (
        update(Item)
        .where(Item.id == bindparam("item_id"), Item.deleted_at.is_(None), allowed)
        .values(
            quantity=Item.quantity + amount if adding else Item.quantity - amount,
            updated_at=bindparam("changed_at", type_=Item.updated_at.type),
            **(_received(amount) if adding else {}),
        )
        .returning(Item.quantity)
    )


def _received(amount: BindParameter[int]) -> dict[str, Any]:
    """Stock received covers what was on order first (SPEC 2.8); all of it ends the order."""
    covered = Item.on_order <= amount
    return {
        "on_order": case((covered, 0), else_=Item.on_order - amount),
        "order_due": case((covered, null()), else_=Item.order_due),
    }


@cached_statement
def _set_update() -> Update:
    return (
        update(Item)
        .where(Item.id == bindparam("item_id"))
        .values(
            quantity=bindparam("quantity", type_=Item.quantity.type),
            updated_at=bindparam("changed_at", type_=Item.updated_at.type),
        )
    )


@cached_statement
def _add_update() -> Update:
    return _quantity_update(adding=True)


@cached_statement
def _remove_update() -> Update:
    return _quantity_update(adding=False)


def _member_and_item(
    uow: UnitOfWork, telegram_user_id: int, name: str, check: Callable[[], object]
) -> tuple[int, int]:
    """(member id, item id) for a change of the named item, found in one round trip.

    Errors come in the order of separate look-ups: not a member, then the number or the
    name is bad (`check`, then the name), then there is no such item."""
    try:
        check()
        cleaned = clean_item_name(name)
    except InvalidInput:
        require_member_ref(uow, telegram_user_id)
        raise
    row: Any = uow.run(
        _member_and_item_query(),
        {"telegram_user_id": telegram_user_id, "name_key": cleaned.casefold()},
    ).first()
    if row is None:
        raise NotAMember()
    member_id: int
    item_id: int | None
    member_id, item_id = row
    if item_id is None:
        raise no_such_item(cleaned)
    return member_id, item_id


def create_item(
    uow: UnitOfWork,
    *,
    telegram_user_id: int,
    name: str,
    quantity: int,
    threshold: int | None = None,
) -> StockChange:
    """Add a new item with its starting quantity and, optionally, its own threshold."""
    member = require_member_ref(uow, telegram_user_id)
    cleaned = clean_item_name(name)
    check_quantity(quantity)
    if threshold is not None:
        check_quantity(threshold, what="The threshold")
    now = uow.now()
    new_item = insert(Item).values(
        shop_id=member.shop_id,
        name=cleaned,
        name_key=cleaned.casefold(),
        quantity=quantity,
        threshold=threshold,
        created_at=now,
        updated_at=now,
    )
    try:
        # A savepoint, so that a duplicate name leaves the transaction usable.
        with uow.session.begin_nested():
            item_id: int = uow.run(new_item.returning(Item.id)).scalar_one()
    except IntegrityError:
        raise AlreadyExists(f"There is already an item called “{cleaned}”.") from None
    return record_change(
        uow, item_id=item_id, member_id=member.id, reason="create", delta=quantity, after=quantity
    )


def set_quantity(
    uow: UnitOfWork, *, telegram_user_id: int, name: str, quantity: int
) -> StockChange:
    """Set the counted quantity (a stocktake)."""
    member_id, item_id = _member_and_item(
        uow, telegram_user_id, name, lambda: check_quantity(quantity)
    )
    before = lock_quantity(uow, item_id, name)
    uow.run(_set_update(), {"item_id": item_id, "quantity": quantity, "changed_at": uow.now()})
    return record_change(
        uow,
        item_id=item_id,
        member_id=member_id,
        reason="set",
        delta=quantity - before,
        after=quantity,
    )


def add_stock(uow: UnitOfWork, *, telegram_user_id: int, name: str, amount: int) -> StockChange:
    """Receive `amount` units (a restock)."""
    member_id, item_id = _member_and_item(uow, telegram_user_id, name, lambda: check_amount(amount))
    after = uow.run(
        _add_update(), {"item_id": item_id, "amount": amount, "changed_at": uow.now()}
    ).scalar()
    if after is None:
        ensure_not_deleted(uow, item_id, name)
        raise InvalidInput(f"That would be more than {MAX_QUANTITY:,} in stock.")
    return record_change(
        uow, item_id=item_id, member_id=member_id, reason="add", delta=amount, after=after
    )


def remove_stock(uow: UnitOfWork, *, telegram_user_id: int, name: str, amount: int) -> StockChange:
    """Take out `amount` units; refused, nothing changed, if it would go below 0."""
    member_id, item_id = _member_and_item(uow, telegram_user_id, name, lambda: check_amount(amount))
    after = uow.run(
        _remove_update(), {"item_id": item_id, "amount": amount, "changed_at": uow.now()}
    ).scalar()
    if after is None:
        ensure_not_deleted(uow, item_id, name)
        view = item_view(uow, item_id)
        raise InsufficientStock(
            f"Only {view.quantity:,} of “{view.name}” in stock: cannot take out {amount:,}."
        )
    return record_change(
        uow, item_id=item_id, member_id=member_id, reason="remove", delta=-amount, after=after
    )


def delete_item(uow: UnitOfWork, *, telegram_user_id: int, name: str) -> StockChange:
    """Delete an item (admins); its open alert is resolved as `deleted`."""
    member = require_member_ref(uow, telegram_user_id, admin=True)
    item_id = find_item_id(uow, member.shop_id, name)
    before = lock_quantity(uow, item_id, name)
    view = item_view(uow, item_id)
    now = uow.now()
    uow.run(
        update(Item).where(Item.id == item_id).values(deleted_at=now, quantity=0, updated_at=now)
    )
    movement = {"reason": "delete", "delta": -before, "quantity_after": 0, "created_at": now}
    movement |= {"member_id": member.id, "source": None, "note": None}
    state = write_movement(uow, item_id, movement)
    open_id = state.open_alert_id
    if open_id is not None:
        close_alert(
            uow, open_id, resolution="deleted", member_id=member.id, webhooks=state.has_webhooks
        )
    uow.commit()
    return StockChange(item=view, delta=-before, alert_resolved=open_id)
