"""What the bot says to shop admins: /threshold, /stats, /check, /invite, /timezone."""

from __future__ import annotations

from bot.render import bold, esc, when
from core.results import CheckReport, EscalationSetting, Stats, ThresholdChange
from core.shops.views import InviteView, ShopZone
from core.wording import count, span

NO_THRESHOLD = "Give a threshold."


def _times(number: int, word: str) -> str:
    return f"{count(number)} {word}{'' if number == 1 else 's'}"


def threshold_text(change: ThresholdChange) -> str:
    """The reply to /threshold."""
    effects = []
    if change.alerts_opened:
        effects.append(f"{_times(change.alerts_opened, 'alert')} opened")
    if change.alerts_resolved:
        effects.append(f"{_times(change.alerts_resolved, 'alert')} resolved")
    effect = f" ({', '.join(effects)})" if effects else ""
    if change.item is None:
        return f"✅ The shop's default threshold is now {count(change.threshold or 0)}{effect}."
    name = bold(change.item.name)
    if change.threshold is None:
        return f"✅ {name} uses the shop default again: {count(change.item.threshold)}{effect}."
    if change.threshold == 0:
        return f"✅ {name}: threshold 0, it never alerts{effect}."
    return f"✅ {name} now alerts below {count(change.threshold)}{effect}."


def stats_text(figures: Stats) -> str:
    """The reply to /stats."""
    return "\n".join(
        [
            "<b>Shop statistics</b>",
            f"Items: {count(figures.items_total)} · {count(figures.items_low)} low · "
            f"{count(figures.items_out_of_stock)} out of stock",
            f"Alerts: {count(figures.alerts_total)} in all · {count(figures.alerts_open)} open · "
            f"{count(figures.alerts_resolved)} resolved",
            f"Members: {count(figures.members)}",
            f"Notifications: {count(figures.notifications_pending)} waiting · "
            f"{count(figures.notifications_sent)} sent · "
            f"{count(figures.notifications_dead)} failed for good",
        ]
    )


def check_text(report: CheckReport) -> str:
    """The reply to /check: what the check did."""
    return (
        "✅ Check done: "
        f"{_times(report.items_low, 'item')} low, "
        f"{_times(report.alerts_opened, 'alert')} opened, "
        f"{_times(report.alerts_reminded, 'reminder')} queued "
        f"(in {_times(report.reminder_messages, 'message')}), "
        f"{_times(report.alerts_resolved, 'alert')} resolved."
    )


def invite_text(invite: InviteView, link: str) -> str:
    """The reply to /invite: the link to forward, and the code for /join."""
    return (
        "Send this link to the person who should join your shop as staff:\n"
        f"{esc(link)}\n\n"
        f"Or they send <code>/join {esc(invite.code)}</code> to me.\n"
        f"It works once, until {when(invite.expires_at, invite.zone)} "
        f"{invite.expires_at.astimezone(invite.zone):%Z}."
    )


def invite_link(bot_username: str, code: str) -> str:
    """The deep link that opens the bot with the invite code."""
    return f"https://t.me/{bot_username}?start={code}"


def zone_text(shown: ShopZone, *, changed: bool) -> str:
    """The reply to /timezone: the zone, its time now, and the next daily check there."""
    name = esc(shown.zone.key)
    if changed:
        head = f"✅ The shop's time zone is now {name}."
    elif shown.chosen:
        head = f"The shop's time zone is {name}."
    else:
        head = f"The shop's time zone is {name}, this Stockbot's default."
    next_check = shown.next_check_at
    return (
        f"{head} The daily check runs next on {when(next_check, shown.zone)} there.\n"
        "Change it with <code>/timezone ZONE</code>, e.g. <code>/timezone Europe/Berlin</code>."
    )


def escalation_text(setting: EscalationSetting, *, changed: bool) -> str:
    """The reply to /escalate."""
    if setting.after is None:
        head = "✅ Escalation is off." if changed else "Escalation is off."
        return (
            f"{head} <code>/escalate 4h</code> sends an alert nobody has taken, ordered or "
            "resolved within 4 hours to the shop's admins."
        )
    after = span(int(setting.after.total_seconds()))
    head = "✅ Escalation is on:" if changed else "Escalation is on:"
    return (
        f"{head} an alert nobody has taken, ordered or resolved within {after} is sent to "
        "the shop's admins once more. <code>/escalate off</code> stops it."
    )
