"""Alert thresholds: the shop's default and each item's own."""

from __future__ import annotations

from sqlalchemy import update

from core.alerts.lifecycle import evaluate_item
from core.alerts.reconcile import reconcile
from core.db.models import Item, Shop
from core.db.session import UnitOfWork
from core.items.lookups import ensure_not_deleted, find_item_id, item_view
from core.results import ThresholdChange
from core.shops.members import require_member_ref
from core.validation import check_quantity


def set_default_threshold(
    uow: UnitOfWork, *, telegram_user_id: int, threshold: int
) -> ThresholdChange:
    """Set the shop's default threshold (admins) and re-evaluate the shop's items at once."""
    admin = require_member_ref(uow, telegram_user_id, admin=True)
    check_quantity(threshold, what="The threshold")
    uow.run(update(Shop).where(Shop.id == admin.shop_id).values(default_threshold=threshold))
    opened, resolved = reconcile(uow, [admin.shop_id])
    uow.commit()
    return ThresholdChange(
        threshold=threshold, item=None, alerts_opened=len(opened), alerts_resolved=len(resolved)
    )


def set_item_threshold(
    uow: UnitOfWork, *, telegram_user_id: int, name: str, threshold: int | None
) -> ThresholdChange:
    """Set one item's own threshold, or clear it with None (admins); re-evaluates the item."""
    admin = require_member_ref(uow, telegram_user_id, admin=True)
    if threshold is not None:
        check_quantity(threshold, what="The threshold")
    item_id = find_item_id(uow, admin.shop_id, name)
    updated = uow.run(
        update(Item)
        .where(Item.id == item_id, Item.deleted_at.is_(None))
        .values(threshold=threshold, updated_at=uow.now())
    )
    if not updated.rowcount:
        ensure_not_deleted(uow, item_id, name)
    opened, resolved = evaluate_item(uow, item_id, member_id=admin.id)
    view = item_view(uow, item_id)
    uow.commit()
    return ThresholdChange(
        threshold=threshold,
        item=view,
        alerts_opened=int(opened is not None),
        alerts_resolved=int(resolved is not None),
    )
