"""Friendly answers to what is not a known command, and failures told without internals."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import build_application
from core.db.session import Database, create_db_engine
from core.settings import Settings
from tests.bot.harness import ADMIN, STRANGER, Shopfront, serving
from tests.fakes.telegram_api import BOT_USERNAME, FakeBotApi

SORRY = "Sorry, something went wrong on my side."


async def test_an_unknown_command_points_to_help(shopfront: Shopfront) -> None:
    await shopfront.open_shop()

    reply = await shopfront.say(ADMIN, "/frobnicate Green tea 3")
    addressed = await shopfront.say(ADMIN, f"/frobnicate@{BOT_USERNAME}")

    assert reply.plain_text == "I don't know /frobnicate. Send /help to see what I can do."
    assert addressed.plain_text == reply.plain_text


async def test_plain_text_points_to_the_commands(shopfront: Shopfront) -> None:
    await shopfront.open_shop()

    reply = await shopfront.say(ADMIN, "how much green tea do we have?")

    assert "I work with commands, like /stock or /add Green tea 10." in (reply.plain_text or "")


async def test_a_photo_gets_a_friendly_answer(shopfront: Shopfront) -> None:
    await shopfront.open_shop()
    marker = shopfront.api.mark()

    shopfront.api.send_photo_message(ADMIN, caption="/add Green tea 5")
    reply = await shopfront.api.await_message(ADMIN, after=marker)

    assert reply.plain_text == "I only read text. Send /help to see my commands."


async def test_unknown_commands_and_text_from_strangers_say_how_to_join(
    shopfront: Shopfront,
) -> None:
    command = await shopfront.say(STRANGER, "/frobnicate")
    text = await shopfront.say(STRANGER, "hello")

    for reply in (command, text):
        assert (reply.plain_text or "").startswith("You are not in a shop yet. Send /start")


async def test_start_in_a_group_asks_for_a_private_chat(shopfront: Shopfront) -> None:
    marker = shopfront.api.mark()
    shopfront.api.create_group(-1000000000777, supergroup=True)

    shopfront.api.send_message(ADMIN, f"/start@{BOT_USERNAME}", chat_id=-1000000000777)
    reply = await shopfront.api.await_message(-1000000000777, after=marker)

    assert reply.plain_text == (
        f"🔒 Send me this privately: open @{BOT_USERNAME} and send it there."
    )
    assert shopfront.sql("SELECT count(*) FROM shops") == [(0,)]


async def test_a_failed_reply_is_logged_with_its_update_and_the_user_told(
    shopfront: Shopfront, caplog: pytest.LogCaptureFixture
) -> None:
    await shopfront.open_shop()
    shopfront.api.fail_next("sendMessage", error_code=500, description="Internal Server Error")
    marker = shopfront.api.mark()

    update = shopfront.send(ADMIN, "/additem Green tea 5")
    reply = await shopfront.api.await_message(ADMIN, after=marker)

    assert (reply.plain_text or "").startswith(SORRY)
    assert "check with /stock or /item" in (reply.plain_text or "")
    failures = [r for r in caplog.records if r.getMessage().startswith("Handling update")]
    assert [r.getMessage() for r in failures] == [f"Handling update {update['update_id']} failed"]
    assert failures[0].exc_info is not None
    assert shopfront.api.token not in caplog.text


@pytest.fixture
async def broken_database(
    bot_api: FakeBotApi, settings: Settings, tmp_path: Path
) -> AsyncIterator[Shopfront]:
    """The bot on a database that has no tables: every core call fails."""
    database = Database(create_db_engine(f"sqlite:///{tmp_path / 'empty.db'}"))
    application = build_application(settings, database, delivery=None)
    async with serving(application, poll_timeout=5):
        yield Shopfront(bot_api, application, database)


async def test_a_database_failure_is_told_without_internals(
    broken_database: Shopfront, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)

    reply = await broken_database.say(ADMIN, "/stock")

    assert (reply.plain_text or "").startswith(SORRY)
    for internal in ("sqlite", "table", "members", "Error", "Traceback"):
        assert internal not in (reply.plain_text or "")
    assert "no such table" in caplog.text
