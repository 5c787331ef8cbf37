"""Friendly answers to everything that is not a known command, and the error handler."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Update
from telegram.error import BadRequest, NetworkError, TelegramError

from bot.context import Context
from bot.errors import Refusal
from bot.handlers import conversation
from bot.handlers.common import button, reply, user_of
from bot.handlers.questions import question
from bot.render import esc
from bot.runner import call_core
from bot.texts import fallbacks as texts
from bot.texts.common import BUTTON_GONE, NOT_A_MEMBER
from core.shops import members

log = logging.getLogger("stockbot.bot")


async def _hint(update: Update, context: Context, text: str) -> None:
    """Reply with text for members, or with how to get into a shop for everybody else."""
    try:
        await call_core(context, members.get_member, telegram_user_id=user_of(update))
    except Refusal:
        text = esc(NOT_A_MEMBER)
    await reply(update, context, text)


async def unknown_command(update: Update, context: Context) -> None:
    """A command the bot does not have."""
    assert update.effective_message is not None
    assert update.effective_message.text is not None
    name = update.effective_message.text.split()[0].split("@")[0][:40]
    await _hint(update, context, texts.unknown_command(name))


async def text_message(update: Update, context: Context) -> None:
    """Plain text: the answer to an open question, or a pointer to the commands."""
    assert update.effective_message is not None
    assert update.effective_message.text is not None
    pending = await question(update, context)
    if pending is not None:
        await conversation.answer(update, context, pending, update.effective_message.text)
        return
    await _hint(update, context, texts.USE_COMMANDS)


async def edited_message(update: Update, context: Context) -> None:
    """An edited message: never acted on, so an edit cannot count stock twice."""
    await reply(update, context, texts.EDITED)


async def other_message(update: Update, context: Context) -> None:
    """Photos, stickers, voice notes and the like."""
    await reply(update, context, texts.NOT_TEXT)


async def group_command(update: Update, context: Context) -> None:
    """A command the bot does not have, in a group: answered only when it names this bot
    (`/foo@ThisBot`); a bare `/foo` may be another bot's."""
    assert update.effective_message is not None
    assert update.effective_message.text is not None
    name, _, addressee = update.effective_message.text.split()[0].partition("@")
    if addressee.casefold() == (context.bot.username or "").casefold():
        await reply(update, context, texts.unknown_command(name[:40]))


async def group_reply(update: Update, context: Context) -> None:
    """A reply in a group: the answer to the question the bot asked this user, if any (with
    privacy mode on, replies to the bot's messages are all the text it sees there)."""
    message = update.effective_message
    assert message is not None
    assert message.text is not None
    replied = message.reply_to_message
    asker = replied.from_user if replied is not None else None
    pending = await question(update, context)
    if pending is None or asker is None or asker.id != context.bot.id:
        return
    await conversation.answer(update, context, pending, message.text)


@button
async def stale_button(_update: Update, _context: Context, _query: CallbackQuery) -> str | None:
    """A button this bot no longer knows."""
    return BUTTON_GONE


async def on_error(update: object, context: Context) -> None:
    """Log the failure with its update id; tell the user, without details, that it failed."""
    if not isinstance(update, Update):
        error = context.error
        if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
            # Polling retries on its own; an outage of the Bot API is a line, not a traceback.
            log.warning("Telegram is unreachable, retrying: %s", error)
            return
        log.error("A background job failed", exc_info=error)
        return
    log.error("Handling update %s failed", update.update_id, exc_info=context.error)
    if update.effective_chat is None:
        return
    if update.callback_query is not None:
        return  # the button wrapper has answered the query already
    try:
        await reply(update, context, texts.SOMETHING_WENT_WRONG)
    except TelegramError as error:
        log.warning("Could not tell chat %s about the failure: %s", update.effective_chat.id, error)
