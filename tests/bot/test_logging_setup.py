"""Logs never hold a secret of the settings, however it gets into a record."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from bot.logging_setup import REDACTED, configure_logging
from core.settings import Settings, load_settings

TOKEN = "123456:AAH-secret-part-of-the-token"
PASSWORD = "smtp-app-password"
TWILIO = "twilio-auth-token"


@pytest.fixture
def settings() -> Settings:
    return load_settings(
        _env_file=None,
        telegram_bot_token=TOKEN,
        smtp_password=PASSWORD,
        twilio_auth_token=TWILIO,
        log_level="DEBUG",
    )


@contextmanager
def captured(settings: Settings) -> Iterator[io.StringIO]:
    """Logging configured as `stockbot` does it, into a string; undone afterwards."""
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = configure_logging(settings, stream)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        logging.captureWarnings(False)


@pytest.fixture
def log(settings: Settings) -> Iterator[io.StringIO]:
    with captured(settings) as stream:
        yield stream


def test_secrets_in_messages_arguments_and_tracebacks_are_redacted(log: io.StringIO) -> None:
    logger = logging.getLogger("stockbot.test")
    logger.info("Calling https://api.telegram.org/bot%s/getMe", TOKEN)
    logger.warning("SMTP login with %r failed", PASSWORD)
    logger.info(f"Twilio said: bad auth {TWILIO}")
    try:
        raise RuntimeError(f"rejected token AAH-secret-part-of-the-token and {PASSWORD}")
    except RuntimeError:
        logger.exception("Sending failed")

    written = log.getvalue()
    assert f"https://api.telegram.org/bot{REDACTED}/getMe" in written
    for secret in (TOKEN, "AAH-secret-part-of-the-token", PASSWORD, TWILIO):
        assert secret not in written
    assert written.count(REDACTED) >= 5
    assert "RuntimeError: rejected token" in written


def test_http_clients_stay_quiet_because_their_urls_hold_the_token(log: io.StringIO) -> None:
    logging.getLogger("httpx").info("HTTP Request: POST https://api.telegram.org/bot%s", TOKEN)

    assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
    assert "HTTP Request" not in log.getvalue()


def test_the_database_password_is_a_secret_too() -> None:
    settings = load_settings(
        _env_file=None, database_url="postgresql+psycopg2://shop:p%40ss-word@db.local/stockbot"
    )
    with captured(settings) as stream:
        logging.getLogger("stockbot.test").error("login p@ss-word / p%40ss-word refused")

    assert "ss-word" not in stream.getvalue()


def test_api_keys_and_webhook_secrets_made_at_run_time_are_redacted_too(
    log: io.StringIO,
) -> None:
    key = "sb_live_" + "Ab3_-" * 6 + "xy"
    signing = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    logging.getLogger("stockbot.test").info("sent %s and %s to the admin", key, signing)

    written = log.getvalue()
    assert key not in written
    assert signing not in written
    assert f"sb_live_{REDACTED} and whsec_{REDACTED} to the admin" in written
