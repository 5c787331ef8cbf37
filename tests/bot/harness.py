"""Drive the real bot through the local Bot API server, as Telegram users would."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from bot.app import ALLOWED_UPDATES
from bot.context import App
from core.db.session import Database
from core.settings import Settings, load_settings
from tests.fakes.telegram_api import FakeBotApi, SentMessage

ADMIN = 1000
STAFF = 2000
OTHER_ADMIN = 3000
STRANGER = 4000
NAMES = {ADMIN: "Ann", STAFF: "Sam", OTHER_ADMIN: "Olga", STRANGER: "Stan"}

INVITE_CODE = re.compile(r"/join (\S+)")


@asynccontextmanager
async def serving(application: App, *, poll_timeout: int = 10) -> AsyncIterator[App]:
    """Run the application inside an already running event loop, as run_polling would."""
    await application.initialize()
    try:
        assert application.post_init is not None
        assert application.updater is not None
        await application.post_init(application)
        await application.updater.start_polling(
            timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES
        )
        await application.start()
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()
            assert application.post_stop is not None
            await application.post_stop(application)
    finally:
        await application.shutdown()
        assert application.post_shutdown is not None
        await application.post_shutdown(application)


def bot_settings(api: FakeBotApi, database_url: str, **overrides: Any) -> Settings:
    """Settings for a bot pointed at the fake; nothing read from a .env file."""
    values: dict[str, Any] = {
        "_env_file": None,
        "telegram_bot_token": api.token,
        "telegram_api_base_url": api.base_url,
        "database_url": database_url,
        "alert_timezone": "UTC",
        "alert_check_time": "09:00",
        "smtp_host": None,
        "twilio_account_sid": None,
        "log_level": "INFO",
    }
    values.update(overrides)
    return load_settings(**values)


@dataclass
class Shopfront:
    """The running bot, the fake Telegram it talks to, and its database."""

    api: FakeBotApi
    app: App
    db: Database

    def send(self, user: int, message: str) -> dict[str, Any]:
        """A user sends a message (a /command gets its bot_command entity)."""
        return self.api.send_message(user, message, first_name=NAMES.get(user, "Test"))

    async def say(self, user: int, message: str) -> SentMessage:
        """Send a message and return the bot's first message to that chat after it."""
        marker = self.api.mark()
        self.send(user, message)
        return await self.api.await_message(user, after=marker)

    async def say_all(self, user: int, message: str, count: int) -> list[SentMessage]:
        """Send a message and return the bot's next `count` messages to that chat."""
        marker = self.api.mark()
        self.send(user, message)
        return await self.api.await_messages(user, count, after=marker)

    async def press(self, user: int, message: SentMessage, label: str) -> dict[str, Any]:
        """Press the button whose text contains label; returns the bot's answer to the query."""
        data = message.callback_data(label)
        return await self.press_data(user, message.message_id, data)

    async def press_data(
        self, user: int, message_id: int, data: str, *, chat_id: int | None = None
    ) -> dict[str, Any]:
        """Press a button by its callback data (forged when the message has no such button)."""
        current = self.api.current(chat_id or user, message_id)
        rows = current.get("reply_markup", {}).get("inline_keyboard", [])
        offered = {button.get("callback_data") for row in rows for button in row}
        query = self.api.press_button(
            user, message_id, data, chat_id=chat_id, forged=data not in offered
        )
        return await self.api.await_callback_answer(query)

    async def open_shop(self, admin: int = ADMIN) -> SentMessage:
        """The admin sends /start and gets a new shop."""
        return await self.say(admin, "/start")

    async def invite_code(self, admin: int = ADMIN) -> str:
        """An invite code from /invite."""
        reply = await self.say(admin, "/invite")
        match = INVITE_CODE.search(reply.plain_text or "")
        assert match, reply.plain_text
        return match.group(1)

    async def join(self, user: int = STAFF, admin: int = ADMIN) -> SentMessage:
        """The user joins the admin's shop through the invite's deep link."""
        return await self.say(user, f"/start {await self.invite_code(admin)}")

    async def shop_with_staff(self) -> None:
        """Ann's shop with Sam as staff."""
        await self.open_shop()
        await self.join()

    def queued_code(self, user: int) -> str:
        """The code of the user's latest queued verification message, read from the outbox."""
        rows = self.sql(
            "SELECT n.payload FROM notifications n JOIN members m ON m.id = n.member_id"
            " WHERE m.telegram_user_id = :user AND n.kind = 'verification'"
            " ORDER BY n.id DESC LIMIT 1",
            user=user,
        )
        assert rows, f"no code was queued for {user}"
        payload = rows[0][0]
        return str((json.loads(payload) if isinstance(payload, str) else payload)["code"])

    async def verified(self, user: int, command: str) -> SentMessage:
        """Set an address (`/email ADDRESS` or `/whatsapp +NUMBER`) and verify it with the
        code queued for it; the reply to /verify."""
        await self.say(user, command)
        return await self.say(user, f"/verify {self.queued_code(user)}")

    def sql(self, query: str, **params: Any) -> list[Any]:
        """Rows of a read-only query, to check what the database holds."""
        with self.db.engine.connect() as connection:
            return list(connection.execute(text(query), params))

    def quantity(self, name: str) -> int | None:
        """The stored quantity of a live item, or None."""
        rows = self.sql(
            "SELECT quantity FROM items WHERE name = :name AND deleted_at IS NULL", name=name
        )
        return rows[0][0] if rows else None

    def state(self) -> dict[str, list[Any]]:
        """Everything a command could change, to assert that a refused one changed nothing."""
        tables = {
            "shops": "SELECT id, name, default_threshold FROM shops ORDER BY id",
            "members": "SELECT id, shop_id, role, email, whatsapp, notify, email_verified_at,"
            " whatsapp_verified_at FROM members ORDER BY id",
            "verification_codes": "SELECT id, address, wrong_tries, closed_as"
            " FROM verification_codes ORDER BY id",
            "items": "SELECT id, name, quantity, threshold, deleted_at FROM items ORDER BY id",
            "movements": "SELECT id FROM movements ORDER BY id",
            "alerts": "SELECT id, resolved_at, resolution FROM alerts ORDER BY id",
            "invites": "SELECT id, used_at FROM invites ORDER BY id",
            "notifications": "SELECT id, status FROM notifications ORDER BY id",
        }
        return {name: [tuple(row) for row in self.sql(query)] for name, query in tables.items()}
