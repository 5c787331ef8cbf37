"""/v1/alerts: the shop's alerts in pages, one alert, and handling one: resolve, snooze, ack
("I'm on it"), ordered."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.auth import Reader, Writer
from api.context import context_of
from api.pages import MAX_LIMIT, after_of, next_cursor
from api.schemas import AckRequest, Alert, AlertList, OrderRequest, SnoozeRequest
from core.alerts import shop_alerts
from core.stock.orders import order_for_alert

router = APIRouter(prefix="/v1/alerts", tags=["alerts"])


@router.get("")
async def list_alerts(
    request: Request,
    caller: Reader,
    status: shop_alerts.Status = "open",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = MAX_LIMIT,
    cursor: str | None = None,
) -> AlertList:
    """The shop's alerts by id: open (the default), resolved, or all."""
    page = await context_of(request).run(
        shop_alerts.alerts_page,
        shop_id=caller.shop_id,
        status=status,
        after=after_of(cursor),
        limit=limit,
    )
    last = page.items[-1].id if page.items else None
    alerts = [Alert.of(alert) for alert in page.items]
    return AlertList(alerts=alerts, next_cursor=next_cursor(last, page.more))


@router.get("/{alert_id}")
async def get_alert(request: Request, caller: Reader, alert_id: int) -> Alert:
    """One alert; another shop's is 404, exactly as a missing one."""
    found = await context_of(request).run(
        shop_alerts.alert_of_shop, shop_id=caller.shop_id, alert_id=alert_id
    )
    return Alert.of(found)


@router.post("/{alert_id}/resolve")
async def resolve_alert(request: Request, caller: Writer, alert_id: int) -> Alert:
    """Resolve the alert by hand (`manual`), as /resolve does."""
    done = await context_of(request).run(shop_alerts.resolve, caller=caller, alert_id=alert_id)
    return Alert.of(done)


@router.post("/{alert_id}/snooze")
async def snooze_alert(
    request: Request, caller: Writer, alert_id: int, body: SnoozeRequest
) -> Alert:
    """No reminders of the alert until the snooze ends."""
    done = await context_of(request).run(
        shop_alerts.snooze, caller=caller, alert_id=alert_id, duration=body.duration
    )
    return Alert.of(done)


@router.post("/{alert_id}/ack")
async def ack_alert(request: Request, caller: Writer, alert_id: int, body: AckRequest) -> Alert:
    """ "I'm on it": the member (by number) takes the alert; reminders then go to them and
    the admins."""
    done = await context_of(request).run(
        shop_alerts.ack, caller=caller, alert_id=alert_id, member=body.member
    )
    return Alert.of(done)


@router.post("/{alert_id}/ordered")
async def order_alert(request: Request, caller: Writer, alert_id: int, body: OrderRequest) -> Alert:
    """Record an order for the alert's item: no reminders until it is due."""
    context = context_of(request)
    await context.run(
        order_for_alert, caller=caller, alert_id=alert_id, quantity=body.quantity, due=body.due
    )
    found = await context.run(shop_alerts.alert_of_shop, shop_id=caller.shop_id, alert_id=alert_id)
    return Alert.of(found)
