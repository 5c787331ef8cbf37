"""The embedded default: the same bot on SQLite behaves as on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from itertools import pairwise

import pytest

from bot.app import build_application
from core.db.session import Database
from tests.bot.harness import ADMIN, STAFF, Shopfront, bot_settings, serving
from tests.fakes.telegram_api import FakeBotApi


@pytest.fixture
async def on_sqlite(bot_api: FakeBotApi, sqlite_db: Database) -> AsyncIterator[Shopfront]:
    """The bot on a migrated SQLite file."""
    settings = bot_settings(bot_api, str(sqlite_db.engine.url))
    application = build_application(settings, sqlite_db, delivery=None)
    async with serving(application, poll_timeout=5):
        yield Shopfront(bot_api, application, sqlite_db)


async def test_a_shop_works_the_same_on_sqlite(on_sqlite: Shopfront) -> None:
    await on_sqlite.shop_with_staff()
    await on_sqlite.say(STAFF, "/additem Green tea 24")

    low = await on_sqlite.say(STAFF, "/remove GREEN tea 21")
    refused = await on_sqlite.say(STAFF, "/remove Green tea 4")
    alerts = await on_sqlite.say(ADMIN, "/alerts")
    done = await on_sqlite.say(ADMIN, "/resolve Green tea")

    assert "Alert #1 is raised" in (low.plain_text or "")
    assert refused.plain_text == "⚠️ Only 3 of “Green tea” in stock: cannot take out 4."
    assert "#1 Green tea: 3 left, below the threshold of 5" in (alerts.plain_text or "")
    assert (done.plain_text or "").startswith("✅ Alert #1 for Green tea is resolved.")
    assert on_sqlite.quantity("Green tea") == 3
    assert on_sqlite.sql("SELECT resolution FROM alerts") == [("manual",)]


async def test_two_chats_keep_their_order_on_sqlite(on_sqlite: Shopfront) -> None:
    await on_sqlite.shop_with_staff()
    await on_sqlite.say(ADMIN, "/additem Green tea 0 0")
    marker = on_sqlite.api.mark()

    for value in range(1, 11):
        on_sqlite.send(ADMIN, f"/set Green tea {value}")
        on_sqlite.send(STAFF, f"/add Green tea {value}")
    await on_sqlite.api.await_messages(ADMIN, 10, after=marker)
    staff = await on_sqlite.api.await_messages(STAFF, 10, after=marker)

    assert [(r.plain_text or "").split(":")[0] for r in staff] == [
        f"✅ Received {value} Green tea" for value in range(1, 11)
    ]
    history = on_sqlite.sql("SELECT delta, quantity_after FROM movements ORDER BY id")
    # The ledger chains: each change starts from the quantity the previous one left.
    for (_, before), (delta, after) in pairwise(history):
        assert after - delta == before
    assert on_sqlite.quantity("Green tea") == history[-1][1]
