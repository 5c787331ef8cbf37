"""Queued outbox rows for the delivery benchmark, made by set-based SQL like the rest of the
data."""

from __future__ import annotations

from sqlalchemy import text

from core.db.session import create_db_engine


def queue_alert_messages(url: str, *, channel: str, count: int) -> int:
    """Queue up to `count` pending alert messages on one channel: each open alert to each
    member of its shop, in alert then member order; returns how many were queued."""
    engine = create_db_engine(url)
    try:
        with engine.begin() as connection:
            result = connection.execute(
                text(
                    "INSERT INTO notifications (shop_id, member_id, alert_id, channel, "
                    "recipient, kind, payload, idempotency_key, status, attempts, "
                    "next_attempt_at, created_at) "
                    "SELECT a.shop_id, m.id, a.id, :channel, "
                    "CASE :channel WHEN 'telegram' THEN m.chat_id::text "
                    "WHEN 'email' THEN m.email ELSE m.whatsapp END, 'alert', "
                    "json_build_object('alert_id', a.id, 'item_name', i.name, "
                    "'quantity', a.quantity, 'threshold', a.threshold), "
                    "'bench:' || a.id || ':' || m.id || ':' || :channel, 'pending', 0, "
                    "now(), now() "
                    "FROM alerts AS a JOIN items AS i ON i.id = a.item_id "
                    "JOIN members AS m ON m.shop_id = a.shop_id "
                    "ORDER BY a.id, m.id LIMIT :count"
                ),
                {"channel": channel, "count": count},
            )
            return result.rowcount
    finally:
        engine.dispose()
