"""The command menus Telegram shows: everybody's by default, and the admin's in each admin's
chat, built from the command table (bot/commands.py)."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from bot.commands import ADMIN, COMMANDS, MEMBER, OUTSIDE, Role

log = logging.getLogger("stockbot.bot")

# Whose commands each menu shows: everybody's by default (outside a shop, staff); an admin's
# chat gets the member and admin commands.
DEFAULT_MENU = (OUTSIDE, MEMBER)
ADMIN_MENU = (MEMBER, ADMIN)


def menu(roles: tuple[Role, ...]) -> list[BotCommand]:
    """The menu of the commands for these roles, in the table's order."""
    return [
        BotCommand(command.name, command.menu)
        for command in COMMANDS
        if command.role in roles and command.menu is not None
    ]


async def set_default_menu(bot: Bot) -> None:
    """Register the default menu with Telegram; without it the bot still works."""
    try:
        await bot.set_my_commands(menu(DEFAULT_MENU))
    except TelegramError as error:
        log.warning("Could not set the command menu: %s", error)


async def clear_chat_menu(bot: Bot, chat_id: int) -> None:
    """Take a chat's own menu away (back to the default): its member is no longer an admin."""
    try:
        await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id))
    except TelegramError as error:
        log.warning("Could not reset the menu of chat %s: %s", chat_id, error)


async def set_admin_menu(bot: Bot, chat_id: int) -> None:
    """Give an admin's chat the admin menu; a failure only costs the menu, so it is logged."""
    try:
        await bot.set_my_commands(menu(ADMIN_MENU), scope=BotCommandScopeChat(chat_id))
    except TelegramError as error:
        log.warning("Could not set the admin menu for chat %s: %s", chat_id, error)
