"""The bot, built by the code `stockbot run` uses, running against the local Bot API server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import build_application
from core.db.session import Database
from core.settings import Settings
from tests.bot.harness import Shopfront, bot_settings, serving
from tests.fakes.telegram_api import FakeBotApi


@pytest.fixture
def settings(bot_api: FakeBotApi, postgres_url: str) -> Settings:
    """Settings pointing the bot at the fake Bot API and the test database."""
    return bot_settings(bot_api, postgres_url)


@pytest.fixture
async def shopfront(
    bot_api: FakeBotApi, settings: Settings, pg_db: Database
) -> AsyncIterator[Shopfront]:
    """The bot running in this test's event loop, without the delivery relay (no pushes to
    interleave with replies); tests/e2e runs it with the relay."""
    application = build_application(settings, pg_db, delivery=None)
    async with serving(application, poll_timeout=5):
        await bot_api.await_polled()
        yield Shopfront(bot_api, application, pg_db)


@pytest.fixture
async def with_channels(
    bot_api: FakeBotApi, postgres_url: str, pg_db: Database
) -> AsyncIterator[Shopfront]:
    """The bot with email and WhatsApp configured."""
    settings = bot_settings(
        bot_api,
        postgres_url,
        smtp_host="127.0.0.1",
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token="secret-twilio-token",
        twilio_whatsapp_from="whatsapp:+14155550000",
    )
    application = build_application(settings, pg_db, delivery=None)
    async with serving(application, poll_timeout=5):
        yield Shopfront(bot_api, application, pg_db)
