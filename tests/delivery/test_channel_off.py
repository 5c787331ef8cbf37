"""A channel switched off keeps its queue: the rows wait, are shown as waiting, and go out
once the channel is configured again."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.cli import main
from core.db.session import Database
from tests.delivery.conftest import FAST, Outbox, delivery_settings, running_relay
from tests.fakes.smtp import SmtpSink
from tests.fakes.telegram_api import FakeBotApi

MEMBERS = [f"member{n}@example.com" for n in range(3)]


async def test_a_restart_with_email_off_keeps_its_rows_and_the_next_start_with_it_on_sends_them(
    bot_api: FakeBotApi,
    smtp_server: SmtpSink,
    live_db: Database,
    live_outbox: Outbox,
    caplog: pytest.LogCaptureFixture,
) -> None:
    emails = live_outbox.queue_many([("email", address) for address in MEMBERS])
    chat = live_outbox.queue()
    with caplog.at_level(logging.INFO, logger="stockbot.delivery"):
        async with running_relay(delivery_settings(bot_api), live_db) as relay:
            await relay.wait_settled(1, status="sent")  # the relay is running: Telegram went
            await asyncio.sleep(5 * FAST.poll_interval)  # polls that must leave email alone
    waiting = [live_outbox.row(row_id) for row_id in emails]
    assert [(r.status, r.attempts, r.last_error, r.claimed_until) for r in waiting] == [
        ("pending", 0, None, None)
    ] * 3
    assert smtp_server.messages == []
    assert "3 queued notifications wait for channel email" in caplog.text

    async with running_relay(delivery_settings(bot_api, smtp=smtp_server), live_db) as relay:
        await relay.wait_settled(3, status="sent", channel="email")
    assert sorted(email.rcpt_tos[0] for email in smtp_server.messages) == MEMBERS
    assert [(live_outbox.row(i).status, live_outbox.row(i).attempts) for i in emails] == [
        ("sent", 1)
    ] * 3
    assert live_outbox.row(chat).status == "sent"


def test_deliveries_shows_the_rows_waiting_for_each_channel_that_is_off(
    live_outbox: Outbox,
    postgres_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    for setting in ("SMTP_HOST", "TWILIO_ACCOUNT_SID"):
        monkeypatch.delenv(setting, raising=False)
    live_outbox.queue_many(
        [
            ("email", MEMBERS[0]),
            ("email", MEMBERS[1]),
            ("whatsapp", "+14155550123"),
            ("telegram", "1000"),
        ]
    )

    assert main(["deliveries"]) == 0
    out = capsys.readouterr().out
    assert "Notifications: 4 pending, 0 sent, 0 dead." in out
    assert "2 waiting for channel email (off)" in out
    assert "1 waiting for channel whatsapp (off)" in out
    assert "channel telegram" not in out

    monkeypatch.setenv("SMTP_HOST", "smtp.example.com")
    assert main(["deliveries"]) == 0
    out = capsys.readouterr().out
    assert "channel email" not in out
    assert "1 waiting for channel whatsapp (off)" in out
