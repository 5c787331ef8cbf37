"""Adding, counting, receiving, taking out and deleting items: each change a ledger entry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

from sqlalchemy import Select, Update, bindparam, insert, update
from sqlalchemy.exc import IntegrityError

from core.db.models import Item
from core.db.session import UnitOfWork
from core.db.statements import cached_statement
from core.errors import AlreadyExists, InsufficientStock, InvalidInput, NotAMember
from core.items.lookups import ensure_not_deleted, find_item_id, item_view, no_such_item
from core.results import StockChange
from core.shops.members import require_member_ref
from core.stock.deletion import delete_by_id
from core.stock.ledger import announce_movement, evaluated_change, lock_quantity, record_change
from core.stock.shifts import member_and_item, shift_named_item, shift_quantity
from core.validation import MAX_QUANTITY, check_amount, check_quantity, clean_item_name


@cached_statement
def _member_and_item_query() -> Select[int, int]:
    return member_and_item("name_key")


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


def _checked_name(
    uow: UnitOfWork, telegram_user_id: int, name: str, check: Callable[[], object]
) -> str:
    """The cleaned name of the item to change, errors in the order of separate look-ups:
    not a member, then the number or the name is bad (`check`, then the name). Only a bad
    one costs a round trip, to ask for the member first."""
    try:
        check()
        return clean_item_name(name)
    except InvalidInput:
        require_member_ref(uow, telegram_user_id)
        raise


def _member_and_item(uow: UnitOfWork, telegram_user_id: int, cleaned: str) -> tuple[int, int]:
    """(member id, item id) for a change of the named item, found in one round trip: not a
    member, then no such item."""
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
    item_id = insert_item(uow, member.shop_id, cleaned, quantity, threshold)
    return record_change(
        uow, item_id=item_id, member_id=member.id, reason="create", delta=quantity, after=quantity
    )


def insert_item(
    uow: UnitOfWork,
    shop_id: int,
    cleaned: str,
    quantity: int,
    threshold: int | None,
    *,
    sku: str | None = None,
) -> int:
    """Insert a checked new item; its id. AlreadyExists for a name (or SKU) in use."""
    now = uow.now()
    new_item = insert(Item).values(
        shop_id=shop_id,
        name=cleaned,
        name_key=cleaned.casefold(),
        quantity=quantity,
        threshold=threshold,
        sku=sku,
        created_at=now,
        updated_at=now,
    )
    try:
        # A savepoint, so that a duplicate name leaves the transaction usable.
        with uow.savepoint():
            item_id: int = uow.run(new_item.returning(Item.id)).scalar_one()
    except IntegrityError:
        if sku is not None:
            raise AlreadyExists(
                f"There is already an item called “{cleaned}” or with the SKU “{sku}”."
            ) from None
        raise AlreadyExists(f"There is already an item called “{cleaned}”.") from None
    return item_id


def set_quantity(
    uow: UnitOfWork, *, telegram_user_id: int, name: str, quantity: int
) -> StockChange:
    """Set the counted quantity (a stocktake)."""
    cleaned = _checked_name(uow, telegram_user_id, name, lambda: check_quantity(quantity))
    member_id, item_id = _member_and_item(uow, telegram_user_id, cleaned)
    before = lock_quantity(uow, item_id, name)
    set_counted(uow, item_id, quantity)
    return record_change(
        uow,
        item_id=item_id,
        member_id=member_id,
        reason="set",
        delta=quantity - before,
        after=quantity,
    )


def set_counted(uow: UnitOfWork, item_id: int, quantity: int) -> None:
    """Set the counted quantity of an item whose row the caller has locked."""
    uow.run(_set_update(), {"item_id": item_id, "quantity": quantity, "changed_at": uow.now()})


def add_stock(uow: UnitOfWork, *, telegram_user_id: int, name: str, amount: int) -> StockChange:
    """Receive `amount` units (a restock)."""
    return _change_named(uow, telegram_user_id, name, amount, adding=True)


def remove_stock(uow: UnitOfWork, *, telegram_user_id: int, name: str, amount: int) -> StockChange:
    """Take out `amount` units; refused, nothing changed, if it would go below 0."""
    return _change_named(uow, telegram_user_id, name, amount, adding=False)


def _change_named(
    uow: UnitOfWork, telegram_user_id: int, name: str, amount: int, *, adding: bool
) -> StockChange:
    cleaned = _checked_name(uow, telegram_user_id, name, lambda: check_amount(amount))
    delta = amount if adding else -amount
    if uow.dialect == "postgresql":
        return _change_in_one_statement(uow, telegram_user_id, cleaned, delta)
    member_id, item_id = _member_and_item(uow, telegram_user_id, cleaned)
    after = shift_quantity(uow, item_id, delta)
    if after is None:
        _refuse(uow, item_id, cleaned, delta)
    reason = "add" if adding else "remove"
    return record_change(
        uow, item_id=item_id, member_id=member_id, reason=reason, delta=delta, after=after
    )


def _change_in_one_statement(
    uow: UnitOfWork, telegram_user_id: int, cleaned: str, delta: int
) -> StockChange:
    """What the separate statements do, the change and its movement in one statement
    (`shift_named_item`); a refused change reads why with statements of its own."""
    reason = "add" if delta > 0 else "remove"
    shift = shift_named_item(uow, telegram_user_id, cleaned.casefold(), delta, reason)
    if shift is None:
        raise NotAMember()
    if shift.item_id is None:
        raise no_such_item(cleaned)
    if shift.state is None or shift.movement_id is None:
        _refuse(uow, shift.item_id, cleaned, delta)
    movement = {"quantity_after": shift.state.quantity, "delta": delta, "reason": reason}
    announce_movement(
        uow, shift.item_id, movement | {"source": None}, shift.movement_id, shift.state
    )
    change = evaluated_change(uow, shift.item_id, shift.member_id, delta, shift.state)
    uow.commit()
    return change


def _refuse(uow: UnitOfWork, item_id: int, cleaned: str, delta: int) -> NoReturn:
    """Why the item's quantity did not change: deleted meanwhile, or out of range."""
    ensure_not_deleted(uow, item_id, cleaned)
    if delta > 0:
        raise InvalidInput(f"That would be more than {MAX_QUANTITY:,} in stock.")
    view = item_view(uow, item_id)
    raise InsufficientStock(
        f"Only {view.quantity:,} of “{view.name}” in stock: cannot take out {-delta:,}."
    )


def delete_item(uow: UnitOfWork, *, telegram_user_id: int, name: str) -> StockChange:
    """Delete an item (admins); its open alert is resolved as `deleted`."""
    member = require_member_ref(uow, telegram_user_id, admin=True)
    item_id = find_item_id(uow, member.shop_id, name)
    return delete_by_id(uow, item_id, member_id=member.id)
