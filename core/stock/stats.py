"""Figures for a shop's admin: items, alerts, members and deliveries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from core.db.models import Alert, Item, Member, Notification, Shop
from core.db.session import UnitOfWork
from core.items.rules import is_low
from core.results import Stats
from core.shops.members import require_member_ref


def _count(uow: UnitOfWork, query: Any) -> int:
    counted: int | None = uow.run(select(func.count()).select_from(query.subquery())).scalar()
    return counted or 0


def shop_stats(uow: UnitOfWork, *, telegram_user_id: int) -> Stats:
    """`/stats` for the admin's shop."""
    return stats_of(uow, require_member_ref(uow, telegram_user_id, admin=True).shop_id)


def stats_of(uow: UnitOfWork, shop_id: int) -> Stats:
    """The shop's figures: items, alerts, members and deliveries."""
    item_counts: Any = uow.run(
        select(
            func.count(),
            func.count().filter(is_low()),
            func.count().filter(Item.quantity == 0),
        )
        .select_from(Item)
        .join(Shop, Shop.id == Item.shop_id)
        .where(Item.shop_id == shop_id, Item.deleted_at.is_(None))
    ).one()
    alert_counts: Any = uow.run(
        select(func.count(), func.count().filter(Alert.resolved_at.is_(None))).where(
            Alert.shop_id == shop_id
        )
    ).one()
    statuses: Any = uow.run(
        select(Notification.status, func.count())
        .where(Notification.shop_id == shop_id)
        .group_by(Notification.status)
    )
    by_status: dict[str, int] = dict(statuses.all())
    return Stats(
        items_total=item_counts[0],
        items_low=item_counts[1],
        items_out_of_stock=item_counts[2],
        alerts_total=alert_counts[0],
        alerts_open=alert_counts[1],
        alerts_resolved=alert_counts[0] - alert_counts[1],
        members=_count(
            uow, select(Member.id).where(Member.shop_id == shop_id, Member.left_at.is_(None))
        ),
        notifications_pending=by_status.get("pending", 0),
        notifications_sent=by_status.get("sent", 0),
        notifications_dead=by_status.get("dead", 0),
    )
