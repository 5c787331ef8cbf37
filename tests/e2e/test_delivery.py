"""End to end: commands in Telegram raise alerts that reach chat, email and WhatsApp."""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.app import PRODUCTION, build_application
from bot.delivery.relay import Delivery
from core.db.models import Notification
from core.db.session import Database
from tests.bot.harness import ADMIN, STAFF, Shopfront, serving
from tests.conftest import Clock
from tests.delivery.conftest import delivery_settings
from tests.fakes.smtp import SmtpSink
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.twilio_api import FakeTwilioApi

HOSTILE = '<b>Tea & "Co"</b>'
ANN_EMAIL, SAM_EMAIL = "ann@example.com", "sam@example.com"
ANN_PHONE = "+14155550123"


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
async def shop(
    bot_api: FakeBotApi,
    smtp_server: SmtpSink,
    twilio_api: FakeTwilioApi,
    postgres_url: str,
    pg_db: Database,
) -> AsyncIterator[Shopfront]:
    """The bot as `stockbot run` builds it, relay included, with every channel on."""
    settings = delivery_settings(
        bot_api, smtp=smtp_server, twilio=twilio_api, database_url=postgres_url
    )
    application = build_application(settings, pg_db)
    async with serving(application, poll_timeout=5):
        await bot_api.await_polled()
        yield Shopfront(bot_api, application, pg_db)


def relay(shop: Shopfront) -> Delivery:
    delivery = shop.app.bot_data.delivery
    assert isinstance(delivery, Delivery)
    return delivery


async def all_settled(shop: Shopfront) -> None:
    """Wait until the relay has settled every row queued so far."""
    with shop.db.unit_of_work() as uow:
        queued = uow.session.scalar(select(func.count()).select_from(Notification)) or 0
    await relay(shop).wait_settled(queued, status="sent")


CODE = re.compile(r"Your Stockbot code: \*?([0-9]{6})")


async def verify_email(shop: Shopfront, smtp: SmtpSink, user: int, address: str) -> None:
    """Set the email and send /verify with the code as it arrived over SMTP."""
    before = len(smtp.messages)
    await shop.say(user, f"/email {address}")
    received = (await smtp.await_messages(before + 1))[before]
    match = CODE.search(received.subject)
    assert match, received.subject
    assert received.rcpt_tos == [address]
    reply = await shop.say(user, f"/verify {match.group(1)}")
    assert "✅ Verified" in (reply.plain_text or "")


async def verify_whatsapp(shop: Shopfront, twilio: FakeTwilioApi, user: int, number: str) -> None:
    """Set the WhatsApp number and send /verify with the code as it arrived over Twilio."""
    before = len(twilio.messages)
    await shop.say(user, f"/whatsapp {number}")
    received = (await twilio.await_messages(before + 1))[before]
    assert received["To"] == f"whatsapp:{number}"
    match = CODE.search(received["Body"])
    assert match, received["Body"]
    reply = await shop.say(user, f"/verify {match.group(1)}")
    assert "✅ Verified" in (reply.plain_text or "")


async def test_an_alert_caused_by_a_command_reaches_chat_email_and_whatsapp(
    shop: Shopfront, smtp_server: SmtpSink, twilio_api: FakeTwilioApi
) -> None:
    await shop.open_shop()
    await verify_email(shop, smtp_server, ADMIN, ANN_EMAIL)
    await verify_whatsapp(shop, twilio_api, ADMIN, ANN_PHONE)
    await shop.say(ADMIN, f"/additem {HOSTILE} 10")
    marker = shop.api.mark()
    sent_at = time.monotonic()
    shop.send(ADMIN, f"/remove {HOSTILE} 7")
    alert = await shop.api.await_message(ADMIN, after=marker, contains="Low stock:")
    (_, email) = await smtp_server.await_messages(2)
    (_, whatsapp) = await twilio_api.await_messages(2)
    print(f"\ncommand to Telegram alert: {alert.at - sent_at:.3f}s")

    low = "3 left, below the threshold of 5"
    assert f"Low stock: {HOSTILE}" in (alert.plain_text or "")
    assert low in (alert.plain_text or "")
    assert alert.callback_data("Resolve").startswith("alert:resolve:")
    assert email.subject == f"Low stock: {HOSTILE} (3 left)"
    assert email.rcpt_tos == [ANN_EMAIL]
    assert low in email.body("plain")
    assert "&lt;b&gt;Tea &amp; &#34;Co&#34;&lt;/b&gt;" in email.body("html")
    assert whatsapp["To"] == f"whatsapp:{ANN_PHONE}"
    assert low in whatsapp["Body"]


async def test_reminders_arrive_as_one_digest_per_member_per_channel(
    shop: Shopfront, smtp_server: SmtpSink, twilio_api: FakeTwilioApi, clock: Clock
) -> None:
    await shop.shop_with_staff()
    await verify_email(shop, smtp_server, ADMIN, ANN_EMAIL)
    await verify_whatsapp(shop, twilio_api, ADMIN, ANN_PHONE)
    await verify_email(shop, smtp_server, STAFF, SAM_EMAIL)
    for name in ("Cocoa", "Milk", "Tea"):
        await shop.say(ADMIN, f"/additem {name} 2")
    await smtp_server.await_messages(2 + 6)
    await twilio_api.await_messages(1 + 3)
    await all_settled(shop)

    clock.advance(hours=25)
    marker = shop.api.mark()
    await shop.say(ADMIN, "/check")
    await smtp_server.await_messages(2 + 8)
    await all_settled(shop)
    (whatsapp,) = twilio_api.messages[4:]
    assert whatsapp["To"] == f"whatsapp:{ANN_PHONE}"
    assert whatsapp["Body"].startswith("*Still low* (3 items)")

    for member, address in ((ADMIN, ANN_EMAIL), (STAFF, SAM_EMAIL)):
        pushed = [
            m for m in shop.api.replies_since(member, marker) if "Still low" in (m.plain_text or "")
        ]
        assert len(pushed) == 1
        for name in ("Cocoa", "Milk", "Tea"):
            assert f"{name}: 2 left, below the threshold of 5" in (pushed[0].plain_text or "")
        digests = [e for e in smtp_server.messages[8:] if e.rcpt_tos == [address]]
        assert [e.subject for e in digests] == ["Still low: 3 items \N{EM DASH} Cocoa, Milk, Tea"]


async def test_an_address_gets_only_its_code_until_verified_then_alerts_arrive(
    shop: Shopfront, smtp_server: SmtpSink, twilio_api: FakeTwilioApi
) -> None:
    await shop.open_shop()
    await shop.say(ADMIN, f"/email {ANN_EMAIL}")
    await shop.say(ADMIN, f"/whatsapp {ANN_PHONE}")
    (code_email,) = await smtp_server.await_messages(1)
    (code_whatsapp,) = await twilio_api.await_messages(1)
    marker = shop.api.mark()
    await shop.say(ADMIN, "/additem Milk 1")
    await shop.api.await_message(ADMIN, after=marker, contains="Low stock: Milk")
    await all_settled(shop)
    assert len(smtp_server.messages) == len(twilio_api.messages) == 1  # the codes only

    for received in (code_email.subject, code_whatsapp["Body"]):
        match = CODE.search(received)
        assert match, received
        await shop.say(ADMIN, f"/verify {match.group(1)}")
    await shop.say(ADMIN, "/additem Tea 1")
    (_, alert_email) = await smtp_server.await_messages(2)
    (_, alert_whatsapp) = await twilio_api.await_messages(2)

    assert alert_email.subject == "Low stock: Tea (1 left)"
    assert alert_email.rcpt_tos == [ANN_EMAIL]
    assert alert_whatsapp["To"] == f"whatsapp:{ANN_PHONE}"
    assert "Tea" in alert_whatsapp["Body"]
    await all_settled(shop)
    assert len(smtp_server.messages) == len(twilio_api.messages) == 2


async def test_notify_off_silences_that_member_only(shop: Shopfront) -> None:
    await shop.shop_with_staff()
    await shop.say(STAFF, "/notify off")
    marker = shop.api.mark()
    await shop.say(ADMIN, "/additem Milk 1")
    await shop.api.await_message(ADMIN, after=marker, contains="Low stock: Milk")
    await all_settled(shop)
    assert not [m for m in shop.api.messages(STAFF) if "Low stock" in (m.plain_text or "")]


async def test_alerts_go_out_at_once_though_the_relay_would_look_only_every_ten_minutes(
    bot_api: FakeBotApi, postgres_url: str, pg_db: Database
) -> None:
    # Only the nudge after a command that queued something can bring these within seconds.
    slow_poll = dataclasses.replace(PRODUCTION, poll_interval=600.0)
    application = build_application(
        delivery_settings(bot_api, database_url=postgres_url), pg_db, delivery=slow_poll
    )
    async with serving(application, poll_timeout=5):
        await bot_api.await_polled()
        shop = Shopfront(bot_api, application, pg_db)
        await shop.open_shop()
        await shop.say(ADMIN, "/additem Tea 10")
        await shop.say(ADMIN, "/additem Milk 10")

        marker = shop.api.mark()
        await shop.say(ADMIN, "/remove Tea 7")
        await shop.api.await_message(ADMIN, after=marker, contains="Low stock: Tea", timeout=10)

        marker = shop.api.mark()
        await shop.say(ADMIN, "/threshold Milk 20")
        await shop.api.await_message(ADMIN, after=marker, contains="Low stock: Milk", timeout=10)
