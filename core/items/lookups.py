"""Finding an item and reading it: by name, as users see it, and as alert decisions need it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, exists, select

from core.db.models import Alert, Item, Shop, WebhookEndpoint
from core.db.session import UnitOfWork
from core.db.statements import cached_statement
from core.errors import NotFound
from core.items.rules import effective_threshold
from core.results import ItemView
from core.validation import clean_item_name

ITEM_COLUMNS = (
    Item.id,
    Item.name,
    Item.quantity,
    effective_threshold(),
    Item.threshold,
    Item.muted,
    Item.on_order,
    Item.order_due,
    Item.sku,
)


@dataclass(frozen=True, slots=True)
class ItemState:
    """An item as its alert is decided: figures, snooze and the open alert, if any."""

    name: str
    quantity: int
    threshold: int
    own_threshold: int | None
    alert_snoozed_until: datetime | None
    open_alert_id: int | None
    muted: bool
    on_order: int
    order_due: date | None
    # The shop has a room, where the open alert's card shows the item's figures.
    has_room: bool = False
    # The shop has an enabled webhook endpoint, which may want to hear of the change.
    has_webhooks: bool = False
    sku: str | None = None

    @property
    def is_low(self) -> bool:
        """Strictly below the effective threshold (the SQL side is `rules.is_low`)."""
        return self.quantity < self.threshold

    def view(self, item_id: int) -> ItemView:
        """The item as users see it."""
        return ItemView(
            id=item_id,
            name=self.name,
            quantity=self.quantity,
            threshold=self.threshold,
            own_threshold=self.own_threshold,
            muted=self.muted,
            on_order=self.on_order,
            order_due=self.order_due,
            sku=self.sku,
        )


def to_item_view(row: Any) -> ItemView:
    """An ItemView from a row of ITEM_COLUMNS."""
    item_id, name, quantity, threshold, own, muted, on_order, order_due, sku = row
    return ItemView(
        id=item_id,
        name=name,
        quantity=quantity,
        threshold=threshold,
        own_threshold=own,
        muted=muted,
        on_order=on_order,
        order_due=order_due,
        sku=sku,
    )


@cached_statement
def _item_view_query() -> Select[Any]:
    return (
        select(*ITEM_COLUMNS)
        .join(Shop, Shop.id == Item.shop_id)
        .where(Item.id == bindparam("item_id"))
    )


@cached_statement
def _item_id_query() -> Select[int]:
    return select(Item.id).where(
        Item.shop_id == bindparam("shop_id"),
        Item.name_key == bindparam("name_key"),
        Item.deleted_at.is_(None),
    )


@cached_statement
def _item_state_query() -> Select[Any]:
    return (
        select(
            Item.name,
            Item.quantity,
            effective_threshold(),
            Item.threshold,
            Item.alert_snoozed_until,
            Alert.id,
            Item.muted,
            Item.on_order,
            Item.order_due,
            Shop.room_chat_id.is_not(None),
            exists().where(
                WebhookEndpoint.shop_id == Item.shop_id, WebhookEndpoint.disabled_at.is_(None)
            ),
            Item.sku,
        )
        .join(Shop, Shop.id == Item.shop_id)
        .outerjoin(Alert, and_(Alert.item_id == Item.id, Alert.resolved_at.is_(None)))
        .where(Item.id == bindparam("item_id"))
    )


def no_such_item(cleaned_name: str) -> NotFound:
    """The one way of saying a name matches no live item."""
    return NotFound(f"There is no item called “{cleaned_name}”.")


def item_view(uow: UnitOfWork, item_id: int) -> ItemView:
    """The item as users see it, with its effective threshold."""
    return to_item_view(uow.run(_item_view_query(), {"item_id": item_id}).one())


def find_item_id(uow: UnitOfWork, shop_id: int, name: str) -> int:
    """The live item of that name in the shop (case and spacing ignored), or NotFound."""
    cleaned = clean_item_name(name)
    item_id: int | None = uow.run(
        _item_id_query(), {"shop_id": shop_id, "name_key": cleaned.casefold()}
    ).scalar()
    if item_id is None:
        raise no_such_item(cleaned)
    return item_id


def ensure_not_deleted(uow: UnitOfWork, item_id: int, name: str) -> None:
    """NotFound if the item was deleted after it was looked up, e.g. while a change to it
    waited for the deletion's row lock."""
    deleted_at = uow.run(select(Item.deleted_at).where(Item.id == item_id)).scalar()
    if deleted_at is not None:
        raise no_such_item(clean_item_name(name))


def item_state(uow: UnitOfWork, item_id: int) -> ItemState:
    """The item's figures, snooze and open alert, read in one statement."""
    row: Any = uow.run(_item_state_query(), {"item_id": item_id}).one()
    return ItemState(*row)
