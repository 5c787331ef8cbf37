"""Figures for a shop's admin: items, alerts, members and deliveries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from core.db.models import Alert, Item, Member, Notification, Shop
from core.db.session import UnitOfWork
from core.items.rules import effective_threshold
from core.results import Stats
from core.shops import require_member


def _count(uow: UnitOfWork, query: Any) -> int:
    return uow.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def shop_stats(uow: UnitOfWork, *, telegram_user_id: int) -> Stats:
    """`/stats` for the admin's shop."""
    shop_id = require_member(uow, telegram_user_id, admin=True).shop_id
    items = (
        select(Item.id, Item.quantity, effective_threshold().label("threshold"))
        .join(Shop, Shop.id == Item.shop_id)
        .where(Item.shop_id == shop_id, Item.deleted_at.is_(None))
        .subquery()
    )
    item_counts = uow.session.execute(
        select(
            func.count(),
            func.count().filter(items.c.quantity < items.c.threshold),
            func.count().filter(items.c.quantity == 0),
        ).select_from(items)
    ).one()
    alert_counts = uow.session.execute(
        select(func.count(), func.count().filter(Alert.resolved_at.is_(None))).where(
            Alert.shop_id == shop_id
        )
    ).one()
    by_status = dict(
        uow.session.execute(
            select(Notification.status, func.count())
            .where(Notification.shop_id == shop_id)
            .group_by(Notification.status)
        ).all()
    )
    return Stats(
        items_total=item_counts[0],
        items_low=item_counts[1],
        items_out_of_stock=item_counts[2],
        alerts_total=alert_counts[0],
        alerts_open=alert_counts[1],
        alerts_resolved=alert_counts[0] - alert_counts[1],
        members=_count(uow, select(Member.id).where(Member.shop_id == shop_id)),
        notifications_pending=by_status.get("pending", 0),
        notifications_sent=by_status.get("sent", 0),
        notifications_dead=by_status.get("dead", 0),
    )
