"""The command registry agrees with what the running bot offers: its command handlers,
/help for each role and Telegram's menus."""

from __future__ import annotations

from typing import Any

from telegram.ext import CommandHandler

from bot.commands import ADMIN_MENU, BY_NAME, COMMANDS, DEFAULT_MENU, Role, Section
from tests.bot.harness import ADMIN, STAFF, Shopfront

# The menus as users see them today, in their order.
STAFF_MENU = [
    *("stock", "item", "chart", "add", "received", "ordered", "remove", "set", "additem"),
    *("alerts", "alert", "resolve", "ack"),
    "snooze",
    *("prefs", "email", "whatsapp", "verify", "notify", "quiet", "leave", "cancel", "help"),
]
TEAM_ADMIN = ["members", "dismiss", "promote", "demote", "invites", "revoke"]
ADMIN_ONLY = [
    "delitem",
    "mute",
    "unmute",
    "threshold",
    "stats",
    "check",
    "invite",
    "timezone",
    "escalate",
    "apikey",
    "sku",
    "connect",
    "setup",
    *TEAM_ADMIN,
]


def help_body(roles: tuple[Role, ...]) -> list[str]:
    """The sections /help should show for these roles, as plain text lines."""
    lines = []
    for section in Section:
        shown = [c for c in COMMANDS if c.section is section and c.role in roles]
        if shown:
            lines += ["", section.value, *(f"{c.example} · {c.menu}" for c in shown)]
    return lines


def test_each_command_is_declared_once_with_its_own_usage_and_example() -> None:
    assert len(BY_NAME) == len(COMMANDS)
    for command in COMMANDS:
        assert command.usage.startswith(f"/{command.name}"), command.name
        assert command.example.startswith(f"/{command.name}"), command.name
        assert command.section is None or command.menu is not None, command.name


def test_admin_commands_are_the_admin_section_and_the_team_section_but_leave() -> None:
    admin = [c.name for c in COMMANDS if c.role is Role.ADMIN]
    team = [c.name for c in COMMANDS if c.section is Section.TEAM]
    in_admin_section = [c.name for c in COMMANDS if c.section is Section.ADMIN]

    assert admin == ADMIN_ONLY
    assert team == ["leave", *TEAM_ADMIN]
    assert in_admin_section == [name for name in ADMIN_ONLY if name not in TEAM_ADMIN]
    assert all(c.section is None for c in COMMANDS if c.role is Role.OUTSIDE)


async def test_every_command_handler_has_an_entry_and_every_entry_a_handler(
    shopfront: Shopfront,
) -> None:
    registered = [
        handler
        for group in shopfront.app.handlers.values()
        for handler in group
        if isinstance(handler, CommandHandler)
    ]

    assert all(len(handler.commands) == 1 for handler in registered)
    by_name: dict[str, list[CommandHandler[Any, Any]]] = {}
    for handler in registered:
        by_name.setdefault(next(iter(handler.commands)), []).append(handler)
    assert sorted(by_name) == sorted(BY_NAME)
    for name, handlers in by_name.items():
        # A private-only command has a second handler: "send me this privately" in groups.
        assert len(handlers) == (2 if BY_NAME[name].private_only else 1), name
        assert handlers[0].callback.__wrapped__ is BY_NAME[name].handler, name


async def test_help_lists_exactly_the_member_commands_with_their_lines(
    shopfront: Shopfront,
) -> None:
    await shopfront.shop_with_staff()

    staff = ((await shopfront.say(STAFF, "/help")).plain_text or "").split("\n")
    admin = ((await shopfront.say(ADMIN, "/help")).plain_text or "").split("\n")

    footer = ["", "Names may contain spaces: the number comes last."]
    footer.append("/cancel leaves a question; /help shows this again.")
    assert staff == ["Ann's shop · you are staff", *help_body((Role.MEMBER,)), *footer]
    assert admin == ["Ann's shop · you are admin", *help_body((Role.MEMBER, Role.ADMIN)), *footer]
    # The member commands /help has no section for are the ones its last line names.
    unlisted = [c.name for c in COMMANDS if c.role is not Role.OUTSIDE and c.section is None]
    assert unlisted == ["cancel", "help"]


async def test_the_menus_show_each_role_its_commands(shopfront: Shopfront) -> None:
    await shopfront.shop_with_staff()

    everyone = shopfront.api.commands()
    admin = shopfront.api.commands({"type": "chat", "chat_id": ADMIN})

    assert [c["command"] for c in everyone] == ["start", *STAFF_MENU]
    assert [c["command"] for c in admin] == [*STAFF_MENU, *ADMIN_ONLY]
    for menu, roles in ((everyone, DEFAULT_MENU), (admin, ADMIN_MENU)):
        for shown in menu:
            command = BY_NAME[shown["command"]]
            assert shown["description"] == command.menu
            assert command.role in roles
    assert shopfront.api.commands({"type": "chat", "chat_id": STAFF}) == []
