"""Who may do what (SPEC 7): no key, a wrong or revoked key is 401; a read key writing is 403;
another shop's object is 404 exactly as a missing one; too many requests is 429."""

from __future__ import annotations

import pytest

from api.auth import KeyRateLimit
from core.shops.api_keys import list_api_keys, revoke_api_key
from tests.api.conftest import Api, state

ITEM = {"name": "Green tea", "quantity": 24}


def _problem(response: object) -> dict[str, object]:
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    return body


@pytest.mark.parametrize("authorization", [None, "Bearer", "Bearer sb_live_wrong", "Basic abc"])
async def test_without_a_live_key_every_request_is_401_and_changes_nothing(
    api: Api, authorization: str | None
) -> None:
    before = state(api.shop.db)
    headers = {} if authorization is None else {"Authorization": authorization}

    listed = await api.client.get("/v1/items", headers=headers)
    created = await api.client.post("/v1/items", json=ITEM, headers=headers)

    for response in (listed, created):
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert "API key" in str(_problem(response)["detail"])
    assert state(api.shop.db) == before


async def test_a_revoked_key_is_refused_from_then_on(api: Api) -> None:
    assert (await api.get("/v1/items")).status_code == 200
    [key] = [
        k
        for k in api.shop.run(list_api_keys, telegram_user_id=api.shop.admin)
        if k.scope == "write"
    ]

    api.shop.run(revoke_api_key, telegram_user_id=api.shop.admin, key_id=key.id)

    assert (await api.get("/v1/items")).status_code == 401


async def test_a_read_key_reads_and_may_not_write(api: Api) -> None:
    before = state(api.shop.db)

    listed = await api.get("/v1/items", key=api.read_key)
    created = await api.post("/v1/items", ITEM, key=api.read_key)

    assert listed.status_code == 200
    assert created.status_code == 403
    assert "read-only" in str(_problem(created)["detail"])
    assert state(api.shop.db) == before


async def test_another_shops_item_is_404_exactly_as_a_missing_one(api: Api) -> None:
    made = await api.post("/v1/items", ITEM)
    item_id = made.json()["item"]["id"]
    before = state(api.shop.db)

    theirs = await api.get(f"/v1/items/{item_id}", key=api.other_key)
    missing = await api.get("/v1/items/999999", key=api.other_key)
    changed = await api.patch(f"/v1/items/{item_id}", {"threshold": 1}, key=api.other_key)
    adjusted = await api.post(
        f"/v1/items/{item_id}/adjustments",
        {"delta": -1},
        key=api.other_key,
        **{"Idempotency-Key": "k1"},
    )

    assert [r.status_code for r in (theirs, missing, changed, adjusted)] == [404] * 4
    assert _problem(theirs)["detail"] == f"Item {item_id} was not found."
    assert _problem(missing)["detail"] == "Item 999999 was not found."
    assert state(api.shop.db) == before


async def test_more_requests_a_minute_than_a_key_may_make_get_429_with_retry_after(
    api: Api,
) -> None:
    api.app.state.rate_limit = KeyRateLimit(limit=3)

    answers = [await api.get("/v1/items") for _ in range(4)]
    other = await api.get("/v1/items", key=api.read_key)

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert 1 <= int(answers[-1].headers["retry-after"]) <= 60
    assert "Too many requests" in str(_problem(answers[-1])["detail"])
    assert other.status_code == 200  # each key has its own budget
