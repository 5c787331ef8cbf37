"""Point-of-sale events applied (SPEC 7): each count sets the quantity of the shop's live
item with that SKU, through the ledger (reason `import`, the connection as its source); an
unknown SKU is recorded for the admins instead of failing; an event applies once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from core.db.dialect import insert_or_skip
from core.db.models import Item, PosConnection, PosEvent, UnknownSku
from core.db.session import UnitOfWork
from core.errors import NotFound
from core.pos_webhooks import SkuCount
from core.results import PosResult, StockChange
from core.stock.ledger import import_quantity
from core.validation import MAX_QUANTITY


def _connection(uow: UnitOfWork, connection_id: int) -> Any:
    row = uow.run(
        select(PosConnection.shop_id, PosConnection.provider, PosConnection.name).where(
            PosConnection.id == connection_id, PosConnection.disabled_at.is_(None)
        )
    ).first()
    if row is None:
        raise NotFound("There is no such point-of-sale connection.")
    return row


def _first_delivery(uow: UnitOfWork, connection_id: int, event_id: str) -> bool:
    """Record the event; False when it was recorded before. A concurrent delivery of the
    same event waits here on the unique index until the first one's transaction ends."""
    inserted = uow.run(
        insert_or_skip(uow, PosEvent)
        .values(connection_id=connection_id, event_id=event_id, received_at=uow.now())
        .on_conflict_do_nothing(index_elements=["connection_id", "event_id"])
    )
    return bool(inserted.rowcount)


def _record_unknown(uow: UnitOfWork, shop_id: int, connection_id: int, sku: str) -> None:
    now = uow.now()
    statement = insert_or_skip(uow, UnknownSku).values(
        shop_id=shop_id,
        connection_id=connection_id,
        sku=sku,
        first_seen_at=now,
        last_seen_at=now,
        times=1,
    )
    uow.run(
        statement.on_conflict_do_update(
            index_elements=["shop_id", "sku"],
            set_={
                "times": UnknownSku.times + 1,
                "last_seen_at": now,
                "connection_id": connection_id,
            },
        )
    )


def _item_by_sku(uow: UnitOfWork, shop_id: int, sku: str) -> Any:
    return uow.run(
        select(Item.id, Item.name).where(
            Item.shop_id == shop_id, Item.sku == sku, Item.deleted_at.is_(None)
        )
    ).first()


def apply_pos_event(
    uow: UnitOfWork, *, connection_id: int, event_id: str, counts: Sequence[SkuCount]
) -> PosResult:
    """Apply one event of a connection in one transaction, once: a replay of its event id
    changes nothing and says so. A count below 0 (a point of sale may oversell) sets 0; one
    above MAX_QUANTITY is refused and changes nothing."""
    connection = _connection(uow, connection_id)
    if not _first_delivery(uow, connection_id, event_id):
        uow.commit()
        return PosResult(replayed=True)
    source = f"{connection.provider}:{connection.name}"
    changed: list[StockChange] = []
    unknown: list[str] = []
    refused: list[str] = []
    unchanged = 0
    # Items locked in SKU order, so two events over the same items never deadlock.
    for count in sorted(counts, key=lambda count: count.sku):
        item = _item_by_sku(uow, connection.shop_id, count.sku)
        if item is None:
            _record_unknown(uow, connection.shop_id, connection_id, count.sku)
            unknown.append(count.sku)
        elif count.quantity > MAX_QUANTITY:
            refused.append(count.sku)
        elif (
            change := import_quantity(
                uow, item_id=item.id, name=item.name, quantity=max(count.quantity, 0), source=source
            )
        ) is None:
            unchanged += 1
        else:
            changed.append(change)
    uow.commit()
    return PosResult(
        changed=tuple(changed),
        unchanged=unchanged,
        unknown_skus=tuple(unknown),
        refused_skus=tuple(refused),
    )
