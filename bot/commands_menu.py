"""Every chat command once: its menu line, usage, example and role; the menus Telegram shows."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

log = logging.getLogger("stockbot.bot")


@dataclass(frozen=True)
class Command:
    name: str
    menu: str
    usage: str
    example: str
    admin: bool = False


COMMANDS = (
    Command("stock", "List items; also /stock low or /stock tea", "/stock [low|TEXT]", "/stock"),
    Command("item", "One item with its history", "/item NAME", "/item Green tea"),
    Command("add", "Receive stock (restock)", "/add NAME N", "/add Green tea 10"),
    Command("remove", "Take stock out (sold, used)", "/remove NAME N", "/remove Green tea 2"),
    Command("set", "Set the counted quantity", "/set NAME QTY", "/set Green tea 18"),
    Command("additem", "Add a new item", "/additem NAME QTY [THRESHOLD]", "/additem Green tea 24"),
    Command("alerts", "Open alerts; /alerts all for history", "/alerts [all]", "/alerts"),
    Command("alert", "One alert's details", "/alert ID", "/alert 12"),
    Command("resolve", "Close an alert by hand", "/resolve ID or /resolve NAME", "/resolve 12"),
    Command("prefs", "Your alert settings", "/prefs", "/prefs"),
    Command("email", "Alert email, or off", "/email ADDRESS or /email off", "/email me@shop.com"),
    Command(
        "whatsapp",
        "Alert WhatsApp number, or off",
        "/whatsapp +NUMBER or /whatsapp off",
        "/whatsapp +14155550123",
    ),
    Command("notify", "Turn your alerts on or off", "/notify on|off", "/notify off"),
    Command("cancel", "Leave a question", "/cancel", "/cancel"),
    Command("help", "What I can do", "/help", "/help"),
    Command("delitem", "Delete an item", "/delitem NAME", "/delitem Green tea", admin=True),
    Command(
        "threshold",
        "Alert thresholds",
        "/threshold N, /threshold NAME N or /threshold NAME default",
        "/threshold Green tea 3",
        admin=True,
    ),
    Command("stats", "Shop statistics", "/stats", "/stats", admin=True),
    Command("check", "Run the daily check now", "/check", "/check", admin=True),
    Command("invite", "Invite a member of staff", "/invite", "/invite", admin=True),
)
OUTSIDE_SHOP = (
    Command("start", "Open your shop, or join one", "/start [CODE]", "/start"),
    Command("join", "Join a shop with an invite code", "/join CODE", "/join Xy12ab34Cd56"),
)
BY_NAME = {command.name: command for command in COMMANDS + OUTSIDE_SHOP}


def usage_line(name: str) -> str:
    """`Usage: /add NAME N, e.g. /add Green tea 10` for a command."""
    command = BY_NAME[name]
    return f"Usage: {command.usage}, e.g. {command.example}"


def menu(*, admin: bool) -> list[BotCommand]:
    """The menu of a member: staff see the shared commands, admins theirs too."""
    shown = [command for command in COMMANDS if admin or not command.admin]
    return [BotCommand(command.name, command.menu) for command in shown]


def default_menu() -> list[BotCommand]:
    """The menu everybody sees by default: /start, then the staff commands."""
    return [BotCommand("start", OUTSIDE_SHOP[0].menu), *menu(admin=False)]


async def set_default_menu(bot: Bot) -> None:
    """Register the default (staff) menu with Telegram; without it the bot still works."""
    try:
        await bot.set_my_commands(default_menu())
    except TelegramError as error:
        log.warning("Could not set the command menu: %s", error)


async def set_admin_menu(bot: Bot, chat_id: int) -> None:
    """Give an admin's chat the admin menu; a failure only costs the menu, so it is logged."""
    try:
        await bot.set_my_commands(menu(admin=True), scope=BotCommandScopeChat(chat_id))
    except TelegramError as error:
        log.warning("Could not set the admin menu for chat %s: %s", chat_id, error)
