"""Frozen results that services hand back: plain values, never ORM objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class MemberView:
    id: int
    shop_id: int
    shop_name: str
    telegram_user_id: int
    chat_id: int
    display_name: str
    role: str

    @property
    def is_admin(self) -> bool:
        """Admins may manage the shop."""
        return self.role == "admin"


@dataclass(frozen=True)
class StartResult:
    member: MemberView
    created_shop: bool
    joined_shop: bool = False


@dataclass(frozen=True)
class InviteView:
    code: str
    expires_at: datetime
    zone: ZoneInfo  # the shop's, in which its members read times


@dataclass(frozen=True)
class Prefs:
    email: str | None
    whatsapp: str | None
    notify: bool
    shop_default_threshold: int
    role: str
    shop_name: str
    shop_zone: str
    # The member's quiet hours, `21:00-07:30` on the shop's clock, or None.
    quiet: str | None
    # False while the address waits for /verify (it receives only its code until then).
    email_verified: bool = False
    whatsapp_verified: bool = False


@dataclass(frozen=True)
class Verified:
    """The address a correct /verify code proved: its channel, the address, the new prefs."""

    channel: str
    address: str
    prefs: Prefs


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
class ItemPage:
    items: tuple[ItemView, ...]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True)
class MovementView:
    reason: str
    delta: int
    quantity_after: int
    created_at: datetime
    member_name: str | None


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
class ChannelState:
    """One of a member's alert channels: its name and whether the address is verified."""

    name: str
    verified: bool


@dataclass(frozen=True)
class TeamMember:
    """A member as /members lists them (their addresses stay private: only the channels)."""

    number: int
    name: str
    username: str | None
    role: str
    channels: tuple[ChannelState, ...]
    is_you: bool = False


@dataclass(frozen=True)
class TeamChange:
    """What /dismiss, /promote, /demote or /leave did to one member, and how to tell them."""

    member: TeamMember
    shop_name: str
    telegram_user_id: int
    chat_id: int
    # Their notifications that were still queued and will not be sent now (they left).
    cancelled: int = 0


@dataclass(frozen=True)
class ShopZone:
    """A shop's time zone and when its next daily check runs."""

    zone: ZoneInfo
    # False: the shop has not chosen one, and uses ALERT_TIMEZONE.
    chosen: bool
    next_check_at: datetime


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
