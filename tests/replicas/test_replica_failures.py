"""A process dies (SIGKILL, no clean-up) while three share the load behind nginx: nginx
passes Telegram's posts to the others, the updates it had taken are handled by another once
their lease ends, its claimed notifications are claimed again; nothing is lost and nothing
changes twice. A command it had answered but not yet marked handled is answered once more
(the reply cannot be in the transaction): that is counted and printed, not judged."""

from __future__ import annotations

import pytest

from tests.fakes.telegram_api import FakeBotApi
from tests.replicas.cluster import query
from tests.replicas.conftest import ClusterFactory
from tests.replicas.load import (
    FIRST_CHAT,
    TIMEOUT,
    await_load_done,
    figures,
    queue_load,
)

pytestmark = pytest.mark.postgres

CHATS, PER_CHAT = 40, 20


@pytest.mark.timeout(300)  # the killed process's leases last a minute
async def test_a_process_killed_mid_load_and_restarted_loses_nothing_and_changes_nothing_twice(
    bot_api: FakeBotApi, make_cluster: ClusterFactory, cluster_db: str
) -> None:
    cluster = make_cluster(TELEGRAM_RATE_LIMIT="1000")
    await cluster.start()
    offered = queue_load(bot_api, CHATS, PER_CHAT)
    await bot_api.await_sent_in_all(offered // 3, timeout=TIMEOUT)
    await cluster.kill(1)
    await cluster.start([1])
    await await_load_done(bot_api, CHATS, PER_CHAT)
    statuses = await cluster.stop()

    result = figures(bot_api, CHATS, PER_CHAT)
    failed_posts = sum(1 for attempt in bot_api.webhook_deliveries if not attempt.confirmed)
    print(f"\nkilled mid-load: {result}; failed posts, retried by Telegram: {failed_posts}")
    assert (result.answered, result.lost, result.unexpected) == (offered, 0, 0)
    assert result.out_of_order_chats == 0
    assert (result.alerts, result.alerts_doubled) == (CHATS, 0)
    assert statuses == [0, 0, 0]
    assert query(cluster_db, "SELECT count(*), count(handled_at) FROM telegram_updates") == [
        (offered, offered)
    ]
    assert query(cluster_db, "SELECT DISTINCT quantity FROM items") == [(2,)]
    # each item's /additem and its /set commands, each once in the ledger
    assert query(cluster_db, "SELECT count(*) FROM movements") == [(CHATS * (PER_CHAT - 1),)]
    assert query(cluster_db, "SELECT DISTINCT status FROM notifications") == [("sent",)]


async def test_a_question_asked_by_one_process_is_answered_through_another(
    bot_api: FakeBotApi, make_cluster: ClusterFactory
) -> None:
    """SPEC 5: conversations live in the database, so a rolling restart between a question
    and its answer loses neither."""
    user = FIRST_CHAT
    cluster = make_cluster()
    await cluster.start([0])
    await bot_api.ask(user, "/start")
    question = await bot_api.ask(user, "/additem")
    await cluster.stop([0])
    await cluster.start([1])
    then = await bot_api.ask(user, "Green tea")
    added = await bot_api.ask(user, "12")
    statuses = await cluster.stop()

    assert question.plain_text == "What is the new item called? (/cancel to stop)"
    assert (then.plain_text or "").startswith("How many Green tea are in stock now?")
    assert (added.plain_text or "").startswith("✅ Added Green tea: 12 in stock")
    assert statuses == [0, 0, None]
