"""`stockbot run` with HTTP_PORT set: the API in the same process as the bot, on its loop,
with its database and its relay; a SIGTERM stops both."""

from __future__ import annotations

import re
import signal
from pathlib import Path

import httpx

from tests.e2e.test_runtime import ADMIN_ID, START_TIMEOUT, bot_env, stockbot_run
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.webhook_receiver import WebhookReceiver

KEY = re.compile(r"sb_live_[A-Za-z0-9_-]{32}")


async def test_the_api_runs_in_the_bot_and_an_item_it_creates_alerts_on_telegram(
    tmp_path: Path, bot_api: FakeBotApi, free_tcp_port: int
) -> None:
    env = bot_env(tmp_path, bot_api, HTTP_PORT=str(free_tcp_port))
    base = f"http://127.0.0.1:{free_tcp_port}"
    async with stockbot_run(tmp_path, env) as run:
        key = await write_key(bot_api)
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            ready = await client.get("/readyz")
            marker = bot_api.mark()
            created = await client.post(
                "/v1/items",
                json={"name": "Green tea", "quantity": 3},
                headers={"Authorization": f"Bearer {key}"},
            )
            alert = await bot_api.await_message(
                ADMIN_ID, contains="Low stock: Green tea", after=marker, timeout=START_TIMEOUT
            )
        run.process.send_signal(signal.SIGTERM)
        status = await run.finish()

    assert ready.json() == {"status": "ready"}
    assert created.status_code == 201
    assert "Green tea: 3 left, below the threshold of 5" in (alert.plain_text or "")
    assert status == 0
    assert f"HTTP API on http://127.0.0.1:{free_tcp_port}" in run.output()
    assert key not in run.output()


async def test_a_webhook_subscribed_over_the_api_gets_each_change_signed(
    tmp_path: Path, bot_api: FakeBotApi, free_tcp_port: int, webhook_receiver: WebhookReceiver
) -> None:
    env = bot_env(tmp_path, bot_api, HTTP_PORT=str(free_tcp_port))
    async with stockbot_run(tmp_path, env) as run:
        key = await write_key(bot_api)
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{free_tcp_port}", timeout=10, headers=headers
        ) as client:
            subscribed = await client.post(
                "/v1/webhooks",
                json={"url": webhook_receiver.url("/hooks"), "events": ["stock.changed"]},
            )
            webhook_receiver.expect("/hooks", subscribed.json()["secret"])
            listed = await client.get("/v1/webhooks")
            await client.post("/v1/items", json={"name": "Green tea", "quantity": 30})
            [delivery] = await webhook_receiver.await_accepted(1, timeout=START_TIMEOUT)
        run.process.send_signal(signal.SIGTERM)
        assert await run.finish() == 0

    assert subscribed.status_code == 201
    assert "secret" not in listed.json()["webhooks"][0]
    assert delivery.event["type"] == "stock.changed"
    assert delivery.event["data"]["name"] == "Green tea"
    assert webhook_receiver.refused == []
    assert subscribed.json()["secret"] not in run.output()


async def write_key(bot_api: FakeBotApi) -> str:
    """Open Ann's shop and make a write key, through the bot."""
    await bot_api.await_polled(timeout=START_TIMEOUT)
    bot_api.send_message(ADMIN_ID, "/start", first_name="Ann")
    await bot_api.await_message(ADMIN_ID, timeout=START_TIMEOUT)
    marker = bot_api.mark()
    bot_api.send_message(ADMIN_ID, "/apikey new Till write", first_name="Ann")
    made = await bot_api.await_message(ADMIN_ID, after=marker, timeout=START_TIMEOUT)
    key = KEY.search(made.plain_text or "")
    assert key is not None
    return key.group()
