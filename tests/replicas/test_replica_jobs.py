"""The daily check with three processes up on one database: every process runs it at start,
as it is due, and each shop's check runs once, so each shop hears one reminder."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from core.db.session import Database, create_db_engine
from core.shops import onboarding
from core.stock import changes
from tests.fakes.telegram_api import FakeBotApi
from tests.replicas.cluster import query
from tests.replicas.conftest import ClusterFactory
from tests.replicas.load import FIRST_CHAT

pytestmark = pytest.mark.postgres

SHOPS = 6
RAN = re.compile(r'Job "daily-check \(.*executed successfully')


def shops_with_low_items_told_a_day_ago(database_url: str) -> list[int]:
    """SHOPS shops, each with two items low whose alerts were last told 25 hours ago; the
    admins' chats."""
    database = Database(create_db_engine(database_url))
    admins = list(range(FIRST_CHAT, FIRST_CHAT + SHOPS))
    try:
        for admin in admins:
            with database.unit_of_work() as uow:
                onboarding.start(uow, telegram_user_id=admin, chat_id=admin, display_name="Al")
            for name in ("Green tea", "Oat milk"):
                with database.unit_of_work() as uow:
                    changes.create_item(uow, telegram_user_id=admin, name=name, quantity=1)
        with database.engine.begin() as connection:
            then = datetime.now(UTC) - timedelta(hours=25)
            connection.execute(text("UPDATE alerts SET last_notified_at = :then"), {"then": then})
            # told a day ago: the alerts' own messages went out then
            connection.execute(text("UPDATE notifications SET status = 'sent'"))
    finally:
        database.dispose()
    return admins


async def test_with_three_processes_up_the_daily_check_reminds_each_shop_once(
    bot_api: FakeBotApi, make_cluster: ClusterFactory, cluster_db: str
) -> None:
    admins = shops_with_low_items_told_a_day_ago(cluster_db)
    cluster = make_cluster(ALERT_CHECK_TIME="00:00:00")  # due at once, in all three
    await cluster.start()
    for admin in admins:
        await bot_api.await_message(admin, contains="Still low: 2 items", timeout=30)
    statuses = await cluster.stop()

    assert statuses == [0, 0, 0]
    assert all(RAN.search(replica.output()) for replica in cluster.replicas)
    for admin in admins:
        [reminder] = [m for m in bot_api.messages(admin) if "Still low" in (m.plain_text or "")]
        assert "Green tea: 1 left" in (reminder.plain_text or "")
    today = datetime.now(UTC).date()
    assert query(cluster_db, "SELECT DISTINCT last_checked_on FROM shops") == [(today,)]
    kinds = query(cluster_db, "SELECT count(*) FROM notifications WHERE kind = 'reminder_digest'")
    assert kinds == [(SHOPS,)]
