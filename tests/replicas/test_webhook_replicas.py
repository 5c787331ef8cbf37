"""Three `stockbot run` processes in webhook mode behind nginx (deploy/nginx/stockbot.conf),
on one PostgreSQL database, with Telegram (the fake) posting updates through nginx."""

from __future__ import annotations

from collections import Counter

import httpx
import pytest

from tests.fakes.telegram_api import FakeBotApi
from tests.replicas.cluster import SECRET, query
from tests.replicas.conftest import ClusterFactory
from tests.replicas.load import FIRST_CHAT, await_load_done, figures, queue_load
from tests.replicas.nginx import Nginx

pytestmark = pytest.mark.postgres

# Telegram's own limit is far above what the tests send; the rate test sets its own.
UNLIMITED = "1000"


@pytest.mark.timeout(300)  # 2,000 updates on a shared 2-core machine
async def test_three_processes_answer_every_update_once_and_each_chat_in_order(
    bot_api: FakeBotApi, make_cluster: ClusterFactory, nginx: Nginx, cluster_db: str
) -> None:
    cluster = make_cluster(TELEGRAM_RATE_LIMIT=UNLIMITED)
    await cluster.start()
    offered = queue_load(bot_api, chats=100, per_chat=20)
    await await_load_done(bot_api, chats=100, per_chat=20)
    statuses = await cluster.stop()

    result = figures(bot_api, chats=100, per_chat=20)
    print(f"\nthree processes behind nginx: {result}")
    assert (result.answered, result.lost, result.duplicates) == (offered, 0, 0)
    assert result.unexpected == 0
    assert result.out_of_order_chats == 0
    assert (result.alerts, result.alerts_doubled) == (100, 0)
    assert statuses == [0, 0, 0]
    webhook_posts = Counter(nginx.answered_by())
    assert len(webhook_posts) == 3  # nginx spread Telegram's posts over the three
    assert query(cluster_db, "SELECT count(*), count(handled_at) FROM telegram_updates") == [
        (offered, offered)
    ]
    assert query(cluster_db, "SELECT DISTINCT quantity FROM items") == [(2,)]


async def test_a_wrong_secret_through_nginx_is_refused_by_every_process_and_changes_nothing(
    bot_api: FakeBotApi, make_cluster: ClusterFactory, nginx: Nginx, cluster_db: str
) -> None:
    mallory = FIRST_CHAT - 1
    forged = {
        "update_id": 424242,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": mallory, "type": "private", "first_name": "Mallory"},
            "from": {"id": mallory, "is_bot": False, "first_name": "Mallory"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }
    cluster = make_cluster()
    await cluster.start()
    url = bot_api.webhook_url
    assert url is not None
    assert url.startswith(f"{nginx.url}/telegram/")
    async with httpx.AsyncClient(timeout=10) as client:
        # three times each, so that every process behind nginx gets asked
        answers = [
            await client.post(url, json=forged, headers=headers)
            for headers in [{"X-Telegram-Bot-Api-Secret-Token": "guess-" * 4}, {}] * 3
        ]
    welcome = await bot_api.ask(FIRST_CHAT, "/start")  # the real Telegram still gets in
    statuses = await cluster.stop()

    assert [answer.status_code for answer in answers] == [403] * 6
    assert len(set(nginx.answered_by()[:6])) == 3
    assert "I opened" in (welcome.plain_text or "")
    assert bot_api.messages(mallory) == []
    assert (
        query(cluster_db, "SELECT update_id FROM telegram_updates WHERE update_id = 424242") == []
    )
    assert query(cluster_db, "SELECT count(*) FROM shops") == [(1,)]
    assert statuses == [0, 0, 0]
    assert SECRET not in cluster.output()


async def test_telegram_rate_limit_holds_for_the_three_processes_together(
    # Passes once TELEGRAM_RATE_LIMIT is one budget shared through the database.
    bot_api: FakeBotApi,
    make_cluster: ClusterFactory,
) -> None:
    limit = 20
    cluster = make_cluster(TELEGRAM_RATE_LIMIT=str(limit))
    await cluster.start()
    queue_load(bot_api, chats=12, per_chat=8)
    await await_load_done(bot_api, chats=12, per_chat=8)
    await cluster.stop()

    most = bot_api.max_in_any_second()
    print(f"\nTELEGRAM_RATE_LIMIT={limit}: the most messages within one second was {most}")
    assert figures(bot_api, chats=12, per_chat=8).lost == 0
    assert most <= limit
