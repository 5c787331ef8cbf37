"""What makes an item low, said once for SQL: the effective threshold and the low test."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func

from core.db.models import Item, Shop


def effective_threshold() -> ColumnElement[Any]:
    """The item's own threshold, else its shop's default (needs `shops` joined)."""
    return func.coalesce(Item.threshold, Shop.default_threshold)


def is_low() -> ColumnElement[bool]:
    """Strictly below the effective threshold, so threshold 0 never alerts (needs `shops`)."""
    return Item.quantity < effective_threshold()


def is_stocked() -> ColumnElement[bool]:
    """At or above the effective threshold: an open alert of such an item is resolved."""
    return Item.quantity >= effective_threshold()
