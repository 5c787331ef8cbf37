"""`/sku`: the code a point of sale calls an item by (SPEC 1), unique among the shop's live
items."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from core.db.models import Item
from core.db.session import UnitOfWork
from core.errors import AlreadyExists
from core.items.lookups import find_item_id, item_view
from core.results import ItemView
from core.shops.members import require_member_ref
from core.validation import clean_sku


def set_sku(uow: UnitOfWork, *, telegram_user_id: int, name: str, sku: str | None) -> ItemView:
    """Set the item's SKU, or clear it with None (admins); a SKU another live item of the
    shop has is refused with that item's name."""
    admin = require_member_ref(uow, telegram_user_id, admin=True)
    code = None if sku is None else clean_sku(sku)
    item_id = find_item_id(uow, admin.shop_id, name)
    if code is not None:
        holder = uow.run(
            select(Item.name).where(
                Item.shop_id == admin.shop_id,
                Item.sku == code,
                Item.deleted_at.is_(None),
                Item.id != item_id,
            )
        ).scalar()
        if holder is not None:
            raise AlreadyExists(f"The SKU {code} is already “{holder}”'s.")
    try:
        # A savepoint: another item may take the SKU between the look-up and this update.
        with uow.session.begin_nested():
            uow.run(update(Item).where(Item.id == item_id).values(sku=code, updated_at=uow.now()))
    except IntegrityError:
        raise AlreadyExists(f"The SKU {code} is already another item's.") from None
    view = item_view(uow, item_id)
    uow.commit()
    return view
