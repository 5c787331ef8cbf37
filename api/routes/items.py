"""/v1/items: the shop's items, by id and by SKU, in pages; stock changes through the ledger
(adjustments, with an Idempotency-Key)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response

from api.auth import Reader, Writer
from api.context import context_of
from api.pages import MAX_LIMIT, after_of, next_cursor
from api.schemas import AdjustmentRequest, Item, ItemChanges, ItemList, NewItem, StockAnswer
from core.charts import draw_stock_chart
from core.stock import catalog
from core.stock.adjustments import Adjustment, adjust
from core.stock.history import span_days, stock_history

router = APIRouter(prefix="/v1/items", tags=["items"])
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
ItemId = Annotated[int, "the item's id"]
Span = Annotated[Literal["7d", "30d", "90d"], Query(description="how far back the chart goes")]


@router.get("")
async def list_items(
    request: Request,
    caller: Reader,
    low: bool = False,
    q: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = MAX_LIMIT,
    cursor: str | None = None,
) -> ItemList:
    """The shop's live items by id: `low=true` only those below their threshold, `q` those
    whose name contains the text."""
    page = await context_of(request).run(
        catalog.items_page,
        shop_id=caller.shop_id,
        low=low,
        query=q,
        after=after_of(cursor),
        limit=limit,
    )
    last = page.items[-1].id if page.items else None
    return ItemList(
        items=[Item.of(i) for i in page.items], next_cursor=next_cursor(last, page.more)
    )


@router.post("", status_code=201)
async def create_item(request: Request, caller: Writer, body: NewItem) -> StockAnswer:
    """A new item with its starting quantity (a ledger row `create`)."""
    change = await context_of(request).run(
        catalog.create,
        caller=caller,
        name=body.name,
        quantity=body.quantity,
        threshold=body.threshold,
        sku=body.sku,
    )
    return StockAnswer.of(change)


@router.get("/by-sku/{sku}")
async def get_item_by_sku(request: Request, caller: Reader, sku: str) -> Item:
    """The live item with this SKU."""
    found = await context_of(request).run(catalog.item_by_sku, shop_id=caller.shop_id, sku=sku)
    return Item.of(found)


@router.get("/{item_id}")
async def get_item(request: Request, caller: Reader, item_id: int) -> Item:
    """One item; another shop's is 404, exactly as a missing one."""
    found = await context_of(request).run(
        catalog.item_of_shop, shop_id=caller.shop_id, item_id=item_id
    )
    return Item.of(found)


@router.get(
    "/{item_id}/chart.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "The chart as a PNG."}},
)
async def item_chart(
    request: Request, caller: Reader, item_id: int, span: Span = "30d"
) -> Response:
    """The item's stock over the last 7, 30 or 90 days as a PNG: the picture `/chart`
    sends (quantity, threshold, alerts shaded, orders and receipts marked)."""
    context = context_of(request)
    history = await context.run(
        stock_history, shop_id=caller.shop_id, item_id=item_id, days=span_days(span)
    )
    loop = asyncio.get_running_loop()
    picture = await loop.run_in_executor(context.executor, draw_stock_chart, history)
    return Response(picture, media_type="image/png", headers={"Cache-Control": "private"})


@router.patch("/{item_id}")
async def change_item(request: Request, caller: Writer, item_id: int, body: ItemChanges) -> Item:
    """Change the name, SKU, own threshold or muted flag; its alert is evaluated at once."""
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    changed = await context_of(request).run(
        catalog.update_item, caller=caller, item_id=item_id, **changes
    )
    return Item.of(changed)


@router.delete("/{item_id}", status_code=204)
async def delete_item(request: Request, caller: Writer, item_id: int) -> Response:
    """Delete the item; its open alert is resolved (`deleted`)."""
    await context_of(request).run(catalog.delete, caller=caller, item_id=item_id)
    return Response(status_code=204)


@router.post("/{item_id}/adjustments")
async def adjust_stock(
    request: Request,
    response: Response,
    caller: Writer,
    item_id: int,
    body: AdjustmentRequest,
    idempotency_key: Annotated[str, Header(min_length=1, max_length=255)],
) -> StockAnswer:
    """Receive or take out stock (`delta`), or set the counted quantity (`set`). The same
    Idempotency-Key with the same body answers the first answer again and changes nothing;
    with another body, 422."""
    asked = Adjustment(delta=body.delta, set_to=body.set, note=body.reason)
    done = await context_of(request).run(
        adjust,
        caller=caller,
        item_id=item_id,
        asked=asked,
        idempotency_key=idempotency_key,
        answer_of=lambda change: StockAnswer.of(change).model_dump(mode="json"),
    )
    if done.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return StockAnswer.model_validate(done.answer)
