"""The original design's daily check, the baseline of B2: one alert at a time through the ORM."""

from __future__ import annotations

import time

from sqlalchemy import select

from bench.dataset import CHANNELS
from core.db.models import Alert, Item, Shop
from core.db.session import CoreConfig, Database, create_db_engine


def per_alert_loop_seconds(url: str, *, last_item_id: int) -> float:
    """Load each open alert of items 1 … last_item_id, load its item, compare, update it, one
    by one; time it, then roll everything back so the benchmark's data stays as it was."""
    database = Database(create_db_engine(url), CoreConfig(channels=frozenset(CHANNELS)))
    try:
        with database.unit_of_work() as uow:
            session, now = uow.session, uow.now()
            repeat = uow.config.repeat_interval
            started = time.perf_counter()
            alert_ids = session.scalars(
                select(Alert.id).where(Alert.resolved_at.is_(None), Alert.item_id <= last_item_id)
            ).all()
            for alert_id in alert_ids:
                alert = session.get_one(Alert, alert_id)
                item = session.get_one(Item, alert.item_id)
                shop = session.get_one(Shop, item.shop_id)
                threshold = shop.default_threshold if item.threshold is None else item.threshold
                if item.quantity >= threshold:
                    alert.resolved_at, alert.resolution = now, "restocked"
                elif alert.last_notified_at <= now - repeat:
                    alert.last_notified_at, alert.next_reminder_at = now, now + repeat
                session.flush()
            return time.perf_counter() - started
    finally:
        database.dispose()
