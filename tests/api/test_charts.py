"""GET /v1/items/{id}/chart.png: the item's chart as a PNG for a read key; another shop's
item is 404 and a span not offered is 422, as a problem answer."""

from __future__ import annotations

import io

from matplotlib import image as mpimg

from tests.api.conftest import Api


async def test_a_read_key_gets_the_items_chart_as_a_png(api: Api) -> None:
    item = api.shop.add_item("Green tea", 20, threshold=5).item
    sold = await api.post(
        f"/v1/items/{item.id}/adjustments", {"delta": -16}, **{"Idempotency-Key": "sale-1"}
    )
    assert sold.is_success, sold.text

    answer = await api.get(f"/v1/items/{item.id}/chart.png", api.read_key, span="7d")

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/png"
    assert mpimg.imread(io.BytesIO(answer.content), format="png").shape[:2] == (750, 1200)


async def test_another_shops_item_is_404_and_a_span_not_offered_is_422(api: Api) -> None:
    item = api.shop.add_item("Green tea", 20).item

    other = await api.get(f"/v1/items/{item.id}/chart.png", api.other_key)
    span = await api.get(f"/v1/items/{item.id}/chart.png", span="12d")

    assert other.status_code == 404
    assert other.headers["content-type"] == "application/problem+json"
    assert span.status_code == 422
    assert span.headers["content-type"] == "application/problem+json"
