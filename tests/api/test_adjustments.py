"""POST /v1/items/{id}/adjustments: stock changes only through the ledger, each once per
Idempotency-Key, also when two requests with one key arrive at the same time."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from core.shops.api_keys import forget_old_requests
from tests.api.conftest import Api, new_key, state
from tests.conftest import Clock


async def _item(api: Api, quantity: int = 24) -> int:
    made = await api.post("/v1/items", {"name": "Green tea", "quantity": quantity})
    item_id: int = made.json()["item"]["id"]
    return item_id


async def _adjust(api: Api, item_id: int, body: dict[str, object], key: str) -> httpx.Response:
    return await api.post(f"/v1/items/{item_id}/adjustments", body, **{"Idempotency-Key": key})


async def test_a_sale_and_a_stocktake_change_the_quantity_through_the_ledger(api: Api) -> None:
    item_id = await _item(api)

    sold = await _adjust(api, item_id, {"delta": -20, "reason": "till 2"}, "sale-1")
    counted = await _adjust(api, item_id, {"set": 17}, "count-1")

    assert sold.status_code == 200
    assert (sold.json()["item"]["quantity"], sold.json()["alert"]["opened"]) == (4, 1)
    assert (counted.json()["item"]["quantity"], counted.json()["alert"]["resolved"]) == (17, 1)
    moves = (await api.get("/v1/movements", item_id=item_id)).json()["movements"]
    assert [(m["reason"], m["delta"], m["note"]) for m in moves] == [
        ("create", 24, None),
        ("remove", -20, "till 2"),
        ("set", 13, None),
    ]


async def test_the_same_key_and_body_answer_again_and_change_nothing(api: Api) -> None:
    item_id = await _item(api)
    first = await _adjust(api, item_id, {"delta": -2}, "sale-7")
    before = state(api.shop.db)

    again = await _adjust(api, item_id, {"delta": -2}, "sale-7")

    assert again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert state(api.shop.db) == before


async def test_the_same_key_with_another_body_is_422_and_changes_nothing(api: Api) -> None:
    item_id = await _item(api)
    await _adjust(api, item_id, {"delta": -2}, "sale-7")
    before = state(api.shop.db)

    reused = await _adjust(api, item_id, {"delta": -3}, "sale-7")

    assert reused.status_code == 422
    assert "used for another request" in reused.json()["detail"]
    assert state(api.shop.db) == before


async def test_idempotency_keys_belong_to_their_api_key(api: Api) -> None:
    item_id = await _item(api)
    second_till = new_key(api.shop, "write", name="till 2")
    await _adjust(api, item_id, {"delta": -2}, "sale-1")

    other = await api.post(
        f"/v1/items/{item_id}/adjustments",
        {"delta": -2},
        key=second_till,
        **{"Idempotency-Key": "sale-1"},
    )

    assert other.status_code == 200
    assert other.json()["item"]["quantity"] == 20


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        ({"delta": -2}, {}, 422),  # no Idempotency-Key
        ({"delta": -30}, {"Idempotency-Key": "a"}, 409),  # below zero
        ({"delta": 0}, {"Idempotency-Key": "b"}, 422),
        ({"delta": -1, "set": 3}, {"Idempotency-Key": "c"}, 422),
        ({}, {"Idempotency-Key": "d"}, 422),
        ({"set": -1}, {"Idempotency-Key": "e"}, 422),
        ({"delta": "two"}, {"Idempotency-Key": "f"}, 422),
    ],
)
async def test_bad_adjustments_are_refused_and_change_nothing(
    api: Api, body: dict[str, object], headers: dict[str, str], status: int
) -> None:
    item_id = await _item(api)
    before = state(api.shop.db)

    refused = await api.post(f"/v1/items/{item_id}/adjustments", body, **headers)

    assert refused.status_code == status, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert state(api.shop.db) == before
    # A refused request did not use up its key: it may be sent again, corrected.
    if headers:
        fixed = await api.post(f"/v1/items/{item_id}/adjustments", {"delta": -1}, **headers)
        assert fixed.status_code == 200


async def test_two_requests_with_one_key_at_once_change_the_stock_once(api: Api) -> None:
    item_id = await _item(api)

    answers = await asyncio.gather(
        *(_adjust(api, item_id, {"delta": -2}, "burst-1") for _ in range(2))
    )

    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json() == answers[1].json()
    assert answers[0].json()["item"]["quantity"] == 22
    assert (await api.get(f"/v1/items/{item_id}")).json()["quantity"] == 22
    assert len((await api.get("/v1/movements", item_id=item_id)).json()["movements"]) == 2


async def test_keys_are_remembered_a_week_then_forgotten(api: Api, clock: Clock) -> None:
    item_id = await _item(api)
    await _adjust(api, item_id, {"delta": -2}, "sale-1")
    clock.advance(days=6)
    assert api.shop.run(forget_old_requests) == 0
    assert (await _adjust(api, item_id, {"delta": -2}, "sale-1")).headers.get(
        "idempotent-replayed"
    ) == "true"

    clock.advance(days=2)

    assert api.shop.run(forget_old_requests) == 1
