"""What a queued notification says, read from its outbox payload, the same on every channel."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from core.vocabulary import Kind
from core.wording import count, low_phrase, order_phrase, span


@dataclass(frozen=True)
class NoticeItem:
    """One item a notification is about, with the figures it was queued with."""

    alert_id: int
    name: str
    quantity: int
    threshold: int
    # A reminder's notes (core.alerts.notes): who is on the alert, and its order.
    taken_by: str | None = None
    order: str | None = None

    @property
    def low(self) -> str:
        """What low means for this item: "3 left, below the threshold of 5"."""
        return low_phrase(self.quantity, self.threshold)

    @property
    def line(self) -> str:
        """What low means, then the reminder's notes: "3 left, below the threshold of 5 ·
        🙋 Sam is on it · ⏰ ordered 48 on 1 Dec, due 4 Dec: 2 days late"."""
        taken = f"🙋 {self.taken_by} is on it" if self.taken_by else None
        return " · ".join(part for part in (self.low, taken, self.order) if part)


@dataclass(frozen=True)
class UnknownSkuLine:
    """A SKU a point of sale sent that no item has."""

    sku: str
    times: int
    source: str


@dataclass(frozen=True)
class Notice:
    """A notification's content: its kind and the items it lists (one, or a digest's many)."""

    kind: str
    items: tuple[NoticeItem, ...]
    # A verification notice's 6-digit code (it lists no items); None for every other kind.
    code: str | None = None
    # A held digest: how many messages waited in it, and the hourly limit they waited for.
    held: int = 0
    limit: int = 0
    # A held digest that waited (also) for the end of the member's quiet hours.
    quiet: bool = False
    # An escalation: how long the alert has gone unhandled, in words ("4 hours").
    unhandled: str = ""
    # Unknown SKUs: each with how often it came and the connection that last sent it, and
    # how many more there are than the message lists.
    skus: tuple[UnknownSkuLine, ...] = ()
    more: int = 0

    @property
    def first(self) -> NoticeItem:
        """The item of an alert or back-in-stock message; a digest's first item."""
        return self.items[0]

    @property
    def is_digest(self) -> bool:
        """A reminder digest lists every still-low item of the member's shop; a held digest,
        the items of the messages that waited for the hourly limit."""
        return self.kind in _DIGESTS

    def names(self, limit: int) -> str:
        """The first `limit` item names, comma separated, with how many more there are."""
        shown = ", ".join(item.name for item in self.items[:limit])
        rest = len(self.items) - limit
        return f"{shown} and {count(rest)} more" if rest > 0 else shown

    @property
    def summary(self) -> str:
        """A one-line headline: an email subject, a WhatsApp template variable."""
        if self.kind == Kind.VERIFICATION:
            return verification_summary(self)
        if self.kind == Kind.ALERT:
            prefix = "Out of stock" if self.first.quantity == 0 else "Low stock"
            return f"{prefix}: {self.first.name} ({count(self.first.quantity)} left)"
        if self.kind == Kind.ESCALATION:
            left = count(self.first.quantity)
            return f"Unhandled for {self.unhandled}: {self.first.name} ({left} left)"
        if self.kind == Kind.BACK_IN_STOCK:
            return f"Back in stock: {self.first.name} ({count(self.first.quantity)})"
        noun = "item" if len(self.items) == 1 else "items"
        if self.kind == Kind.HELD_DIGEST:
            return f"Stock alerts: {count(len(self.items))} {noun} \N{EM DASH} {self.names(3)}"
        return f"Still low: {count(len(self.items))} {noun} \N{EM DASH} {self.names(3)}"


_DIGESTS = frozenset({Kind.REMINDER_DIGEST, Kind.HELD_DIGEST})


def _order(raw: Mapping[str, Any] | None) -> str | None:
    if raw is None:
        return None
    return order_phrase(
        int(raw["quantity"]),
        date.fromisoformat(str(raw["ordered_on"])),
        date.fromisoformat(str(raw["due"])),
        int(raw["days_late"]),
    )


def _item(raw: Mapping[str, Any]) -> NoticeItem:
    taken_by = raw.get("taken_by")
    return NoticeItem(
        alert_id=int(raw["alert_id"]),
        name=str(raw["item_name"]),
        quantity=int(raw["quantity"]),
        threshold=int(raw["threshold"]),
        taken_by=None if taken_by is None else str(taken_by),
        order=_order(raw.get("order")),
    )


def read_notice(kind: str, payload: Mapping[str, Any]) -> Notice:
    """The notice of an outbox row; ValueError when the payload is not one the core writes."""
    if kind not in set(Kind):
        raise ValueError(f"unknown notification kind {kind!r}")
    if kind == Kind.VERIFICATION:
        return read_verification(payload)
    if kind == Kind.UNKNOWN_SKUS:
        return read_unknown_skus(payload)
    try:
        raw_items = payload["alerts"] if kind in _DIGESTS else [payload]
        items = tuple(_item(raw) for raw in raw_items)
        held = int(payload.get("held", len(items))) if kind == Kind.HELD_DIGEST else 0
        limit = int(payload.get("limit", 0)) if kind == Kind.HELD_DIGEST else 0
        unhandled = span(int(payload["unhandled_seconds"])) if kind == Kind.ESCALATION else ""
        quiet = bool(payload.get("quiet", False)) if kind == Kind.HELD_DIGEST else False
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"malformed {kind} payload: {exc!r}") from None
    if not items:
        raise ValueError(f"empty {kind} payload")
    return Notice(kind=kind, items=items, held=held, limit=limit, unhandled=unhandled, quiet=quiet)


def read_verification(payload: Mapping[str, Any]) -> Notice:
    """A verification notice: its payload holds the code (core.shops.verification writes it;
    a closed code's row is scrubbed and cannot be sent again)."""
    code = payload.get("code") if isinstance(payload, Mapping) else None
    if not isinstance(code, str) or len(code) != 6 or not code.isdigit():
        raise ValueError("malformed verification payload: no code")
    return Notice(kind=Kind.VERIFICATION, items=(), code=code)


def verification_summary(notice: Notice) -> str:
    """The headline of a verification message, the code in it: "Your Stockbot code: 123456"."""
    return f"Your Stockbot code: {notice.code}"


def read_unknown_skus(payload: Mapping[str, Any]) -> Notice:
    """The unknown SKUs notice core.alerts.unknown_skus writes."""
    try:
        skus = tuple(
            UnknownSkuLine(sku=str(raw["sku"]), times=int(raw["times"]), source=str(raw["source"]))
            for raw in payload["skus"]
        )
        more = int(payload.get("more", 0))
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"malformed unknown_skus payload: {exc!r}") from None
    if not skus:
        raise ValueError("empty unknown_skus payload")
    return Notice(kind=Kind.UNKNOWN_SKUS, items=(), skus=skus, more=more)
