"""What the bot says about orders: /ordered, and what is on order where items show."""

from __future__ import annotations

from datetime import date

from bot.render import bold, day, esc
from core.results import ItemView, OrderChange
from core.wording import count

ORDER_WHAT = "Say which item was ordered, and optionally how many and when it is due."
# The button under the Ordered question.
DEFAULTS = "Twice the threshold, due in 3 days"


def on_order_phrase(quantity: int, due: date | None) -> str:
    """`📦 48 on order, due Fri 4 Dec`, or nothing when nothing is on order."""
    if not quantity:
        return ""
    when = f", due {day(due)}" if due else ""
    return f"📦 {count(quantity)} on order{when}"


def on_order(item: ItemView) -> str:
    """What is on order for the item, as `on_order_phrase` says it."""
    return on_order_phrase(item.on_order, item.order_due)


def order_recorded(change: OrderChange) -> str:
    """The reply to /ordered."""
    assert change.due is not None
    text = f"📦 {count(change.quantity)} {bold(change.item.name)} on order, due {day(change.due)}."
    if change.alert_id is not None:
        text += (
            f"\nAlert #{change.alert_id} waits for it: no reminders before then, "
            "and after it they say the order is late."
        )
    return f"{text}\nWhen it arrives: <code>/received {esc(change.item.name)} N</code>"


def order_cancelled(change: OrderChange) -> str:
    """The reply to /ordered NAME off."""
    text = f"The order for {bold(change.item.name)} is cancelled: nothing is on order."
    if change.alert_id is not None:
        text += f"\nAlert #{change.alert_id} is reminded again."
    return text


def ordered_note(change: OrderChange) -> str:
    """Added to the alert message whose Ordered button was pressed."""
    due = f", due {day(change.due)}" if change.due else ""
    return f"\n\n📦 {count(change.quantity)} ordered{due}"
