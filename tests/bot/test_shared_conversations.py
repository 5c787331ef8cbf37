"""Conversations live in the database (SPEC 5): a question one bot process asked is
answered through another process on the same database, and a long search's page buttons
work there too."""

from __future__ import annotations

from bot.app import build_application
from core.db.session import Database
from core.settings import Settings
from tests.bot.harness import ADMIN, Shopfront, serving
from tests.fakes.telegram_api import FakeBotApi


async def _another_process(bot_api: FakeBotApi, settings: Settings, pg_db: Database) -> Shopfront:
    return Shopfront(bot_api, build_application(settings, pg_db, delivery=None), pg_db)


async def test_a_question_asked_by_one_process_is_answered_through_another(
    bot_api: FakeBotApi, settings: Settings, pg_db: Database
) -> None:
    first = await _another_process(bot_api, settings, pg_db)
    async with serving(first.app, poll_timeout=1):
        await first.open_shop()
        asked = await first.say(ADMIN, "/additem")
    assert "What is the new item called?" in (asked.plain_text or "")

    second = await _another_process(bot_api, settings, pg_db)
    async with serving(second.app, poll_timeout=1):
        question = await second.say(ADMIN, "Earl Grey")
        done = await second.say(ADMIN, "12")

    assert "How many Earl Grey are in stock now?" in (question.plain_text or "")
    assert "Added Earl Grey: 12 in stock" in (done.plain_text or "")
    assert second.quantity("Earl Grey") == 12
    assert second.sql("SELECT count(*) FROM open_questions") == [(0,)]


async def test_a_long_searchs_next_page_turns_in_another_process(
    bot_api: FakeBotApi, settings: Settings, pg_db: Database
) -> None:
    # Too long for a button's 64 bytes of data: the button carries the kept search's id.
    search = "Tea from the high mountain gardens of the far north"
    first = await _another_process(bot_api, settings, pg_db)
    async with serving(first.app, poll_timeout=1):
        await first.open_shop()
        for n in range(25):
            await first.say(ADMIN, f"/additem {search} {chr(97 + n)} 5")
        listed = await first.say(ADMIN, f"/stock {search}")
    assert "(25) · page 1 of 2" in (listed.plain_text or "")
    assert len(listed.callback_data("Next")) <= 64
    assert first.sql("SELECT text FROM list_searches") == [(search,)]

    second = await _another_process(bot_api, settings, pg_db)
    async with serving(second.app, poll_timeout=1):
        await second.press(ADMIN, listed, "Next")
        shown = bot_api.current(ADMIN, listed.message_id)

    assert f"{search} y" in shown["text"]
    assert "page 2 of 2" in shown["text"]
