"""/v1/movements, /v1/stats, /v1/checks: the ledger, the shop's figures, the check now."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.auth import Reader, Writer
from api.context import context_of
from api.pages import MAX_LIMIT, after_of, next_cursor
from api.schemas import CheckAnswer, Movement, MovementList, StatsAnswer
from core.alerts.check import check_one_shop
from core.stock.queries import movements_page
from core.stock.stats import stats_of

router = APIRouter(prefix="/v1", tags=["shop"])


@router.get("/movements")
async def list_movements(
    request: Request,
    caller: Reader,
    item_id: int | None = None,
    since: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = MAX_LIMIT,
    cursor: str | None = None,
) -> MovementList:
    """The shop's ledger by id: of one item, since a time."""
    page = await context_of(request).run(
        movements_page,
        shop_id=caller.shop_id,
        item_id=item_id,
        since=since,
        after=after_of(cursor),
        limit=limit,
    )
    last = page.items[-1].id if page.items else None
    moves = [Movement.of(movement) for movement in page.items]
    return MovementList(movements=moves, next_cursor=next_cursor(last, page.more))


@router.get("/stats")
async def get_stats(request: Request, caller: Reader) -> StatsAnswer:
    """Items, alerts and members of the shop."""
    return StatsAnswer.of(await context_of(request).run(stats_of, shop_id=caller.shop_id))


@router.post("/checks")
async def run_check(request: Request, caller: Writer) -> CheckAnswer:
    """Run the shop's daily check now; what it did."""
    return CheckAnswer.of(await context_of(request).run(check_one_shop, shop_id=caller.shop_id))
