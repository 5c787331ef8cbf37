"""What an alert's card in the shop's room says (SPEC 3.1), as it is now: its item's figures,
who is on it, its order, its snooze, and how it ended."""

from __future__ import annotations

from bot.render import bold, day, esc, when
from core.results import AlertView, CardState
from core.wording import count, low_phrase

ENDINGS = {
    "restocked": "\N{WHITE HEAVY CHECK MARK}",
    "manual": "\N{BALLOT BOX WITH CHECK}\N{VARIATION SELECTOR-16}",
    "deleted": "\N{WASTEBASKET}\N{VARIATION SELECTOR-16}",
    "muted": "\N{BELL WITH CANCELLATION STROKE}",
}
FOLDED_HEADER = (
    "\N{WARNING SIGN}\N{VARIATION SELECTOR-16} <b>New low-stock alerts</b>: {count} {noun}"
)


def card_text(card: CardState) -> str:
    """The card's HTML text."""
    alert = card.alert
    lines = [_headline(alert), *(_open_lines(card) if alert.is_open else [_ending(alert)])]
    lines.append(f"Alert #{alert.id} \N{MIDDLE DOT} /alert {alert.id}")
    return "\n".join(lines)


def _headline(alert: AlertView) -> str:
    name = bold(alert.item_name)
    if not alert.is_open:
        icon = ENDINGS.get(alert.resolution or "", "\N{WHITE HEAVY CHECK MARK}")
        title = "Back in stock" if alert.resolution == "restocked" else "Resolved"
        return f"{icon} <b>{title}:</b> {name}"
    if alert.current_quantity == 0:
        return f"\N{NO ENTRY SIGN} <b>Out of stock:</b> {name}"
    return f"\N{WARNING SIGN}\N{VARIATION SELECTOR-16} <b>Low stock:</b> {name}"


def _open_lines(card: CardState) -> list[str]:
    alert = card.alert
    threshold = alert.threshold_at_alert
    if alert.current_threshold is not None:
        threshold = alert.current_threshold
    lines = [f"{esc(alert.item_name)}: {low_phrase(alert.current_quantity, threshold)}."]
    if alert.acknowledged_by_name:
        taker = esc(alert.acknowledged_by_name)
        lines.append(f"\N{HAPPY PERSON RAISING ONE HAND} {taker} is on it")
    if alert.on_order:
        lines.append(_ordered(card))
    if alert.snoozed_until is not None:
        until = when(alert.snoozed_until, alert.zone)
        lines.append(f"\N{SLEEPING SYMBOL} No reminders until {until}")
    return lines


def _ordered(card: CardState) -> str:
    """`📦 48 ordered, due Fri 6 Mar · ⏰ 2 days late`."""
    alert = card.alert
    due = f", due {day(alert.order_due)}" if alert.order_due else ""
    late = ""
    if card.days_late:
        days = "day" if card.days_late == 1 else "days"
        late = f" \N{MIDDLE DOT} \N{ALARM CLOCK} {count(card.days_late)} {days} late"
    return f"\N{PACKAGE} {count(alert.on_order)} ordered{due}{late}"


def _ending(alert: AlertView) -> str:
    who = f" by {esc(alert.resolved_by_name)}" if alert.resolved_by_name else ""
    at = when(alert.resolved_at, alert.zone) if alert.resolved_at else ""
    name = esc(alert.item_name)
    if alert.resolution == "restocked":
        return f"{name}: {count(alert.current_quantity)} now \N{MIDDLE DOT} restocked{who}, {at}"
    if alert.resolution == "deleted":
        return f"{name} was deleted{who}, {at}"
    if alert.resolution == "muted":
        return f"{name} was muted{who}, {at}: no alerts until /unmute"
    return f"Resolved{who}, {at}"


def folded_header(items: int) -> str:
    """The head of the digest that shows new alerts beyond the room's minute."""
    return FOLDED_HEADER.format(count=count(items), noun="item" if items == 1 else "items")
