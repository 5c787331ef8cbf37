"""An import's plan applied in a few set-based statements per thousand items, not several per
item (B7): the changed items locked in id order, their thresholds and quantities set, the new
items created, every quantity written to the ledger (reason `import`), then all of them
evaluated at once (core.alerts.evaluation) — what the ledger's one-item path does for each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from core.alerts.evaluation import Destinations, evaluate_items, shop_destinations
from core.alerts.webhook_events import stock_changed
from core.db.models import Item, Movement
from core.db.session import UnitOfWork
from core.db.statements import in_chunks
from core.items.lookups import no_such_item
from core.stock.changes import insert_item
from core.validation import clean_item_name

_ITEMS: Table = Item.__table__  # type: ignore[assignment]
_MOVEMENTS: Table = Movement.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Actor:
    """Who imports: a member of the shop, or a source such as an API key."""

    shop_id: int
    member_id: int | None
    source: str | None


@dataclass(frozen=True)
class Applied:
    """What applying a plan did: alerts opened and resolved, quantities and thresholds set."""

    opened: int
    resolved: int
    quantities: int
    thresholds: int


@dataclass(frozen=True)
class _Moved:
    """A quantity written down: the item (name and SKU as its stock.changed event says)."""

    item_id: int
    name: str
    sku: str | None
    delta: int
    after: int


def _lock(uow: UnitOfWork, changes: Sequence[dict[str, Any]]) -> dict[int, Any]:
    """The changed items' rows, locked in id order until the commit (two imports over the
    same items never deadlock, and a concurrent change is never lost); NotFound naming the
    first one deleted meanwhile."""
    live: dict[int, Any] = {}
    for chunk in in_chunks(changes):
        ids = [change["item_id"] for change in chunk]
        query = (
            select(Item.id, Item.quantity, Item.name, Item.sku)
            .where(Item.id.in_(ids), Item.deleted_at.is_(None))
            .order_by(Item.id)
            .with_for_update()
        )
        live |= {row.id: row for row in uow.run(query)}
        for change in chunk:
            if change["item_id"] not in live:
                raise no_such_item(clean_item_name(change["name"]))
    return live


def _set_thresholds(uow: UnitOfWork, changes: Sequence[dict[str, Any]]) -> int:
    """The own thresholds the plan changes (few, in most files); how many."""
    changed = [change for change in changes if change["own"][0] != change["own"][1]]
    if changed:
        statement = (
            update(_ITEMS)
            .where(_ITEMS.c.id == bindparam("item_id"))
            .values(threshold=bindparam("own"), updated_at=uow.now())
        )
        uow.run(statement, [{"item_id": c["item_id"], "own": c["own"][1]} for c in changed])
    return len(changed)


# On PostgreSQL one UPDATE sets them all, its items and quantities bound as two arrays, so the
# statement is the same whatever their number (a VALUES list is compiled anew each time, which
# costs more than running it). SQLite runs the plain UPDATE once per item, in process.
_QUANTITIES_FROM_ARRAYS = text(
    "UPDATE items SET quantity = counted.quantity, updated_at = :now "
    "FROM unnest(CAST(:item_ids AS bigint[]), CAST(:quantities AS integer[])) "
    "AS counted(item_id, quantity) WHERE items.id = counted.item_id"
)


def _set_quantities(uow: UnitOfWork, counts: Sequence[tuple[int, int]]) -> None:
    """Set each (item id, quantity)."""
    if not counts:
        return
    if uow.dialect == "postgresql":
        ids, quantities = (list(column) for column in zip(*counts, strict=True))
        params = {"item_ids": ids, "quantities": quantities, "now": uow.now()}
        uow.run(_QUANTITIES_FROM_ARRAYS, params)
        return
    statement = (
        update(_ITEMS)
        .where(_ITEMS.c.id == bindparam("item_id"))
        .values(quantity=bindparam("counted"), updated_at=uow.now())
    )
    uow.run(statement, [{"item_id": item_id, "counted": counted} for item_id, counted in counts])


def _recounted(
    uow: UnitOfWork, changes: Sequence[dict[str, Any]], live: dict[int, Any]
) -> list[_Moved]:
    """Set the quantities that differ from the locked rows'; the movements they make."""
    moved = [
        _Moved(row.id, row.name, row.sku, wanted - row.quantity, wanted)
        for change in changes
        if (wanted := change["quantity"][1]) != (row := live[change["item_id"]]).quantity
    ]
    _set_quantities(uow, [(move.item_id, move.after) for move in moved])
    return moved


def _created(uow: UnitOfWork, shop_id: int, new: Sequence[dict[str, Any]]) -> list[_Moved]:
    """Insert the new items in the plan's order; their first movements."""
    now = uow.now()
    rows = [
        {"shop_id": shop_id, "name": n["name"], "name_key": n["name"].casefold()}
        | {"quantity": n["quantity"], "threshold": n["own"], "sku": n["sku"]}
        | {"created_at": now, "updated_at": now}
        for n in new
    ]
    ids: list[int] = []
    try:
        with uow.savepoint():
            for chunk in in_chunks(rows):
                statement = insert(_ITEMS).returning(_ITEMS.c.id, sort_by_parameter_order=True)
                ids += uow.run(statement, list(chunk)).scalars()
    except IntegrityError:
        # A name or SKU taken since the preview: the one-item insert says which.
        ids = [
            insert_item(uow, shop_id, n["name"], n["quantity"], n["own"], sku=n["sku"]) for n in new
        ]
    return [
        _Moved(item_id, n["name"], n["sku"], n["quantity"], n["quantity"])
        for item_id, n in zip(ids, new, strict=True)
    ]


def _write_down(uow: UnitOfWork, actor: Actor, moved: Sequence[_Moved], to: Destinations) -> None:
    """The movements (reason `import`), in item order, and their stock.changed events."""
    who: dict[str, Any] = {"member_id": actor.member_id, "reason": "import"}
    who |= {"source": actor.source, "created_at": uow.now(), "note": None}
    statement = insert(_MOVEMENTS).returning(_MOVEMENTS.c.id, sort_by_parameter_order=True)
    for chunk in in_chunks(moved):
        rows = [
            who | {"item_id": m.item_id, "delta": m.delta, "quantity_after": m.after} for m in chunk
        ]
        ids = uow.run(statement, rows).scalars()
        if not to.webhooks:
            continue
        for move, movement_id in zip(chunk, ids, strict=True):
            fields = {"name": move.name, "sku": move.sku, "quantity": move.after}
            fields |= {"delta": move.delta, "reason": "import", "source": actor.source}
            stock_changed(uow, item_id=move.item_id, movement_id=movement_id, fields=fields)


def apply_plan(uow: UnitOfWork, actor: Actor, plan: dict[str, Any]) -> Applied:
    """Apply a stored plan (`imports.build_plan`) for the actor (shop, member or source)."""
    changes = sorted(plan["changes"], key=lambda change: change["item_id"])
    if not changes and not plan["new"]:
        return Applied(0, 0, 0, 0)
    live = _lock(uow, changes)
    thresholds = _set_thresholds(uow, changes)
    moved = _recounted(uow, changes, live)
    to = shop_destinations(uow, actor.shop_id)
    created = _created(uow, actor.shop_id, plan["new"])
    _write_down(uow, actor, [*moved, *created], to)
    touched = [*live, *(move.item_id for move in created)]
    opened, resolved = evaluate_items(uow, touched, member_id=actor.member_id, to=to)
    return Applied(len(opened), len(resolved), len(moved), thresholds)
