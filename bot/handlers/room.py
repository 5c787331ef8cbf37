"""The shop's room (SPEC 3.1): /setup in a group, the bot added to or removed from a group,
and a group that became a supergroup."""

from __future__ import annotations

import logging

from telegram import ChatMember, Update
from telegram.error import TelegramError

from bot.context import Context
from bot.handlers.common import args_text, in_group, reply, topic_of, user_of
from bot.parsing import usage_error
from bot.runner import call_core
from bot.texts import room as texts
from core.alerts.cards import set_up_room
from core.shops import chats, rooms

log = logging.getLogger("stockbot.bot")
GONE = (ChatMember.LEFT, ChatMember.BANNED)


async def setup(update: Update, context: Context) -> None:
    """/setup in a group: it becomes the admin's shop's room; /setup off: no room."""
    word = args_text(context).strip().casefold()
    if word not in ("", "off"):
        raise usage_error(texts.SETUP_ARGUMENT)
    if word == "off":
        stopped = await call_core(context, rooms.unbind_room, telegram_user_id=user_of(update))
        await reply(update, context, texts.room_stopped(stopped))
        return
    chat = update.effective_chat
    if chat is None or not in_group(update):
        raise usage_error(texts.SETUP_IN_GROUP)
    change = await call_core(
        context,
        set_up_room,
        telegram_user_id=user_of(update),
        chat_id=chat.id,
        thread_id=topic_of(update),
        title=chat.title or "the group",
    )
    await reply(update, context, texts.room_set_up(change))


async def membership_changed(update: Update, context: Context) -> None:
    """The bot was added to a group (say hello) or removed from one (if it was a shop's
    room, it no longer is: tell the shop's admins privately)."""
    changed = update.my_chat_member
    if changed is None or changed.chat.type not in ("group", "supergroup"):
        return
    status = changed.new_chat_member.status
    if status in GONE:
        lost = await call_core(context, rooms.room_lost, chat_id=changed.chat.id)
        if lost is None:
            return
        log.info("removed from chat %d, the room of a shop: room unbound", changed.chat.id)
        for chat_id in lost.admin_chats:
            try:
                await context.bot.send_message(chat_id, texts.room_lost(lost), parse_mode="HTML")
            except TelegramError as error:
                log.warning("could not tell admin chat %d the room is gone: %s", chat_id, error)
    elif changed.old_chat_member.status in GONE:
        await context.bot.send_message(
            changed.chat.id, texts.hello_group(context.bot.username), parse_mode="HTML"
        )


async def migrated(update: Update, context: Context) -> None:
    """The group became a supergroup (a new chat id): the room and its cards follow it."""
    message = update.effective_message
    if message is None or message.migrate_to_chat_id is None:
        return
    await call_core(
        context,
        chats.move_chat,
        old_chat_id=message.chat.id,
        new_chat_id=message.migrate_to_chat_id,
    )


async def private_only(update: Update, context: Context) -> None:
    """A command with codes, addresses or personal settings, sent in a group."""
    await reply(update, context, texts.private_only(context.bot.username))
