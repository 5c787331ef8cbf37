"""Handling an alert without resolving it: /ack, /snooze, and the I'm on it, Ordered and
Snooze 1d buttons of alert messages."""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.context import Context
from bot.errors import Refusal
from bot.handlers.alerts import button_alert
from bot.handlers.common import (
    args_text,
    button,
    in_group,
    reply,
    user_of,
)
from bot.handlers.conversation import note_order
from bot.handlers.questions import NotedMessage, OrderDetails, ask, forget_question
from bot.parsing import alert_or_item, usage_error
from bot.render import MAX_MESSAGE
from bot.runner import call_core
from bot.texts import alerts as texts
from bot.texts.conversation import order_question
from bot.texts.orders import DEFAULTS, order_recorded
from core.alerts import handling, lifecycle
from core.stock import orders


async def ack(update: Update, context: Context) -> None:
    """/ack ID or /ack NAME: "I'm on it"."""
    text = args_text(context)
    target = alert_or_item(text)
    try:
        change = await call_core(
            context, handling.ack_alert, telegram_user_id=user_of(update), **target
        )
    except Refusal as refusal:
        # The arguments were well formed: what is left is the alert's state.
        raise Refusal(refusal.text) from None
    await reply(update, context, texts.acked(change))


async def snooze(update: Update, context: Context) -> None:
    """/snooze ID DURATION or /snooze NAME DURATION: no reminders until then."""
    *target_words, duration = args_text(context).split() or [""]
    if not target_words:
        raise usage_error(texts.SNOOZE_ARGUMENTS)
    text = " ".join(target_words)
    target = alert_or_item(text)
    done = await call_core(
        context,
        handling.snooze_alert,
        telegram_user_id=user_of(update),
        duration=duration,
        **target,
    )
    await reply(update, context, texts.snoozed(done))


async def _note_on(query: CallbackQuery, note: str) -> None:
    """Say on the alert message what was done; its buttons stay. A card in the room is
    edited by the outbox instead (bot/delivery/room.py)."""
    message = query.message
    if not isinstance(message, Message) or message.text is None or message.chat.type != "private":
        return
    text = message.text_html + note
    if len(text) > MAX_MESSAGE:
        return
    try:
        await query.edit_message_text(
            text, parse_mode=ParseMode.HTML, reply_markup=message.reply_markup
        )
    except BadRequest as error:
        if "not modified" not in error.message:
            raise


@button
async def ack_button(update: Update, context: Context, query: CallbackQuery) -> str | None:
    """The I'm on it button: take the alert, and say so on the message."""
    wanted = button_alert(query)
    change = await call_core(
        context, handling.ack_alert, telegram_user_id=user_of(update), alert_id=wanted
    )
    await _note_on(query, texts.acked_note(change))
    return texts.BUTTON_ACKED.format(alert_id=wanted)


@button
async def snooze_button(update: Update, context: Context, query: CallbackQuery) -> str | None:
    """The Snooze 1d button: no reminders of the alert for a day."""
    wanted = button_alert(query)
    done = await call_core(
        context,
        handling.snooze_alert,
        telegram_user_id=user_of(update),
        alert_id=wanted,
        duration="1d",
    )
    await _note_on(query, texts.snoozed_note(done))
    return texts.BUTTON_SNOOZED.format(alert_id=wanted)


@button
async def order_button(update: Update, context: Context, query: CallbackQuery) -> str | None:
    """The Ordered button: ask how many and when, with the defaults one tap away."""
    wanted = button_alert(query)
    found = await call_core(
        context, lifecycle.get_alert, telegram_user_id=user_of(update), alert_id=wanted
    )
    if not found.is_open:
        raise Refusal(texts.NOTHING_TO_ORDER.format(alert_id=wanted))
    # In the room the card is the outbox's to edit; in a private chat the reply notes it.
    message = query.message if isinstance(query.message, Message) else None
    on_message = NotedMessage.of(message) if message and not in_group(update) else None
    pending = OrderDetails(found.id, found.item_name, on_message)
    defaults = InlineKeyboardMarkup(
        [[InlineKeyboardButton(DEFAULTS, callback_data=f"alert:orderdefault:{found.id}")]]
    )
    await ask(update, context, pending, order_question(found.item_name), defaults)
    return None


@button
async def order_defaults_button(
    update: Update, context: Context, query: CallbackQuery
) -> str | None:
    """The defaults under the Ordered question: twice the threshold, due in three days."""
    wanted = button_alert(query)
    user = user_of(update)
    found = await call_core(context, lifecycle.get_alert, telegram_user_id=user, alert_id=wanted)
    change = await call_core(
        context, orders.order_item, telegram_user_id=user, name=found.item_name
    )
    pending = await forget_question(update, context)
    if isinstance(pending, OrderDetails) and pending.alert_id == wanted:
        await note_order(context, pending, change)
    await reply(update, context, order_recorded(change))
    return None
