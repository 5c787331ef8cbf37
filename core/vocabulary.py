"""The words the outbox stores: channels, kinds and statuses of notifications.

The schema's CHECK constraints, the recipient column of each channel and the channels a
configuration switches on are all derived from these, so a new channel is added here once."""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    """Where a notification goes."""

    TELEGRAM = "telegram"
    EMAIL = "email"
    WHATSAPP = "whatsapp"
    # The shop's room (a Telegram group, SPEC 3.1): its alert cards and digests, no member's.
    ROOM = "room"
    # A shop's outgoing webhook endpoint (SPEC 7): the recipient is the endpoint's id.
    WEBHOOK = "webhook"


class Kind(StrEnum):
    """What a notification says."""

    ALERT = "alert"
    BACK_IN_STOCK = "back_in_stock"
    REMINDER_DIGEST = "reminder_digest"
    # An alert nobody handled within the shop's escalation time, sent to its admins.
    ESCALATION = "escalation"
    # Messages to one address that waited (its hourly limit, quiet hours) and go out as one.
    HELD_DIGEST = "held_digest"
    # The code that proves a member owns an email address or WhatsApp number.
    VERIFICATION = "verification"
    # An alert's card in the shop's room: sent once, then edited as the alert changes.
    CARD = "card"
    # Once a day, to each admin: the SKUs a point of sale sent that no item has.
    UNKNOWN_SKUS = "unknown_skus"
    # An event (alert.opened, stock.changed, …) posted to a shop's webhook endpoint.
    WEBHOOK_EVENT = "webhook_event"
    # Told to a shop's admins: an endpoint that kept failing for days was switched off.
    WEBHOOK_DISABLED = "webhook_disabled"


class Status(StrEnum):
    """Where a notification is in its delivery."""

    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"
    # Not to be sent: its member left or was dismissed, or its address was cleared or changed.
    CANCELLED = "cancelled"
    # Sent as part of a held digest (the row its `folded_into` names).
    FOLDED = "folded"


def sql_in(column: str, words: type[StrEnum]) -> str:
    """`column IN ('a', 'b')` over every value of the enum, for a CHECK constraint."""
    return f"{column} IN ({', '.join(repr(str(word)) for word in words)})"
