"""End to end: the bot with its delivery relay, or `stockbot run` itself, against the fakes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import build_application
from core.db.session import Database
from tests.bot.harness import Shopfront, bot_settings, serving
from tests.fakes.telegram_api import FakeBotApi


@pytest.fixture
async def live(bot_api: FakeBotApi, postgres_url: str, pg_db: Database) -> AsyncIterator[Shopfront]:
    """The bot exactly as `stockbot run` builds it, delivery relay included."""
    application = build_application(bot_settings(bot_api, postgres_url), pg_db)
    async with serving(application, poll_timeout=5):
        await bot_api.await_polled()
        yield Shopfront(bot_api, application, pg_db)


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22 warns on every RetryAfter unless it may use timedelta, and warnings are errors here.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
