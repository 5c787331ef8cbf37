"""What the bot says about items and stock: /stock, /item, /additem, /set, /add, /remove,
/delitem."""

from __future__ import annotations

from datetime import tzinfo

from bot.render import bold, esc, signed, when
from bot.texts.alerts import handled_note
from bot.texts.orders import on_order
from core.results import ItemDetails, ItemPage, ItemView, MovementView, MuteChange, StockChange
from core.wording import count, low_phrase

MOVEMENT_WORDS = {
    "create": "created",
    "set": "counted",
    "add": "received",
    "remove": "taken out",
    "import": "imported",
    "delete": "deleted",
}


def threshold_phrase(item: ItemView) -> str:
    """How the item's threshold is set, in words."""
    if item.muted:
        return f"muted: never alerts (threshold {count(item.threshold)})"
    if item.threshold == 0:
        return "never alerts (threshold 0)"
    source = "own" if item.own_threshold is not None else "shop default"
    return f"alerts below {count(item.threshold)} ({source})"


def quantity_phrase(item: ItemView) -> str:
    """`12 in stock`, or what low means when it is low."""
    if item.is_low:
        return f"⚠️ {low_phrase(item.quantity, item.threshold)}"
    return f"{count(item.quantity)} in stock"


def stock_change(change: StockChange, reason: str) -> str:
    """The reply to /additem, /set, /add and /remove."""
    item = change.item
    name = bold(item.name)
    if reason == "create":
        head = f"✅ Added {name}: {count(item.quantity)} in stock, {threshold_phrase(item)}."
    elif reason == "set":
        was = item.quantity - change.delta
        head = f"✅ Counted {name}: {count(item.quantity)} in stock (was {count(was)})."
    elif reason == "add":
        head = f"✅ Received {count(change.delta)} {name}: {count(item.quantity)} in stock."
    else:
        head = f"✅ Took out {count(-change.delta)} {name}: {count(item.quantity)} left."
    lines = [head]
    if change.alert_opened is not None:
        lines.append(
            f"⚠️ Low: {low_phrase(item.quantity, item.threshold)}. "
            f"Alert #{change.alert_opened} is raised and the shop is told."
        )
    elif item.is_low:
        lines.append(f"⚠️ Still low: {low_phrase(item.quantity, item.threshold)}.")
    if reason == "add" and item.on_order:
        lines.append(f"{on_order(item)}.")
    if change.alert_resolved is not None:
        lines.append(f"Alert #{change.alert_resolved} is resolved: back in stock.")
    return "\n".join(lines)


def item_line(item: ItemView) -> str:
    """One line of /stock."""
    marker = "⚠️ " if item.is_low else "• "
    threshold = "no alert" if item.threshold == 0 else f"alert below {count(item.threshold)}"
    if item.muted:
        marker, threshold = ("🔕 " if item.is_low else "• "), f"{threshold}, muted"
    notes = [
        f"🙋 {esc(item.taken_by)}" if item.taken_by else "",
        "💤 snoozed" if item.snoozed else "",
        on_order(item),
    ]
    shown = "".join(f" · {note}" for note in notes if note)
    return f"{marker}{bold(item.name)}: {count(item.quantity)} ({threshold}){shown}"


def stock_page(page: ItemPage, *, only_low: bool, search: str | None) -> str:
    """A page of /stock, with a header saying which filter it shows."""
    if only_low:
        title, empty = "Low items", "Nothing is low. 🎉"
    elif search:
        title, empty = f"Items matching “{esc(search)}”", f"No item matches “{esc(search)}”."
    else:
        title, empty = "Stock", "No items yet. Add one: <code>/additem Green tea 24</code>"
    if not page.items:
        return empty
    pages = (page.total + page.limit - 1) // page.limit
    where = f" · page {page.offset // page.limit + 1} of {pages}" if pages > 1 else ""
    header = f"<b>{title}</b> ({count(page.total)}){where}"
    return "\n".join([header, *(item_line(item) for item in page.items)])


def movement_line(movement: MovementView, zone: tzinfo) -> str:
    """One line of an item's history."""
    by = movement.member_name or movement.source
    who = f" by {esc(by)}" if by else ""
    word = MOVEMENT_WORDS.get(movement.reason, movement.reason)
    return (
        f"• {when(movement.created_at, zone)} {word} {signed(movement.delta)} "
        f"→ {count(movement.quantity_after)}{who}"
    )


def item_details(details: ItemDetails) -> str:
    """The reply to /item, its times in the shop's zone."""
    item, zone = details.item, details.zone
    lines = [
        bold(item.name),
        f"In stock: {quantity_phrase(item)}",
        threshold_phrase(item).capitalize(),
    ]
    if item.sku is not None:
        lines.append(f"SKU: <code>{esc(item.sku)}</code>")
    if item.on_order:
        lines.append(on_order(item))
    alert = details.open_alert
    if alert is not None:
        raised = f"Open alert: #{alert.id}, raised {when(alert.created_at, zone)}"
        lines.append(raised + handled_note(alert, with_order=False))
    if details.movements:
        lines.append("Last changes:")
        lines += [movement_line(movement, zone) for movement in details.movements]
    return "\n".join(lines)


def deleted(change: StockChange) -> str:
    """The reply to /delitem."""
    text = f"🗑 Deleted {bold(change.item.name)} (had {count(change.item.quantity)})."
    if change.alert_resolved is not None:
        text += f"\nIts alert #{change.alert_resolved} is resolved."
    return text


# The /stock list's page buttons.
PREVIOUS = "« Previous"
NEXT = "Next »"
PAGE_GONE = "This button no longer works: send /stock again."
LIST_OUT_OF_DATE = "This list is out of date: send /stock again."


def muted(change: MuteChange) -> str:
    """The reply to /mute."""
    name = bold(change.item.name)
    text = f"🔕 {name} is muted: it keeps its threshold but never alerts."
    if change.alert_resolved is not None:
        text += f"\nIts alert #{change.alert_resolved} is resolved."
    return f"{text}\n<code>/unmute {esc(change.item.name)}</code> turns its alerts back on."


def unmuted(change: MuteChange) -> str:
    """The reply to /unmute."""
    item = change.item
    text = f"🔔 {bold(item.name)} alerts again, below {count(item.threshold)}."
    if change.alert_opened is not None:
        text += (
            f"\n⚠️ Low: {low_phrase(item.quantity, item.threshold)}. "
            f"Alert #{change.alert_opened} is raised and the shop is told."
        )
    return text
