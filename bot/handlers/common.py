"""What every handler shares: replying in HTML, refusals with usage lines, answered buttons."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import (
    CallbackQuery,
    ForceReply,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatType, ParseMode

from bot.context import Context
from bot.errors import Refusal
from bot.render import esc
from bot.runner import call_core
from bot.texts.common import BUTTON_FAILED, refusal_text
from core.errors import CoreError
from core.settings import Settings
from core.shops import conversations, rooms

Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]
ButtonHandler = Callable[[Update, Context, CallbackQuery], Coroutine[Any, Any, str | None]]

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
# Telegram shows at most 200 characters in a callback answer.
MAX_ANSWER = 200


def settings_of(context: Context) -> Settings:
    """The running bot's settings."""
    return context.bot_data.settings


def user_of(update: Update) -> int:
    """The Telegram user id, which identifies the member in the core."""
    assert update.effective_user is not None
    return update.effective_user.id


def args_text(context: Context) -> str:
    """The command's arguments as one line."""
    return " ".join(context.args or ())


def in_group(update: Update) -> bool:
    """The update comes from a group (a shop's room, or a group that may become one)."""
    chat = update.effective_chat
    return chat is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


def topic_of(update: Update) -> int | None:
    """The forum topic the update was sent in, for the answer to go there too."""
    message = update.effective_message
    if message is None or not message.is_topic_message:
        return None
    return message.message_thread_id


async def reply(
    update: Update,
    context: Context,
    text: str,
    keyboard: InlineKeyboardMarkup | ForceReply | None = None,
) -> Message:
    """Send an HTML message to the update's chat (in a forum, to the same topic)."""
    assert update.effective_chat is not None
    return await context.bot.send_message(
        update.effective_chat.id,
        text,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard,
        link_preview_options=NO_PREVIEW,
        message_thread_id=topic_of(update),
    )


async def reply_all(update: Update, context: Context, texts: list[str]) -> None:
    """Send several messages in order."""
    for text in texts:
        await reply(update, context, text)


def refusal_html(refusal: Refusal, usage_line: str) -> str:
    """The reply to a refused command: the reason, and the usage line when arguments were bad."""
    text = refusal_text(refusal.text)
    if refusal.show_usage:
        text += f"\n{esc(usage_line)}"
    return text


def guarded(
    handler: Handler, usage_line: str, *, keeps_question: bool = False, in_groups: bool = True
) -> Handler:
    """A command's callback: a new command leaves any open question, refusals are replied
    (with the command's usage line when its arguments were wrong). With `in_groups`, in a
    group only a member of the shop whose room it is gets past (core.shops.rooms)."""

    @functools.wraps(handler)
    async def wrapped(update: Update, context: Context) -> None:
        try:
            if not keeps_question and update.effective_user is not None:
                await call_core(
                    context,
                    conversations.close_question,
                    telegram_user_id=update.effective_user.id,
                )
            if in_groups and in_group(update):
                await require_room_member(update, context)
            await handler(update, context)
        except Refusal as refusal:
            await reply(update, context, refusal_html(refusal, usage_line))
        except CoreError as error:  # a core check the handler ran itself (no database)
            await reply(update, context, refusal_html(Refusal.from_core(error), usage_line))

    return wrapped


async def require_room_member(update: Update, context: Context) -> None:
    """Refuse, with the reason, anyone who is not a member of the shop whose room this is."""
    assert update.effective_chat is not None
    await call_core(
        context,
        rooms.require_room_member,
        telegram_user_id=user_of(update),
        chat_id=update.effective_chat.id,
    )


def button(handler: ButtonHandler) -> Handler:
    """Wrap a button handler so its query is always answered, with the refusal if any (a
    popup); in a group, only members of the shop whose room it is may press."""

    @functools.wraps(handler)
    async def wrapped(update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        try:
            if in_group(update):
                await require_room_member(update, context)
            answer = await handler(update, context, query)
        except Refusal as refusal:
            await query.answer(refusal.text[:MAX_ANSWER], show_alert=True)
        except Exception:
            # Answer first so the user's button stops spinning; the error handler logs it.
            await query.answer(BUTTON_FAILED)
            raise
        else:
            await query.answer(answer[:MAX_ANSWER] if answer else None)

    return wrapped
