"""Every chat command, declared once: its handler, who may use it, its /help section, its line
in Telegram's menu, its usage and an example. The application's command handlers, the menus
and /help are built from this table alone.

Who may use a command is the core's to enforce (it refuses staff an admin command); here it
decides which menu and which /help show the command."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import Enum

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from bot.handlers import (
    admin,
    alerts,
    apikeys,
    charts,
    handling,
    items,
    onboarding,
    orders,
    pos,
    prefs,
    room,
    stock_list,
    team,
)
from bot.handlers.common import Handler, guarded
from bot.texts.common import usage_line
from bot.texts.onboarding import HelpSection

log = logging.getLogger("stockbot.bot")


class Role(Enum):
    """Who a command is for."""

    OUTSIDE = "outside a shop"  # anyone, before joining a shop too
    MEMBER = "member"  # staff and admins
    ADMIN = "admin"


class Section(Enum):
    """The sections of /help, in the order it shows them."""

    STOCK = "Stock"
    ALERTS = "Alerts"
    YOURS = "Your alerts"
    TEAM = "Team"
    ADMIN = "Admin"


@dataclass(frozen=True)
class Command:
    name: str
    handler: Handler
    role: Role
    section: Section | None  # None: /help does not list it
    menu: str | None  # its line in the menu, and in /help; None: not in the menu
    usage: str
    example: str
    keeps_question: bool = False  # an open question survives it (for /cancel to answer)
    # In a group it answers "send me this privately": codes, addresses, personal settings.
    private_only: bool = False

    @property
    def usage_line(self) -> str:
        """`Usage: /add NAME N, e.g. /add Green tea 10`."""
        return usage_line(self.usage, self.example)

    def callback(self) -> Handler:
        """The handler as the application calls it: refusals replied, with the usage line;
        in a group, only for members of the shop whose room it is."""
        return guarded(
            self.handler,
            self.usage_line,
            keeps_question=self.keeps_question,
            in_groups=self.role is not OUTSIDE and self.name != "setup",
        )


OUTSIDE, MEMBER, ADMIN = Role.OUTSIDE, Role.MEMBER, Role.ADMIN
STOCK, ALERTS, YOURS = Section.STOCK, Section.ALERTS, Section.YOURS

# In menu order; each /help section lists its commands in this order too.
# fmt: off
COMMANDS = (
    Command("start", onboarding.start, OUTSIDE, None,
            "Open your shop, or join one", "/start [CODE]", "/start", private_only=True),
    Command("join", onboarding.join, OUTSIDE, None,
            None, "/join CODE", "/join Xy12ab34Cd56", private_only=True),
    Command("stock", stock_list.stock, MEMBER, STOCK,
            "List items; also /stock low or /stock tea", "/stock [low|TEXT]", "/stock"),
    Command("item", items.item, MEMBER, STOCK,
            "One item with its history", "/item NAME", "/item Green tea"),
    Command("chart", charts.chart, MEMBER, STOCK,
            "A picture of an item's stock over time", "/chart NAME [7d|30d|90d]",
            "/chart Green tea 90d"),
    Command("add", items.add, MEMBER, STOCK,
            "Receive stock (restock)", "/add NAME N", "/add Green tea 10"),
    Command("received", items.add, MEMBER, STOCK,
            "An order arrived: same as /add", "/received NAME N", "/received Green tea 48"),
    Command("ordered", orders.ordered, MEMBER, STOCK,
            "Record an order (or off)", "/ordered NAME [QTY] [DATE] or /ordered NAME off",
            "/ordered Green tea 48 fri"),
    Command("remove", items.remove, MEMBER, STOCK,
            "Take stock out (sold, used)", "/remove NAME N", "/remove Green tea 2"),
    Command("set", items.set_quantity, MEMBER, STOCK,
            "Set the counted quantity", "/set NAME QTY", "/set Green tea 18"),
    Command("additem", items.additem, MEMBER, STOCK,
            "Add a new item", "/additem NAME QTY [THRESHOLD]", "/additem Green tea 24"),
    Command("alerts", alerts.list_alerts, MEMBER, ALERTS,
            "Open alerts; /alerts all for history", "/alerts [all]", "/alerts"),
    Command("alert", alerts.show_alert, MEMBER, ALERTS,
            "One alert's details", "/alert ID", "/alert 12"),
    Command("resolve", alerts.resolve, MEMBER, ALERTS,
            "Close an alert by hand", "/resolve ID or /resolve NAME", "/resolve 12"),
    Command("ack", handling.ack, MEMBER, ALERTS,
            "I'm on it: take an alert", "/ack ID or /ack NAME", "/ack 12"),
    Command("snooze", handling.snooze, MEMBER, ALERTS,
            "No reminders of an alert for a while", "/snooze ID|NAME 4h|2d|tomorrow|off",
            "/snooze 12 2d"),
    Command("prefs", prefs.prefs, MEMBER, YOURS,
            "Your alert settings", "/prefs", "/prefs", private_only=True),
    Command("email", prefs.email, MEMBER, YOURS,
            "Alert email, or off", "/email ADDRESS or /email off", "/email me@shop.com",
            private_only=True),
    Command("whatsapp", prefs.whatsapp, MEMBER, YOURS,
            "Alert WhatsApp number, or off", "/whatsapp +NUMBER or /whatsapp off",
            "/whatsapp +14155550123", private_only=True),
    Command("verify", prefs.verify, MEMBER, YOURS,
            "Confirm a new email or number with its code", "/verify CODE", "/verify 123456",
            private_only=True),
    Command("notify", prefs.notify, MEMBER, YOURS,
            "Turn your alerts on or off (private: also here while there is a room)",
            "/notify on|off or /notify private on|off", "/notify off"),
    Command("quiet", prefs.quiet, MEMBER, YOURS,
            "Quiet hours: no sound, email waits", "/quiet HH:MM-HH:MM or /quiet off",
            "/quiet 21:00-07:30"),
    Command("leave", team.leave, MEMBER, Section.TEAM,
            "Leave the shop (asks first)", "/leave", "/leave", private_only=True),
    Command("cancel", onboarding.cancel, MEMBER, None,
            "Leave a question", "/cancel", "/cancel", keeps_question=True),
    Command("help", onboarding.help_command, MEMBER, None,
            "What I can do", "/help", "/help"),
    Command("delitem", items.delitem, ADMIN, Section.ADMIN,
            "Delete an item", "/delitem NAME", "/delitem Green tea"),
    Command("mute", items.mute, ADMIN, Section.ADMIN,
            "Stop an item's alerts", "/mute NAME", "/mute Pumpkin spice"),
    Command("unmute", items.unmute, ADMIN, Section.ADMIN,
            "Turn an item's alerts back on", "/unmute NAME", "/unmute Pumpkin spice"),
    Command("threshold", admin.threshold, ADMIN, Section.ADMIN,
            "Alert thresholds", "/threshold N, /threshold NAME N or /threshold NAME default",
            "/threshold Green tea 3"),
    Command("stats", admin.show_stats, ADMIN, Section.ADMIN,
            "Shop statistics", "/stats", "/stats"),
    Command("check", admin.run_check, ADMIN, Section.ADMIN,
            "Run the daily check now", "/check", "/check"),
    Command("invite", admin.invite, ADMIN, Section.ADMIN,
            "Invite a member of staff", "/invite", "/invite", private_only=True),
    Command("timezone", admin.timezone, ADMIN, Section.ADMIN,
            "The shop's time zone", "/timezone [ZONE]", "/timezone Europe/Berlin"),
    Command("escalate", admin.escalate, ADMIN, Section.ADMIN,
            "Unhandled alerts to the admins", "/escalate DURATION or /escalate off",
            "/escalate 4h"),
    Command("apikey", apikeys.apikey, ADMIN, Section.ADMIN,
            "Keys for the HTTP API", "/apikey new NAME [read|write], /apikey list or "
            "/apikey revoke ID", "/apikey new Till write", private_only=True),
    Command("sku", pos.sku, ADMIN, Section.ADMIN,
            "An item's point-of-sale code (or off)", "/sku NAME CODE or /sku NAME off",
            "/sku Green tea GT-250"),
    Command("connect", pos.connect, ADMIN, Section.ADMIN,
            "Point-of-sale webhooks", "/connect shopify|square SECRET, /connect list or "
            "/connect off NAME", "/connect list", private_only=True),
    Command("setup", room.setup, ADMIN, Section.ADMIN,
            "Make this group the shop's room (or off)", "/setup or /setup off", "/setup"),
    Command("members", team.list_members, ADMIN, Section.TEAM,
            "Everyone in the shop, numbered", "/members", "/members"),
    Command("dismiss", team.dismiss, ADMIN, Section.TEAM,
            "Remove a member from the shop", "/dismiss MEMBER", "/dismiss 3"),
    Command("promote", team.promote, ADMIN, Section.TEAM,
            "Make a member an admin", "/promote MEMBER", "/promote @anna"),
    Command("demote", team.demote, ADMIN, Section.TEAM,
            "Make an admin staff", "/demote MEMBER", "/demote 2"),
    Command("invites", team.list_invites, ADMIN, Section.TEAM,
            "Invites not used yet", "/invites", "/invites", private_only=True),
    Command("revoke", team.revoke, ADMIN, Section.TEAM,
            "Make an invite stop working", "/revoke CODE", "/revoke Xy12ab34Cd56",
            private_only=True),
)
# fmt: on
BY_NAME = {command.name: command for command in COMMANDS}

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


def help_sections(*, admin: bool) -> list[HelpSection]:
    """/help's sections for staff or for an admin, each command with its example and line."""
    roles = (MEMBER, ADMIN) if admin else (MEMBER,)
    sections: list[HelpSection] = []
    for section in Section:
        shown = [
            (command.example, command.menu)
            for command in COMMANDS
            if command.section is section and command.role in roles and command.menu is not None
        ]
        if shown:
            sections.append((section.value, shown))
    return sections


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
