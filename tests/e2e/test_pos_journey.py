"""A sale at the till, end to end through a running `stockbot run`: Shopify's inventory
webhook, signed as Shopify signs it, lowers the item through the ledger, opens its alert and
the alert reaches the admin on Telegram."""

from __future__ import annotations

import re
import signal
import time
from pathlib import Path

import httpx

from tests.core.pos_examples import SHOPIFY_BODY, SHOPIFY_HMAC, SHOPIFY_SECRET
from tests.e2e.test_runtime import ADMIN_ID, START_TIMEOUT, bot_env, stockbot_run
from tests.e2e.test_runtime_http import write_key
from tests.fakes.telegram_api import FakeBotApi

SHOPIFY_INVENTORY_ITEM = "271878346596884015"
WEBHOOK_URL = re.compile(r"URL: (\S+)")


async def test_a_shopify_sale_lowers_the_item_and_its_alert_reaches_telegram(
    tmp_path: Path, bot_api: FakeBotApi, free_tcp_port: int
) -> None:
    base = f"http://127.0.0.1:{free_tcp_port}"
    env = bot_env(tmp_path, bot_api, HTTP_PORT=str(free_tcp_port), PUBLIC_BASE_URL=base)
    async with stockbot_run(tmp_path, env) as run:
        key = await write_key(bot_api)
        marker = bot_api.mark()
        bot_api.send_message(ADMIN_ID, f"/connect shopify {SHOPIFY_SECRET}", first_name="Ann")
        connected = await bot_api.await_message(ADMIN_ID, after=marker, timeout=START_TIMEOUT)
        url = WEBHOOK_URL.search(connected.plain_text or "")
        assert url is not None
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(base_url=base, timeout=10, headers=headers) as client:
            made = await client.post(
                "/v1/items",
                json={
                    "name": "Green tea",
                    "quantity": 40,
                    "threshold": 10,
                    "sku": SHOPIFY_INVENTORY_ITEM,
                },
            )
            item_id = made.json()["item"]["id"]
            marker = bot_api.mark()
            sold_at = time.monotonic()
            sale = await client.post(
                url.group(1),
                content=SHOPIFY_BODY,
                headers={"X-Shopify-Hmac-Sha256": SHOPIFY_HMAC, "X-Shopify-Webhook-Id": "sale-1"},
            )
            alert = await bot_api.await_message(
                ADMIN_ID, contains="Low stock: Green tea", after=marker, timeout=START_TIMEOUT
            )
            print(f"\nShopify sale to Telegram alert: {alert.at - sold_at:.3f}s")
            item = (await client.get(f"/v1/items/{item_id}")).json()
            movements = (await client.get("/v1/movements", params={"item_id": item_id})).json()
        run.process.send_signal(signal.SIGTERM)
        assert await run.finish() == 0

    assert sale.status_code == 200
    assert sale.json()["changed"] == 1
    assert (item["quantity"], item["low"]) == (6, True)
    last = movements["movements"][-1]
    assert (last["reason"], last["delta"], last["source"]) == ("import", -34, "shopify:shopify")
    assert "Green tea: 6 left, below the threshold of 10" in (alert.plain_text or "")
    assert SHOPIFY_SECRET not in run.output()
