"""/v1/items: creating, reading in pages, by SKU, changing and deleting items; bad input is a
problem answer and changes nothing."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api, state


async def _create(api: Api, name: str, quantity: int, **fields: object) -> dict[str, object]:
    made = await api.post("/v1/items", {"name": name, "quantity": quantity, **fields})
    assert made.status_code == 201, made.text
    item: dict[str, object] = made.json()["item"]
    return item


async def test_a_new_item_low_from_the_start_opens_its_alert(api: Api) -> None:
    made = await api.post("/v1/items", {"name": "Green tea", "quantity": 3, "sku": "GT-1"})

    assert made.status_code == 201
    body = made.json()
    assert body["item"] | {"id": 0} == {
        "id": 0,
        "name": "Green tea",
        "sku": "GT-1",
        "quantity": 3,
        "threshold": 5,
        "own_threshold": None,
        "low": True,
        "muted": False,
        "on_order": 0,
        "order_due": None,
    }
    assert body["alert"] == {"opened": 1, "resolved": None}
    [movement] = (await api.get("/v1/movements")).json()["movements"]
    assert (movement["reason"], movement["source"], movement["by"]) == (
        "create",
        "api:till write",
        None,
    )


async def test_pages_of_250_items_walk_every_item_exactly_once(api: Api) -> None:
    for n in range(250):
        api.shop.add_item(f"Item no {n:03}x", n % 10)
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 100} | ({"cursor": cursor} if cursor else {})
        page = (await api.get("/v1/items", **params)).json()
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert pages == 3
    assert len(seen) == len(set(seen)) == 250
    assert seen == sorted(seen)


async def test_the_list_filters_low_items_and_names(api: Api) -> None:
    await _create(api, "Green tea", 3)
    await _create(api, "Black tea", 30)
    await _create(api, "Oat milk", 1)

    low = (await api.get("/v1/items", low="true")).json()["items"]
    tea = (await api.get("/v1/items", q="TEA")).json()["items"]

    assert [item["name"] for item in low] == ["Green tea", "Oat milk"]
    assert [item["name"] for item in tea] == ["Green tea", "Black tea"]


async def test_an_item_is_found_by_id_and_by_sku(api: Api) -> None:
    made = await _create(api, "Green tea", 3, sku="GT-1")

    by_id = await api.get(f"/v1/items/{made['id']}")
    by_sku = await api.get("/v1/items/by-sku/GT-1")
    missing = await api.get("/v1/items/by-sku/NOPE")

    assert by_id.json() == made
    assert by_sku.json() == made
    assert missing.status_code == 404


async def test_patching_changes_only_what_is_sent_and_evaluates_the_alert(api: Api) -> None:
    made = await _create(api, "Green tea", 8, sku="GT-1")

    raised = await api.patch(f"/v1/items/{made['id']}", {"threshold": 10})
    renamed = await api.patch(f"/v1/items/{made['id']}", {"name": "Sencha", "sku": None})
    muted = await api.patch(f"/v1/items/{made['id']}", {"muted": True})

    assert (raised.json()["threshold"], raised.json()["low"]) == (10, True)
    assert (renamed.json()["name"], renamed.json()["sku"]) == ("Sencha", None)
    assert muted.json()["muted"] is True
    alerts = (await api.get("/v1/alerts", status="all")).json()["alerts"]
    assert [(a["status"], a["resolution"]) for a in alerts] == [("resolved", "muted")]


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({"name": "", "quantity": 1}, 422, "name"),
        ({"name": "Tea", "quantity": -1}, 422, "quantity"),
        ({"name": "Tea", "quantity": 1, "colour": "red"}, 422, "colour"),
        ({"name": "Green tea", "quantity": 1}, 409, "already an item"),
        ({"name": "Tea", "quantity": 1, "sku": "GT-1"}, 409, "SKU"),
        ({"name": "Tea", "quantity": 1, "sku": "has space"}, 422, "SKU"),
    ],
)
async def test_bad_new_items_are_refused_with_a_reason_and_change_nothing(
    api: Api, body: dict[str, object], status: int, detail: str
) -> None:
    await _create(api, "Green tea", 3, sku="GT-1")
    before = state(api.shop.db)

    refused = await api.post("/v1/items", body)

    assert refused.status_code == status
    assert refused.headers["content-type"] == "application/problem+json"
    assert detail in refused.json()["detail"]
    assert state(api.shop.db) == before


async def test_a_patch_to_a_name_in_use_is_refused_and_changes_nothing(api: Api) -> None:
    await _create(api, "Green tea", 3)
    other = await _create(api, "Black tea", 30)
    before = state(api.shop.db)

    refused = await api.patch(f"/v1/items/{other['id']}", {"name": "green  TEA"})
    empty = await api.patch(f"/v1/items/{other['id']}", {})

    assert (refused.status_code, empty.status_code) == (409, 422)
    assert state(api.shop.db) == before


async def test_deleting_an_item_resolves_its_alert_and_it_is_gone(api: Api) -> None:
    made = await _create(api, "Green tea", 3)

    deleted = await api.delete(f"/v1/items/{made['id']}")
    again = await api.delete(f"/v1/items/{made['id']}")

    assert (deleted.status_code, again.status_code) == (204, 404)
    assert (await api.get(f"/v1/items/{made['id']}")).status_code == 404
    [alert] = (await api.get("/v1/alerts", status="all")).json()["alerts"]
    assert alert["resolution"] == "deleted"


async def test_an_id_beyond_what_the_database_holds_is_404_like_any_missing_one(
    api: Api,
) -> None:
    for path in (f"/v1/items/{2**63}", f"/v1/alerts/{2**63}", "/v1/items/0"):
        assert (await api.get(path)).status_code == 404, path
