"""The API's JSON shapes (Pydantic models): what requests send and answers hold. Each answer
model is built from the core's frozen values by its `of` method."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from core.results import AlertView, CheckReport, ItemView, MovementView, Stats, StockChange
from core.validation import MAX_QUANTITY

Quantity = Annotated[int, Field(ge=0, le=MAX_QUANTITY)]
Name = Annotated[str, Field(min_length=1, max_length=64)]
Sku = Annotated[str, Field(min_length=1, max_length=64)]


class ProblemDetails(BaseModel):
    """An error (RFC 9457): `detail` says what to do about it."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str


class Strict(BaseModel):
    """Requests: unknown fields are refused, so a typo is an error, not a silent no-op."""

    model_config = ConfigDict(extra="forbid")


class Item(BaseModel):
    id: int
    name: str
    sku: str | None
    quantity: int
    threshold: int = Field(description="The effective threshold: the item's own, or the shop's")
    own_threshold: int | None = Field(description="None: the shop's default applies")
    low: bool
    muted: bool
    on_order: int
    order_due: date | None

    @classmethod
    def of(cls, item: ItemView) -> Item:
        return cls(
            id=item.id,
            name=item.name,
            sku=item.sku,
            quantity=item.quantity,
            threshold=item.threshold,
            own_threshold=item.own_threshold,
            low=item.is_low,
            muted=item.muted,
            on_order=item.on_order,
            order_due=item.order_due,
        )


class ItemList(BaseModel):
    items: list[Item]
    next_cursor: str | None = Field(description="Send as `cursor` for the next page; None: last")


class NewItem(Strict):
    name: Name
    quantity: Quantity
    threshold: Quantity | None = None
    sku: Sku | None = None


class ItemChanges(Strict):
    """Only the fields sent change; `threshold: null` goes back to the shop's default and
    `sku: null` clears the SKU."""

    name: Name | None = None
    sku: Sku | None = None
    threshold: Quantity | None = None
    muted: bool | None = None


class AdjustmentRequest(Strict):
    delta: Annotated[int, Field(ge=-MAX_QUANTITY, le=MAX_QUANTITY)] | None = Field(
        default=None, description="Units received (positive) or taken out (negative)"
    )
    set: Quantity | None = Field(default=None, description="The counted quantity")
    reason: Annotated[str, Field(max_length=200)] | None = Field(
        default=None, description="A note kept on the ledger row"
    )


class AlertChange(BaseModel):
    opened: int | None = Field(description="The alert this change opened")
    resolved: int | None = Field(description="The alert this change resolved")


class StockAnswer(BaseModel):
    item: Item
    delta: int
    alert: AlertChange

    @classmethod
    def of(cls, change: StockChange) -> StockAnswer:
        alert = AlertChange(opened=change.alert_opened, resolved=change.alert_resolved)
        return cls(item=Item.of(change.item), delta=change.delta, alert=alert)


class Movement(BaseModel):
    id: int
    item_id: int
    reason: str
    delta: int
    quantity_after: int
    created_at: datetime
    by: str | None = Field(description="The member who made it, if a member did")
    source: str | None = Field(description="What made it otherwise: `api:<key>`, `shopify:…`")
    note: str | None

    @classmethod
    def of(cls, movement: MovementView) -> Movement:
        return cls(
            id=movement.id,
            item_id=movement.item_id,
            reason=movement.reason,
            delta=movement.delta,
            quantity_after=movement.quantity_after,
            created_at=movement.created_at,
            by=movement.member_name,
            source=movement.source,
            note=movement.note,
        )


class MovementList(BaseModel):
    movements: list[Movement]
    next_cursor: str | None


class Alert(BaseModel):
    id: int
    item_id: int
    item_name: str
    status: Literal["open", "resolved"]
    quantity_at_alert: int
    threshold_at_alert: int
    quantity: int = Field(description="The item's quantity now")
    created_at: datetime
    resolved_at: datetime | None
    resolution: str | None
    resolved_by: str | None
    acknowledged_by: str | None
    snoozed_until: datetime | None
    on_order: int
    order_due: date | None

    @classmethod
    def of(cls, alert: AlertView) -> Alert:
        return cls(
            id=alert.id,
            item_id=alert.item_id,
            item_name=alert.item_name,
            status="open" if alert.is_open else "resolved",
            quantity_at_alert=alert.quantity_at_alert,
            threshold_at_alert=alert.threshold_at_alert,
            quantity=alert.current_quantity,
            created_at=alert.created_at,
            resolved_at=alert.resolved_at,
            resolution=alert.resolution,
            resolved_by=alert.resolved_by_name,
            acknowledged_by=alert.acknowledged_by_name,
            snoozed_until=alert.snoozed_until,
            on_order=alert.on_order,
            order_due=alert.order_due,
        )


class AlertList(BaseModel):
    alerts: list[Alert]
    next_cursor: str | None


class AckRequest(Strict):
    member: int = Field(ge=1, description="The member who is on it: their number in /members")


class OrderRequest(Strict):
    quantity: Annotated[int, Field(ge=1, le=MAX_QUANTITY)] | None = Field(
        default=None, description="Default: enough to reach twice the threshold"
    )
    due: Annotated[str, Field(max_length=32)] | None = Field(
        default=None, description="`fri`, `2026-12-05`, `3d`; default: in 3 days"
    )


class SnoozeRequest(Strict):
    duration: str = Field(description="`30m`, `4h`, `2d`, `1w`, `tomorrow`, or `off`")


class StatsAnswer(BaseModel):
    items_total: int
    items_low: int
    items_out_of_stock: int
    alerts_total: int
    alerts_open: int
    alerts_resolved: int
    members: int

    @classmethod
    def of(cls, stats: Stats) -> StatsAnswer:
        fields = {name: getattr(stats, name) for name in cls.model_fields}
        return cls(**fields)


class CheckAnswer(BaseModel):
    items_low: int
    alerts_opened: int
    alerts_reminded: int
    reminder_messages: int
    alerts_resolved: int

    @classmethod
    def of(cls, report: CheckReport) -> CheckAnswer:
        fields = {name: getattr(report, name) for name in cls.model_fields}
        return cls(**fields)
