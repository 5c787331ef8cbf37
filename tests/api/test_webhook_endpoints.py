"""/v1/webhooks: subscribing, listing and deleting endpoints; the secret shown once; bad input
and other shops' endpoints refused, changing nothing."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api, state

HOOK = {"url": "https://till.example.com/stockbot", "events": ["stock.changed"]}


async def test_an_endpoint_is_subscribed_listed_without_its_secret_and_deleted(api: Api) -> None:
    made = await api.post("/v1/webhooks", HOOK)

    assert made.status_code == 201
    body = made.json()
    assert body["secret"].startswith("whsec_")
    assert (body["webhook"]["url"], body["webhook"]["events"]) == (HOOK["url"], HOOK["events"])
    listed = (await api.get("/v1/webhooks", key=api.read_key)).json()["webhooks"]
    assert [hook["id"] for hook in listed] == [body["webhook"]["id"]]
    assert body["secret"] not in str(listed)

    deleted = await api.delete(f"/v1/webhooks/{body['webhook']['id']}")

    assert deleted.status_code == 204
    assert (await api.get("/v1/webhooks")).json()["webhooks"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"url": "ftp://till.example.com", "events": ["stock.changed"]},
        {"url": "https://till.example.com", "events": ["stock.sold"]},
        {"url": "https://till.example.com", "events": []},
        {"url": "https://till.example.com"},
    ],
)
async def test_a_bad_subscription_is_422_and_changes_nothing(
    api: Api, body: dict[str, object]
) -> None:
    before = state(api.shop.db)

    refused = await api.post("/v1/webhooks", body)

    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert state(api.shop.db) == before


async def test_read_keys_and_other_shops_cannot_touch_an_endpoint(api: Api) -> None:
    made = (await api.post("/v1/webhooks", HOOK)).json()["webhook"]
    before = state(api.shop.db)

    read_only = await api.post("/v1/webhooks", HOOK, key=api.read_key)
    theirs = await api.delete(f"/v1/webhooks/{made['id']}", key=api.other_key)
    their_list = (await api.get("/v1/webhooks", key=api.other_key)).json()["webhooks"]

    assert (read_only.status_code, theirs.status_code) == (403, 404)
    assert their_list == []
    assert state(api.shop.db) == before
