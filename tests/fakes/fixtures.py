"""Pytest fixtures that run each fake of the outside world on 127.0.0.1 for one test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.smtp import SmtpSink
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.twilio_api import FakeTwilioApi
from tests.fakes.webhook_receiver import WebhookReceiver


@pytest.fixture
def bot_api() -> Iterator[FakeBotApi]:
    """A local Telegram Bot API server; point PTB at bot_api.base_url with bot_api.token."""
    with FakeBotApi() as api:
        yield api


@pytest.fixture
def twilio_api() -> Iterator[FakeTwilioApi]:
    """A local Twilio Messages API; use twilio_api.base_url, account_sid and auth_token."""
    with FakeTwilioApi() as api:
        yield api


@pytest.fixture
def smtp_server() -> Iterator[SmtpSink]:
    """A plain SMTP sink without AUTH; build SmtpSink(...) yourself for AUTH or TLS."""
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    """A local webhook receiver; give it each endpoint's secret with expect()."""
    with WebhookReceiver() as receiver:
        yield receiver
