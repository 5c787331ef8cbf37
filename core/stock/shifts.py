"""Adding or taking out units of an item: by id, and by a member's name of it in one statement."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    CTE,
    BindParameter,
    ColumnElement,
    Select,
    Table,
    Update,
    and_,
    bindparam,
    case,
    exists,
    func,
    insert,
    null,
    select,
    true,
    update,
)

from core.db.models import Alert, Item, Member, Movement, Shop, WebhookEndpoint
from core.db.session import UnitOfWork
from core.db.statements import cached_statement
from core.items.lookups import ItemState
from core.items.rules import effective_threshold
from core.validation import MAX_QUANTITY


def _amount() -> BindParameter[int]:
    return bindparam("amount", type_=Item.quantity.type)


def _allowed(*, adding: bool) -> ColumnElement[bool]:
    """The change leaves the quantity within 0 … MAX_QUANTITY."""
    amount = _amount()
    return Item.quantity <= MAX_QUANTITY - amount if adding else Item.quantity >= amount


def _shifted_values(*, adding: bool) -> dict[str, Any]:
    amount = _amount()
    values: dict[str, Any] = {
        "quantity": Item.quantity + amount if adding else Item.quantity - amount,
        "updated_at": bindparam("changed_at", type_=Item.updated_at.type),
    }
    if adding:
        # Stock received covers what was on order first (SPEC 2.8); all of it ends the order.
        covered = Item.on_order <= amount
        values["on_order"] = case((covered, 0), else_=Item.on_order - amount)
        values["order_due"] = case((covered, null()), else_=Item.order_due)
    return values


def _shift_update(*, adding: bool) -> Update:
    live = (Item.deleted_at.is_(None), _allowed(adding=adding))
    return update(Item).where(*live).values(**_shifted_values(adding=adding))


@cached_statement
def _shift_by_id(*, adding: bool) -> Update:
    by_id = Item.id == bindparam("item_id")
    return _shift_update(adding=adding).where(by_id).returning(Item.quantity)


def shift_quantity(uow: UnitOfWork, item_id: int, delta: int) -> int | None:
    """Add (received stock, which covers what is on order) or take out `delta` units of a
    live item; the quantity after, or None when it would leave 0 … MAX_QUANTITY."""
    statement = _shift_by_id(adding=delta > 0)
    params = {"item_id": item_id, "amount": abs(delta), "changed_at": uow.now()}
    after: int | None = uow.run(statement, params).scalar()
    return after


@dataclass(frozen=True, slots=True)
class NamedShift:
    """What one statement found and did: the member, the item (None: no such item), and,
    if the quantity changed, the written movement and the item's state after it."""

    member_id: int
    item_id: int | None
    movement_id: int | None
    state: ItemState | None


@cached_statement
def _named_shift(*, adding: bool) -> Select[Any]:
    """Find the member and their shop's item by name, change its quantity, write the
    movement and read the item's state: one round trip where there were four.

    Every part sees the statement's snapshot, taken before the UPDATE waited for the row's
    lock, except the quantity (the UPDATE reads the row as it is once locked) and the open
    alert, which `open_alert_of_item` (a VOLATILE function, see its migration) reads with a
    snapshot taken after the lock: an alert that a concurrent change opened or resolved
    meanwhile is seen, as the separate evaluation read saw it."""
    target = _target()
    changed = (
        _shift_update(adding=adding)
        .where(Item.id == target.c.item_id, Shop.id == Item.shop_id)
        .returning(*_state_columns(), target.c.member_id)
        .cte("changed")
    )
    moved = _movement_of(changed)
    state = changed.c
    return select(
        target.c.member_id,
        target.c.item_id,
        moved.c.id,
        *(state.name, state.quantity, state.threshold, state.own_threshold),
        state.alert_snoozed_until,
        func.open_alert_of_item(state.item_id, type_=Alert.id.type),
        *(state.muted, state.on_order, state.order_due, state.has_room, state.has_webhooks),
        state.sku,
    ).select_from(target.outerjoin(changed, true()).outerjoin(moved, true()))


def member_and_item(name_parameter: str) -> Select[int, int]:
    """The member with the `telegram_user_id` parameter, and their shop's live item whose
    name key is the `name_parameter` parameter, if there is one (outer joined)."""
    return (
        select(Member.id.label("member_id"), Item.id.label("item_id"))
        .outerjoin(
            Item,
            and_(
                Item.shop_id == Member.shop_id,
                Item.name_key == bindparam(name_parameter),
                Item.deleted_at.is_(None),
            ),
        )
        # At most one row: a user is an active member of one shop (a unique index).
        .where(Member.telegram_user_id == bindparam("telegram_user_id"), Member.left_at.is_(None))
    )


def _target() -> CTE:
    """The member, and their shop's live item of that name if there is one."""
    # Not named `name_key`: a parameter named as a column of the updated table would become
    # part of the UPDATE's SET.
    return member_and_item("folded_name").cte("target")


def _movement_of(changed: CTE) -> CTE:
    """The movement row of the change, if the quantity changed."""
    movement: Table = Movement.__table__  # type: ignore[assignment]
    return (
        insert(movement)
        .from_select(
            ["item_id", "member_id", "reason", "delta", "quantity_after", "created_at"],
            select(
                changed.c.item_id,
                changed.c.member_id,
                bindparam("reason", type_=Movement.reason.type),
                bindparam("delta", type_=Movement.delta.type),
                changed.c.quantity,
                bindparam("changed_at", type_=Movement.created_at.type),
            ),
        )
        .returning(movement.c.id)
        .cte("moved")
    )


def _state_columns() -> tuple[Any, ...]:
    webhooks = exists().where(
        WebhookEndpoint.shop_id == Item.shop_id, WebhookEndpoint.disabled_at.is_(None)
    )
    return (
        Item.id.label("item_id"),
        Item.name,
        Item.quantity,
        effective_threshold().label("threshold"),
        Item.threshold.label("own_threshold"),
        Item.alert_snoozed_until,
        Item.muted,
        Item.on_order,
        Item.order_due,
        Shop.room_chat_id.is_not(None).label("has_room"),
        webhooks.label("has_webhooks"),
        Item.sku,
    )


def shift_named_item(
    uow: UnitOfWork, telegram_user_id: int, name_key: str, delta: int, reason: str
) -> NamedShift | None:
    """On PostgreSQL, `_named_shift`; None when the user is no member. The caller has
    checked the amount and the name."""
    params = {
        "telegram_user_id": telegram_user_id,
        "folded_name": name_key,
        "amount": abs(delta),
        "delta": delta,
        "reason": reason,
        "changed_at": uow.now(),
    }
    row: Any = uow.run(_named_shift(adding=delta > 0), params).first()
    if row is None:
        return None
    member_id, item_id, movement_id = row[0], row[1], row[2]
    state = None if movement_id is None else ItemState(*row[3:])
    return NamedShift(member_id, item_id, movement_id, state)
