"""A run over every channel, logged at DEBUG, leaks no secret and no full address."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.app import build_application
from bot.logging_setup import QUIET_LOGGERS, configure_logging
from core.db.session import Database
from tests.bot.harness import ADMIN, Shopfront, serving
from tests.delivery.conftest import delivery_settings
from tests.fakes.smtp import SmtpSink
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.twilio_api import FakeTwilioApi

SMTP_PASSWORD = "gmail-app-password-4242"
EMAIL, PHONE = "ann.shop@example.com", "+14155550123"


class Everything(logging.Handler):
    """Keeps a copy of every record as the root logger receives it, before any redaction."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(logging.makeLogRecord(record.__dict__))

    def text(self, prefixes: tuple[str, ...]) -> str:
        """Messages of these loggers with arguments and exceptions, as a log file shows them."""
        formatter = logging.Formatter("%(name)s %(message)s")
        return "\n".join(
            formatter.format(record) for record in self.records if record.name.startswith(prefixes)
        )


@pytest.fixture
def captured() -> Iterator[Everything]:
    """A raw handler on the root logger; logging is put back as it was afterwards."""
    root = logging.getLogger()
    saved = (
        root.level,
        list(root.handlers),
        {n: logging.getLogger(n).level for n in QUIET_LOGGERS},
    )
    handler = Everything()
    yield handler
    root.removeHandler(handler)
    root.setLevel(saved[0])
    for each in list(root.handlers):
        if each not in saved[1]:
            root.removeHandler(each)
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)
    logging.captureWarnings(False)


async def test_a_debug_log_of_every_channel_holds_no_secret_and_no_full_address(
    bot_api: FakeBotApi,
    twilio_api: FakeTwilioApi,
    postgres_url: str,
    pg_db: Database,
    captured: Everything,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    twilio_api.reject_number(PHONE)  # an error path too: Twilio's answer quotes the number
    with SmtpSink(username="ann.shop@example.com", password=SMTP_PASSWORD) as smtp:
        settings = delivery_settings(
            bot_api, smtp=smtp, twilio=twilio_api, database_url=postgres_url, log_level="DEBUG"
        )
        output = io.StringIO()
        configure_logging(settings, stream=output)
        # First in line, so it sees each record before the redacting filter rewrites it.
        logging.getLogger().handlers.insert(0, captured)
        application = build_application(settings, Database(pg_db.engine, pg_db.config))
        async with serving(application, poll_timeout=5):
            shop = Shopfront(bot_api, application, pg_db)
            await bot_api.await_polled()
            await shop.open_shop()
            await shop.say(ADMIN, f"/email {EMAIL}")
            await shop.say(ADMIN, f"/whatsapp {PHONE}")
            await shop.say(ADMIN, "/additem Tea 1")
            await bot_api.await_message(ADMIN, contains="Low stock")
            await smtp.await_messages(1)
            await application.bot_data.delivery.wait_settled(3)

    written = output.getvalue()
    assert "via whatsapp to +1******0123" in written
    assert "code 21211" in written
    secrets = (bot_api.token, bot_api.token.partition(":")[2], SMTP_PASSWORD, twilio_api.auth_token)
    assert not [secret for secret in secrets if secret in written]
    # Our own code never needs the redacting filter: its raw records hold no secret either,
    # and name recipients masked only.
    ours = captured.text(prefixes=("stockbot", "core", "bot"))
    assert "notification" in ours
    assert not [secret for secret in secrets if secret in ours]
    delivery = [line for line in ours.splitlines() if line.startswith("stockbot.delivery")]
    assert delivery
    assert not [line for line in delivery if EMAIL in line or PHONE in line]
