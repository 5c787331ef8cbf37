"""What the bot says about alerts: /alerts, /alert, /resolve and the alert buttons."""

from __future__ import annotations

from bot.render import bold, chunks, esc, when
from bot.texts.orders import on_order_phrase
from core.results import AckChange, AlertView
from core.wording import count, low_phrase

ALERTS_ARGUMENT = "Say /alerts, or /alerts all for the history too."
SNOOZE_ARGUMENTS = "Say which alert and for how long."
RESOLUTION_WORDS = {
    "restocked": "restocked",
    "manual": "by hand",
    "deleted": "item deleted",
    "muted": "item muted",
}


def resolution_phrase(alert: AlertView) -> str:
    """`resolved 2 Mar 10:00, restocked, by Ann`."""
    assert alert.resolved_at is not None
    how = RESOLUTION_WORDS.get(alert.resolution or "", alert.resolution or "")
    who = f" by {esc(alert.resolved_by_name)}" if alert.resolved_by_name else ""
    return f"resolved {when(alert.resolved_at, alert.zone)}, {how}{who}"


def handled_note(alert: AlertView, *, with_order: bool = True) -> str:
    """` · 🙋 Sam · 💤 until 3 Mar 09:00 · 📦 48 on order, due Fri 6 Mar`: who is on an open
    alert, its snooze, and (`with_order`) what is on order for its item."""
    taken = f" · 🙋 {esc(alert.acknowledged_by_name)}" if alert.acknowledged_by_name else ""
    if alert.snoozed_until is not None:
        taken += f" · 💤 until {when(alert.snoozed_until, alert.zone)}"
    if with_order and alert.on_order:
        taken += f" · {on_order_phrase(alert.on_order, alert.order_due)}"
    return taken


def alert_line(alert: AlertView) -> str:
    """One line of /alerts."""
    head = f"#{alert.id} {bold(alert.item_name)}"
    if alert.is_open:
        phrase = low_phrase(alert.current_quantity, alert.threshold_at_alert)
        return (
            f"⚠️ {head}: {phrase} · since {when(alert.created_at, alert.zone)}{handled_note(alert)}"
        )
    return f"✅ {head}: {resolution_phrase(alert)}"


def alert_list(alerts: list[AlertView], *, history: bool) -> list[str]:
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
    return chunks([header, *(alert_line(alert) for alert in alerts), footer])


def alert_details(alert: AlertView) -> str:
    """The reply to /alert ID."""
    state = "open" if alert.is_open else resolution_phrase(alert)
    lines = [
        f"<b>Alert #{alert.id}</b> · {bold(alert.item_name)} · {state}",
        f"Raised {when(alert.created_at, alert.zone)}: "
        f"{low_phrase(alert.quantity_at_alert, alert.threshold_at_alert)}",
        f"Now: {count(alert.current_quantity)} in stock",
    ]
    if alert.is_open and alert.acknowledged_at is not None:
        lines.append(
            f"🙋 {esc(alert.acknowledged_by_name or 'a former member')} is on it "
            f"since {when(alert.acknowledged_at, alert.zone)}"
        )
    if alert.is_open and alert.snoozed_until is not None:
        lines.append(f"💤 No reminders until {when(alert.snoozed_until, alert.zone)}")
    if alert.is_open and alert.on_order:
        lines.append(on_order_phrase(alert.on_order, alert.order_due))
    if alert.is_open:
        lines.append(
            f"Last told {when(alert.last_notified_at, alert.zone)}, "
            f"next reminder {when(alert.next_reminder_at, alert.zone)}"
        )
        lines.append(f"Close it: <code>/resolve {alert.id}</code>")
    return "\n".join(lines)


def resolved(alert: AlertView) -> str:
    """The reply to /resolve."""
    return (
        f"✅ Alert #{alert.id} for {bold(alert.item_name)} is resolved. "
        "It stays quiet unless the item is low again after the repeat interval, "
        "or is restocked and falls again."
    )


def resolved_note(alert: AlertView) -> str:
    """What a resolved alert's message gets added."""
    return f"\n\n✅ #{alert.id} {bold(alert.item_name)}: {resolution_phrase(alert)}"


# Answers to the buttons of alert messages, to fill in with str.format (plain text).
BUTTON_RESOLVED = "Alert #{alert_id} resolved."
BUTTON_ACKED = "You are on alert #{alert_id}."
NOTHING_TO_ORDER = "Alert #{alert_id} is already resolved."
BUTTON_SNOOZED = "Alert #{alert_id}: no reminders for a day."
BUTTON_ALREADY_RESOLVED = "Alert #{alert_id} was already resolved."
NOTHING_TO_RESTOCK = "Alert #{alert_id} is already resolved: nothing to restock for it."
RESTOCK_ASKED = "How many {item_name} arrived?"


def acked(change: AckChange) -> str:
    """The reply to /ack."""
    alert = change.alert
    was = f" (it was {esc(change.taken_from)}'s)" if change.taken_from else ""
    return (
        f"🙋 You are on alert #{alert.id} for {bold(alert.item_name)}{was}: its reminders go "
        "to you and the shop's admins now."
    )


def acked_note(change: AckChange) -> str:
    """Added to the alert message whose I'm on it button was pressed."""
    return f"\n\n🙋 {esc(change.alert.acknowledged_by_name or '')} is on it"


def snoozed(alert: AlertView) -> str:
    """The reply to /snooze."""
    head = f"alert #{alert.id} for {bold(alert.item_name)}"
    if alert.snoozed_until is None:
        return f"🔔 Reminders of {head} are on again."
    return f"💤 No reminders of {head} until {when(alert.snoozed_until, alert.zone)}."


def snoozed_note(alert: AlertView) -> str:
    """Added to the alert message whose Snooze 1d button was pressed."""
    assert alert.snoozed_until is not None
    return f"\n\n💤 Snoozed until {when(alert.snoozed_until, alert.zone)}"
