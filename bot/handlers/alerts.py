"""Alerts: /alerts, /alert, /resolve, and the Resolve and Restock buttons of alert messages."""

from __future__ import annotations

import re

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.context import Context
from bot.errors import Refusal
from bot.handlers.common import args_text, button, reply, reply_all, user_of
from bot.handlers.questions import RestockAmount, ask
from bot.parsing import alert_id, alert_or_item, usage_error
from bot.render import MAX_MESSAGE
from bot.runner import call_core
from bot.texts import alerts as texts
from bot.texts.common import BUTTON_GONE
from bot.texts.conversation import restock_question
from core.alerts import lifecycle
from core.results import AlertView

BUTTON = re.compile(r"alert:(resolve|restock|ack|snooze|order|orderdefault):(\d{1,18})")


async def list_alerts(update: Update, context: Context) -> None:
    """/alerts: open alerts; /alerts all: with the resolved ones."""
    word = args_text(context).strip().casefold()
    if word not in ("", "all"):
        raise usage_error(texts.ALERTS_ARGUMENT)
    found = await call_core(
        context,
        lifecycle.list_alerts,
        telegram_user_id=user_of(update),
        include_resolved=word == "all",
    )
    await reply_all(update, context, texts.alert_list(found, history=word == "all"))


async def show_alert(update: Update, context: Context) -> None:
    """/alert ID: one alert's details."""
    wanted = alert_id(args_text(context))
    found = await call_core(
        context, lifecycle.get_alert, telegram_user_id=user_of(update), alert_id=wanted
    )
    await reply(update, context, texts.alert_details(found))


async def resolve(update: Update, context: Context) -> None:
    """/resolve ID or /resolve NAME: close an alert by hand."""
    text = args_text(context)
    target = alert_or_item(text)
    try:
        done = await call_core(
            context, lifecycle.resolve_alert, telegram_user_id=user_of(update), **target
        )
    except Refusal as refusal:
        # The id or name was well formed (parsing checked it): what is left is the alert's
        # state (already resolved, not found), which no usage line would help with.
        raise Refusal(refusal.text) from None
    await reply(update, context, texts.resolved(done))


def _without_buttons_of(markup: InlineKeyboardMarkup | None, wanted: int) -> InlineKeyboardMarkup:
    rows = []
    for row in markup.inline_keyboard if markup else ():
        kept = [b for b in row if not str(b.callback_data or "").endswith(f":{wanted}")]
        if kept:
            rows.append(kept)
    return InlineKeyboardMarkup(rows)


async def _mark_resolved(query: CallbackQuery, done: AlertView) -> None:
    """Show on the alert message that it is resolved, and drop that alert's buttons. A card
    in the room is edited by the outbox instead (bot/delivery/room.py)."""
    message = query.message
    if not isinstance(message, Message) or message.text is None or message.chat.type != "private":
        return
    note = texts.resolved_note(done)
    markup = _without_buttons_of(message.reply_markup, done.id)
    text = message.text_html + note
    try:
        if len(text) <= MAX_MESSAGE:
            await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
        else:
            await query.edit_message_reply_markup(reply_markup=markup)
    except BadRequest as error:
        if "not modified" not in error.message:
            raise


def button_alert(query: CallbackQuery) -> int:
    """The alert id an alert button carries; a button the bot does not know is refused."""
    match = BUTTON.fullmatch(query.data or "")
    if match is None:
        raise Refusal(BUTTON_GONE)
    return int(match.group(2))


@button
async def resolve_button(update: Update, context: Context, query: CallbackQuery) -> str | None:
    """The Resolve button: close the alert, and say so on the message."""
    wanted = button_alert(query)
    user = user_of(update)
    try:
        done = await call_core(
            context, lifecycle.resolve_alert, telegram_user_id=user, alert_id=wanted
        )
    except Refusal:
        # Pressed twice, or someone else was quicker: show how it was resolved, if it was.
        done = await call_core(context, lifecycle.get_alert, telegram_user_id=user, alert_id=wanted)
        if done.is_open:
            raise
        await _mark_resolved(query, done)
        return texts.BUTTON_ALREADY_RESOLVED.format(alert_id=wanted)
    await _mark_resolved(query, done)
    return texts.BUTTON_RESOLVED.format(alert_id=wanted)


@button
async def restock_button(update: Update, context: Context, query: CallbackQuery) -> str | None:
    """The Restock button: ask how many arrived; the answer is added to the item."""
    wanted = button_alert(query)
    found = await call_core(
        context, lifecycle.get_alert, telegram_user_id=user_of(update), alert_id=wanted
    )
    if not found.is_open:
        await _mark_resolved(query, found)
        return texts.NOTHING_TO_RESTOCK.format(alert_id=wanted)
    pending = RestockAmount(alert_id=found.id, item_name=found.item_name)
    await ask(update, context, pending, restock_question(found.item_name))
    return texts.RESTOCK_ASKED.format(item_name=found.item_name)
