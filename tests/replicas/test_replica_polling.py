"""Polling with several processes: one `stockbot run` takes Telegram's updates, two more run
`--api-only`; nginx spreads API traffic over all three while chats talk to the poller."""

from __future__ import annotations

import asyncio
import re
from collections import Counter

import httpx
import pytest

from tests.fakes.telegram_api import FakeBotApi
from tests.replicas.cluster import query
from tests.replicas.conftest import ClusterFactory
from tests.replicas.load import FIRST_CHAT, await_load_done, figures, queue_load
from tests.replicas.nginx import Nginx

pytestmark = pytest.mark.postgres

CHATS, PER_CHAT = 30, 10
SALES = 60
TILL_ADMIN = FIRST_CHAT - 1
KEY = re.compile(r"sb_live_\S+")


async def _till_key(bot_api: FakeBotApi) -> str:
    """A write key of a shop of its own, with Flour, made in a chat with the poller."""
    await bot_api.ask(TILL_ADMIN, "/start")
    await bot_api.ask(TILL_ADMIN, "/additem Flour 1000")
    made = await bot_api.ask(TILL_ADMIN, "/apikey new Till write")
    found = KEY.search(made.plain_text or "")
    assert found is not None, made.plain_text
    return found.group()


async def _sell(client: httpx.AsyncClient, item: int, receipt: int) -> list[int]:
    """One sale of one Flour, sent twice with its key as a till retrying would; the statuses."""
    path = f"/v1/items/{item}/adjustments"
    body = {"delta": -1, "reason": f"receipt {receipt}"}
    headers = {"Idempotency-Key": f"till-receipt-{receipt}"}
    answers = [await client.post(path, json=body, headers=headers) for _ in range(2)]
    assert answers[1].headers.get("Idempotent-Replayed") == "true"
    return [answer.status_code for answer in answers]


async def test_one_poller_and_two_api_only_processes_each_do_their_part_once(
    bot_api: FakeBotApi, make_cluster: ClusterFactory, nginx: Nginx, cluster_db: str
) -> None:
    cluster = make_cluster(webhook=False, api_only=(1, 2), TELEGRAM_RATE_LIMIT="1000")
    await cluster.start()
    key = await _till_key(bot_api)
    offered = queue_load(bot_api, CHATS, PER_CHAT)
    auth = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=nginx.url, headers=auth, timeout=30) as client:
        [flour] = (await client.get("/v1/items", params={"q": "Flour"})).json()["items"]
        statuses = await asyncio.gather(*(_sell(client, flour["id"], n) for n in range(SALES)))
        after = (await client.get(f"/v1/items/{flour['id']}")).json()
    await await_load_done(bot_api, CHATS, PER_CHAT)
    stopped = await cluster.stop()

    result = figures(bot_api, CHATS, PER_CHAT)
    print(f"\none poller, two --api-only: {result}")
    assert (result.answered, result.lost, result.duplicates) == (offered, 0, 0)
    assert result.unexpected == 0
    assert result.out_of_order_chats == 0
    assert (result.alerts, result.alerts_doubled) == (CHATS, 0)
    assert statuses == [[200, 200]] * SALES
    assert after["quantity"] == 1000 - SALES
    sales = query(cluster_db, "SELECT count(*) FROM movements WHERE note LIKE 'receipt %'")
    assert sales == [(SALES,)]
    assert len(Counter(nginx.answered_by())) == 3  # every process served the API
    assert stopped == [0, 0, 0]
    assert bot_api.webhook_url is None
