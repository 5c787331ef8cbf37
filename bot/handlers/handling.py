"""Handling an alert without resolving it: /ack and the I'm on it button of alert messages."""

from __future__ import annotations

from telegram import CallbackQuery, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.context import Context
from bot.errors import Refusal
from bot.handlers.alerts import button_alert
from bot.handlers.common import args_text, button, reply, user_of
from bot.parsing import alert_id, is_alert_id, item_name
from bot.render import MAX_MESSAGE
from bot.runner import call_core
from bot.texts import alerts as texts
from core.alerts import handling
from core.results import AckChange


async def ack(update: Update, context: Context) -> None:
    """/ack ID or /ack NAME: "I'm on it"."""
    text = args_text(context)
    target = {"alert_id": alert_id(text)} if is_alert_id(text) else {"item_name": item_name(text)}
    try:
        change = await call_core(
            context, handling.ack_alert, telegram_user_id=user_of(update), **target
        )
    except Refusal as refusal:
        # The arguments were well formed: what is left is the alert's state.
        raise Refusal(refusal.text) from None
    await reply(update, context, texts.acked(change))


async def _note_on(query: CallbackQuery, change: AckChange) -> None:
    """Say on the alert message who is on it; its buttons stay."""
    message = query.message
    if not isinstance(message, Message) or message.text is None:
        return
    text = message.text_html + texts.acked_note(change)
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
    await _note_on(query, change)
    return texts.BUTTON_ACKED.format(alert_id=wanted)
