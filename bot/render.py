"""Pure builders of reply texts (Telegram HTML, every piece of user data escaped)."""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import datetime, tzinfo

from core.results import AlertView, ItemDetails, ItemPage, ItemView, MovementView, StockChange
from core.wording import count, low_phrase

MAX_MESSAGE = 4096
# Headroom below Telegram's limit: HTML tags and entities do not count after parsing, but
# staying clearly under it means no reply is ever refused for its length.
CHUNK = 3800

MOVEMENT_WORDS = {
    "create": "created",
    "set": "counted",
    "add": "received",
    "remove": "taken out",
    "import": "imported",
    "delete": "deleted",
}


def esc(text: str) -> str:
    """User data made safe for Telegram HTML: `<b>Tea & Co</b>` shows as typed."""
    return html.escape(text, quote=False)


def bold(text: str) -> str:
    """Escaped and bold."""
    return f"<b>{esc(text)}</b>"


def when(moment: datetime, zone: tzinfo) -> str:
    """A time as shop staff read it, in the shop's time zone: `2 Mar 09:15`."""
    local = moment.astimezone(zone)
    return f"{local.day} {local:%b %H:%M}"


def signed(delta: int) -> str:
    """+10, -3, ±0."""
    if delta > 0:
        return f"+{count(delta)}"
    return f"-{count(-delta)}" if delta < 0 else "±0"


def chunks(lines: Iterable[str], limit: int = CHUNK) -> list[str]:
    """Pack lines into as few messages as fit, never cutting a line."""
    messages: list[str] = []
    current = ""
    for line in lines:
        if current and len(current) + 1 + len(line) > limit:
            messages.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        messages.append(current)
    return messages


def threshold_phrase(item: ItemView) -> str:
    """How the item's threshold is set, in words."""
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
    if change.alert_resolved is not None:
        lines.append(f"Alert #{change.alert_resolved} is resolved: back in stock.")
    return "\n".join(lines)


def item_line(item: ItemView) -> str:
    """One line of /stock."""
    marker = "⚠️ " if item.is_low else "• "
    threshold = "no alert" if item.threshold == 0 else f"alert below {count(item.threshold)}"
    return f"{marker}{bold(item.name)}: {count(item.quantity)} ({threshold})"


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
    who = f" by {esc(movement.member_name)}" if movement.member_name else ""
    word = MOVEMENT_WORDS.get(movement.reason, movement.reason)
    return (
        f"• {when(movement.created_at, zone)} {word} {signed(movement.delta)} "
        f"→ {count(movement.quantity_after)}{who}"
    )


def item_details(details: ItemDetails, zone: tzinfo) -> str:
    """The reply to /item."""
    item = details.item
    lines = [
        bold(item.name),
        f"In stock: {quantity_phrase(item)}",
        threshold_phrase(item).capitalize(),
    ]
    alert = details.open_alert
    if alert is not None:
        lines.append(f"Open alert: #{alert.id}, raised {when(alert.created_at, zone)}")
    if details.movements:
        lines.append("Last changes:")
        lines += [movement_line(movement, zone) for movement in details.movements]
    return "\n".join(lines)


RESOLUTION_WORDS = {"restocked": "restocked", "manual": "by hand", "deleted": "item deleted"}


def resolution_phrase(alert: AlertView, zone: tzinfo) -> str:
    """`resolved 2 Mar 10:00, restocked, by Ann`."""
    assert alert.resolved_at is not None
    how = RESOLUTION_WORDS.get(alert.resolution or "", alert.resolution or "")
    who = f" by {esc(alert.resolved_by_name)}" if alert.resolved_by_name else ""
    return f"resolved {when(alert.resolved_at, zone)}, {how}{who}"


def alert_line(alert: AlertView, zone: tzinfo) -> str:
    """One line of /alerts."""
    head = f"#{alert.id} {bold(alert.item_name)}"
    if alert.is_open:
        phrase = low_phrase(alert.current_quantity, alert.threshold_at_alert)
        return f"⚠️ {head}: {phrase} · since {when(alert.created_at, zone)}"
    return f"✅ {head}: {resolution_phrase(alert, zone)}"


def alert_list(alerts: list[AlertView], zone: tzinfo, *, history: bool) -> list[str]:
    """The reply to /alerts, split into messages when long."""
    if not alerts:
        return ["No alerts yet." if history else "No open alerts. 🎉"]
    opened = sum(alert.is_open for alert in alerts)
    header = (
        f"<b>Alerts</b>: {count(opened)} open, latest {count(len(alerts))} shown"
        if history
        else f"<b>Open alerts</b> ({count(opened)})"
    )
    footer = "Details: <code>/alert ID</code> · close one: <code>/resolve ID</code>"
    return chunks([header, *(alert_line(alert, zone) for alert in alerts), footer])


def alert_details(alert: AlertView, zone: tzinfo) -> str:
    """The reply to /alert ID."""
    state = "open" if alert.is_open else resolution_phrase(alert, zone)
    lines = [
        f"<b>Alert #{alert.id}</b> · {bold(alert.item_name)} · {state}",
        f"Raised {when(alert.created_at, zone)}: "
        f"{low_phrase(alert.quantity_at_alert, alert.threshold_at_alert)}",
        f"Now: {count(alert.current_quantity)} in stock",
    ]
    if alert.is_open:
        lines.append(
            f"Last told {when(alert.last_notified_at, zone)}, "
            f"next reminder {when(alert.next_reminder_at, zone)}"
        )
        lines.append(f"Close it: <code>/resolve {alert.id}</code>")
    return "\n".join(lines)
