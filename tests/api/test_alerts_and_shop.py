"""/v1/alerts, /v1/stats, /v1/checks, /v1/movements and health: the shop's alerts handled over
HTTP, its figures, the check now; the OpenAPI document and the docs page."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.api.conftest import Api, state
from tests.conftest import Clock


async def _low_item(api: Api, name: str = "Green tea", quantity: int = 3) -> int:
    made = await api.post("/v1/items", {"name": name, "quantity": quantity})
    alert_id: int = made.json()["alert"]["opened"]
    return alert_id


async def test_open_alerts_are_listed_and_one_is_read_by_id(api: Api) -> None:
    first = await _low_item(api)
    await _low_item(api, "Oat milk", 0)

    listed = (await api.get("/v1/alerts")).json()
    one = (await api.get(f"/v1/alerts/{first}")).json()
    theirs = await api.get(f"/v1/alerts/{first}", key=api.other_key)

    assert [a["item_name"] for a in listed["alerts"]] == ["Green tea", "Oat milk"]
    assert listed["next_cursor"] is None
    assert (one["status"], one["quantity"], one["threshold_at_alert"]) == ("open", 3, 5)
    assert theirs.status_code == 404


async def test_an_alert_resolved_over_http_is_resolved_by_hand_and_not_twice(api: Api) -> None:
    alert_id = await _low_item(api)

    resolved = await api.post(f"/v1/alerts/{alert_id}/resolve")
    before = state(api.shop.db)
    again = await api.post(f"/v1/alerts/{alert_id}/resolve")

    assert (resolved.json()["status"], resolved.json()["resolution"]) == ("resolved", "manual")
    assert again.status_code == 422
    assert "already resolved" in again.json()["detail"]
    assert state(api.shop.db) == before
    assert (await api.get("/v1/alerts")).json()["alerts"] == []
    assert len((await api.get("/v1/alerts", status="resolved")).json()["alerts"]) == 1


async def test_a_snooze_over_http_silences_the_alert_until_then(api: Api, clock: Clock) -> None:
    alert_id = await _low_item(api)

    snoozed = await api.post(f"/v1/alerts/{alert_id}/snooze", {"duration": "2d"})
    refused = await api.post(f"/v1/alerts/{alert_id}/snooze", {"duration": "forever"})

    until = datetime.fromisoformat(snoozed.json()["snoozed_until"])
    assert until == clock.now + timedelta(days=2)
    assert refused.status_code == 422


async def test_stats_and_a_check_now_answer_what_they_found(api: Api, clock: Clock) -> None:
    await _low_item(api)
    await api.post("/v1/items", {"name": "Black tea", "quantity": 40})
    clock.advance(hours=24)

    stats = (await api.get("/v1/stats", key=api.read_key)).json()
    checked = await api.post("/v1/checks")
    read_only = await api.post("/v1/checks", key=api.read_key)

    assert (stats["items_total"], stats["items_low"], stats["alerts_open"]) == (2, 1, 1)
    assert checked.json() == {
        "items_low": 1,
        "alerts_opened": 0,
        "alerts_reminded": 1,
        "reminder_messages": checked.json()["reminder_messages"],
        "alerts_resolved": 0,
    }
    assert checked.json()["reminder_messages"] >= 1
    assert read_only.status_code == 403


async def test_health_answers_without_a_key_and_the_api_describes_itself(api: Api) -> None:
    healthy = await api.client.get("/healthz")
    ready = await api.client.get("/readyz")
    schema = (await api.client.get("/v1/openapi.json")).json()
    docs = await api.client.get("/docs")

    assert (healthy.json(), ready.json()) == ({"status": "ok"}, {"status": "ready"})
    assert schema["openapi"].startswith("3.1")
    assert "/v1/items/{item_id}/adjustments" in schema["paths"]
    assert docs.status_code == 200
    assert "swagger" in docs.text.casefold()


async def test_a_bad_cursor_is_a_problem_not_a_crash(api: Api) -> None:
    answer = await api.get("/v1/items", cursor="not-ours")

    assert answer.status_code == 422
    assert answer.json()["detail"] == "This cursor is not one the API gave: start without it."


async def test_a_member_takes_an_alert_and_an_order_is_recorded_over_http(api: Api) -> None:
    alert_id = await _low_item(api)
    before = state(api.shop.db)

    nobody = await api.post(f"/v1/alerts/{alert_id}/ack", {"member": 9})
    assert nobody.status_code == 422
    assert state(api.shop.db) == before

    taken = await api.post(f"/v1/alerts/{alert_id}/ack", {"member": 2})
    ordered = await api.post(f"/v1/alerts/{alert_id}/ordered", {"quantity": 48, "due": "3d"})

    assert taken.json()["acknowledged_by"] == "Staff 1001"
    assert (ordered.json()["on_order"], ordered.json()["order_due"]) == (48, "2026-03-05")
