"""Frozen results that services hand back: plain values, never ORM objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

T = TypeVar("T")


@dataclass(frozen=True)
class ItemView:
    id: int
    name: str
    quantity: int
    threshold: int
    own_threshold: int | None
    # A muted item keeps its threshold but never alerts.
    muted: bool = False
    # What is on order, and when it is due (a date on the shop's clock).
    on_order: int = 0
    order_due: date | None = None
    # Its open alert, as /stock shows it: who is on it, and whether it is snoozed.
    taken_by: str | None = None
    snoozed: bool = False
    # What a point-of-sale system calls it.
    sku: str | None = None

    @property
    def is_low(self) -> bool:
        """Strictly below the threshold; threshold 0 never alerts."""
        return self.quantity < self.threshold


@dataclass(frozen=True)
class StockChange:
    item: ItemView
    delta: int
    alert_opened: int | None = None
    alert_resolved: int | None = None


@dataclass(frozen=True)
class PosResult:
    """What one point-of-sale event did: the items it set, how many already had that
    quantity, the SKUs no item has (recorded), and those whose count was refused."""

    replayed: bool = False
    changed: tuple[StockChange, ...] = ()
    unchanged: int = 0
    unknown_skus: tuple[str, ...] = ()
    refused_skus: tuple[str, ...] = ()


@dataclass(frozen=True)
class ItemPage:
    items: tuple[ItemView, ...]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list read by id: its rows, and whether more follow the last one."""

    items: tuple[T, ...]
    more: bool


@dataclass(frozen=True)
class MovementView:
    reason: str
    delta: int
    quantity_after: int
    created_at: datetime
    member_name: str | None
    # Who made it when no member did: `shopify:shopify-2`, `api:<key name>`, …
    source: str | None = None
    # For lists of the whole shop's movements: which row and item, and its note.
    id: int = 0
    item_id: int = 0
    note: str | None = None


@dataclass(frozen=True)
class AlertView:
    id: int
    item_id: int
    item_name: str
    quantity_at_alert: int
    threshold_at_alert: int
    current_quantity: int
    created_at: datetime
    last_notified_at: datetime
    next_reminder_at: datetime
    resolved_at: datetime | None
    resolution: str | None
    resolved_by_name: str | None
    # "I'm on it": who took the alert, and when.
    acknowledged_by_name: str | None
    acknowledged_at: datetime | None
    # No reminders before this time.
    snoozed_until: datetime | None
    # What is on order for its item, and when it is due (on the shop's clock).
    on_order: int
    order_due: date | None
    zone: ZoneInfo  # the shop's, in which its members read times
    # The item's threshold now (its own or the shop's), which may differ from the alert's.
    current_threshold: int | None = None

    @property
    def is_open(self) -> bool:
        """Not resolved yet."""
        return self.resolved_at is None


@dataclass(frozen=True)
class ItemDetails:
    item: ItemView
    open_alert: AlertView | None
    movements: tuple[MovementView, ...]
    zone: ZoneInfo  # the shop's, in which its members read times


@dataclass(frozen=True)
class CheckReport:
    items_low: int
    alerts_opened: int
    alerts_reminded: int
    reminder_messages: int
    alerts_resolved: int

    def __add__(self, other: CheckReport) -> CheckReport:
        """The report of two checks together: every figure summed."""
        return CheckReport(
            items_low=self.items_low + other.items_low,
            alerts_opened=self.alerts_opened + other.alerts_opened,
            alerts_reminded=self.alerts_reminded + other.alerts_reminded,
            reminder_messages=self.reminder_messages + other.reminder_messages,
            alerts_resolved=self.alerts_resolved + other.alerts_resolved,
        )


@dataclass(frozen=True)
class ThresholdChange:
    threshold: int | None
    item: ItemView | None
    alerts_opened: int
    alerts_resolved: int


@dataclass(frozen=True)
class Stats:
    items_total: int
    items_low: int
    items_out_of_stock: int
    alerts_total: int
    alerts_open: int
    alerts_resolved: int
    members: int
    notifications_pending: int
    notifications_sent: int
    notifications_dead: int


@dataclass(frozen=True)
class MuteChange:
    """What /mute or /unmute did: the item, and the alert it resolved or opened."""

    item: ItemView
    alert_resolved: int | None = None
    alert_opened: int | None = None


@dataclass(frozen=True)
class AckChange:
    """What /ack or "I'm on it" did: the alert as it is now, and who had it before, if anyone."""

    alert: AlertView
    taken_from: str | None = None


@dataclass(frozen=True)
class OrderChange:
    """What /ordered did: the item, what is on order and when it is due (None: cancelled),
    and the open alert that now waits for it, if any."""

    item: ItemView
    quantity: int
    due: date | None
    alert_id: int | None


@dataclass(frozen=True)
class EscalationSetting:
    """A shop's escalation: after how long an unhandled alert goes to the admins (None: off)."""

    after: timedelta | None


@dataclass(frozen=True)
class RoomTarget:
    """Where the shop's room is: its group, and the forum topic in it, if any."""

    chat_id: int
    thread_id: int | None


@dataclass(frozen=True)
class CardState:
    """An alert's card as the relay sends it: the alert as it is now, the room it goes to,
    the card's message there if it has one already, and how late its order is."""

    alert: AlertView
    room: RoomTarget
    message_id: int | None
    days_late: int = 0
