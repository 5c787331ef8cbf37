"""Point-of-sale webhooks in, through the live server: the providers' example payloads signed
as they sign them set the item's stock through the ledger, once per event; a tampered body
or a wrong signature is 401 and changes nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac

import httpx

from core.shops.pos import connect
from tests.api.conftest import Api, state
from tests.core.pos_examples import (
    SHOPIFY_BODY,
    SHOPIFY_HMAC,
    SHOPIFY_SECRET,
    SQUARE_BODY,
    SQUARE_KEY,
    SQUARE_VARIATION,
)

SHOPIFY_ITEM = "271878346596884015"


def _path(api: Api, provider: str, secret: str) -> str:
    """Connect the shop to a point of sale; the path of the webhook URL it got."""
    base = str(api.client.base_url).rstrip("/")
    made = api.shop.run(
        connect,
        telegram_user_id=api.shop.admin,
        provider=provider,
        secret=secret,
        public_base_url=base,
    )
    assert made.webhook_url is not None
    return made.webhook_url.removeprefix(base)


async def _item(api: Api, sku: str) -> int:
    made = await api.post("/v1/items", {"name": "Green tea", "quantity": 40, "sku": sku})
    item_id: int = made.json()["item"]["id"]
    return item_id


async def _shopify(api: Api, path: str, body: bytes, signature: str, event: str) -> httpx.Response:
    headers = {"X-Shopify-Hmac-Sha256": signature, "X-Shopify-Webhook-Id": event}
    return await api.client.post(path, content=body, headers=headers)


async def test_a_shopify_inventory_update_sets_the_items_stock_once(api: Api) -> None:
    path = _path(api, "shopify", SHOPIFY_SECRET)
    item_id = await _item(api, SHOPIFY_ITEM)

    first = await _shopify(api, path, SHOPIFY_BODY, SHOPIFY_HMAC, "event-1")
    before = state(api.shop.db)
    replay = await _shopify(api, path, SHOPIFY_BODY, SHOPIFY_HMAC, "event-1")

    assert first.json() == {"replayed": False, "changed": 1, "unchanged": 0, "unknown_skus": []}
    assert replay.json()["replayed"] is True
    assert state(api.shop.db) == before
    item = (await api.get(f"/v1/items/{item_id}")).json()
    assert item["quantity"] == 6
    last = (await api.get("/v1/movements", item_id=item_id)).json()["movements"][-1]
    assert (last["reason"], last["source"], last["delta"]) == ("import", "shopify:shopify", -34)


async def test_a_tampered_or_unsigned_delivery_is_401_and_changes_nothing(api: Api) -> None:
    path = _path(api, "shopify", SHOPIFY_SECRET)
    await _item(api, SHOPIFY_ITEM)
    before = state(api.shop.db)
    tampered = SHOPIFY_BODY.replace(b'"available":6', b'"available":0')

    answers = [
        await _shopify(api, path, tampered, SHOPIFY_HMAC, "event-2"),
        await _shopify(api, path, SHOPIFY_BODY, "", "event-3"),
        await api.client.post(path, content=SHOPIFY_BODY),
    ]
    unknown = await _shopify(api, "/v1/integrations/shopify/no-such", SHOPIFY_BODY, "x", "e")

    assert [answer.status_code for answer in answers] == [401, 401, 401]
    assert unknown.status_code == 404
    assert state(api.shop.db) == before


async def test_a_square_count_signed_over_its_url_and_body_sets_the_stock(api: Api) -> None:
    path = _path(api, "square", SQUARE_KEY)
    item_id = await _item(api, SQUARE_VARIATION)
    url = f"{str(api.client.base_url).rstrip('/')}{path}"
    signature = base64.b64encode(
        hmac.new(SQUARE_KEY.encode(), url.encode() + SQUARE_BODY, hashlib.sha256).digest()
    ).decode()
    headers = {"x-square-hmacsha256-signature": signature}

    applied = await api.client.post(path, content=SQUARE_BODY, headers=headers)
    again = await api.client.post(path, content=SQUARE_BODY, headers=headers)
    forged = await api.client.post(
        path, content=SQUARE_BODY, headers={"x-square-hmacsha256-signature": SHOPIFY_HMAC}
    )

    assert applied.json()["changed"] == 1
    assert again.json()["replayed"] is True
    assert forged.status_code == 401
    assert (await api.get(f"/v1/items/{item_id}")).json()["quantity"] == 10


async def test_an_unknown_sku_is_recorded_for_the_admins_not_an_error(api: Api) -> None:
    path = _path(api, "shopify", SHOPIFY_SECRET)

    answer = await _shopify(api, path, SHOPIFY_BODY, SHOPIFY_HMAC, "event-9")

    assert answer.status_code == 200
    assert answer.json()["unknown_skus"] == [SHOPIFY_ITEM]
