"""Shop admin commands: /threshold, /stats, /check, /invite."""

from __future__ import annotations

from datetime import tzinfo

from telegram import Update

from bot.context import Context
from bot.handlers.common import args_text, command, reply, user_of, zone_of
from bot.parsing import usage_error, whole_number
from bot.render import bold, esc, when
from bot.runner import call_core
from core import shops
from core.alerts import check
from core.results import CheckReport, InviteView, Stats, ThresholdChange
from core.stock import stats, thresholds
from core.wording import count


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


def invite_text(invite: InviteView, link: str, zone: tzinfo) -> str:
    """The reply to /invite: the link to forward, and the code for /join."""
    return (
        "Send this link to the person who should join your shop as staff:\n"
        f"{esc(link)}\n\n"
        f"Or they send <code>/join {esc(invite.code)}</code> to me.\n"
        f"It works once, until {when(invite.expires_at, zone)} "
        f"{invite.expires_at.astimezone(zone):%Z}."
    )


@command("threshold")
async def threshold(update: Update, context: Context) -> None:
    """/threshold N (shop default), /threshold NAME N, /threshold NAME default."""
    tokens = args_text(context).split()
    if not tokens:
        raise usage_error("Give a threshold.")
    user = user_of(update)
    if len(tokens) == 1:
        value = whole_number(tokens[0], "The threshold")
        change = await call_core(
            context, thresholds.set_default_threshold, telegram_user_id=user, threshold=value
        )
    else:
        last = tokens[-1]
        own = None if last.casefold() == "default" else whole_number(last, "The threshold")
        change = await call_core(
            context,
            thresholds.set_item_threshold,
            telegram_user_id=user,
            name=" ".join(tokens[:-1]),
            threshold=own,
        )
    await reply(update, context, threshold_text(change))


@command("stats")
async def show_stats(update: Update, context: Context) -> None:
    """/stats: items, alerts, members and deliveries of the shop."""
    figures = await call_core(context, stats.shop_stats, telegram_user_id=user_of(update))
    await reply(update, context, stats_text(figures))


@command("check")
async def run_check(update: Update, context: Context) -> None:
    """/check: the daily check, now, for this shop."""
    report = await call_core(context, check.check_shop, telegram_user_id=user_of(update))
    await reply(update, context, check_text(report))


@command("invite")
async def invite(update: Update, context: Context) -> None:
    """/invite: a single-use code and its deep link, valid seven days."""
    created = await call_core(context, shops.create_invite, telegram_user_id=user_of(update))
    link = f"https://t.me/{context.bot.username}?start={created.code}"
    await reply(update, context, invite_text(created, link, zone_of(context)))
