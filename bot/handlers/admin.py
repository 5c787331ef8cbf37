"""Shop admin commands: /threshold, /stats, /check, /invite, /timezone, /escalate."""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from bot.handlers.common import args_text, reply, user_of
from bot.jobs import reschedule_daily_check
from bot.parsing import usage_error, whole_number
from bot.runner import call_core
from bot.texts import admin as texts
from bot.texts.parsing import THRESHOLD
from core.alerts import check, escalation
from core.shops import onboarding, zones
from core.stock import stats, thresholds


async def threshold(update: Update, context: Context) -> None:
    """/threshold N (shop default), /threshold NAME N, /threshold NAME default."""
    tokens = args_text(context).split()
    if not tokens:
        raise usage_error(texts.NO_THRESHOLD)
    user = user_of(update)
    if len(tokens) == 1:
        value = whole_number(tokens[0], THRESHOLD)
        change = await call_core(
            context, thresholds.set_default_threshold, telegram_user_id=user, threshold=value
        )
    else:
        last = tokens[-1]
        own = None if last.casefold() == "default" else whole_number(last, THRESHOLD)
        change = await call_core(
            context,
            thresholds.set_item_threshold,
            telegram_user_id=user,
            name=" ".join(tokens[:-1]),
            threshold=own,
        )
    await reply(update, context, texts.threshold_text(change))


async def show_stats(update: Update, context: Context) -> None:
    """/stats: items, alerts, members and deliveries of the shop."""
    figures = await call_core(context, stats.shop_stats, telegram_user_id=user_of(update))
    await reply(update, context, texts.stats_text(figures))


async def run_check(update: Update, context: Context) -> None:
    """/check: the daily check, now, for this shop."""
    report = await call_core(context, check.check_shop, telegram_user_id=user_of(update))
    await reply(update, context, texts.check_text(report))


async def invite(update: Update, context: Context) -> None:
    """/invite: a single-use code and its deep link, valid seven days."""
    created = await call_core(context, onboarding.create_invite, telegram_user_id=user_of(update))
    link = texts.invite_link(context.bot.username, created.code)
    await reply(update, context, texts.invite_text(created, link))


async def timezone(update: Update, context: Context) -> None:
    """/timezone ZONE sets the shop's zone; /timezone alone shows it."""
    wanted = args_text(context).strip()
    user = user_of(update)
    if not wanted:
        shown = await call_core(context, zones.get_timezone, telegram_user_id=user)
        await reply(update, context, texts.zone_text(shown, changed=False))
        return
    changed = await call_core(context, zones.set_timezone, telegram_user_id=user, zone=wanted)
    reschedule_daily_check(context.application)
    await reply(update, context, texts.zone_text(changed, changed=True))


async def escalate(update: Update, context: Context) -> None:
    """/escalate DURATION or /escalate off; /escalate alone shows the setting."""
    wanted = args_text(context).strip()
    user = user_of(update)
    if not wanted:
        shown = await call_core(context, escalation.get_escalation, telegram_user_id=user)
        await reply(update, context, texts.escalation_text(shown, changed=False))
        return
    done = await call_core(
        context, escalation.set_escalation, telegram_user_id=user, duration=wanted
    )
    await reply(update, context, texts.escalation_text(done, changed=True))
