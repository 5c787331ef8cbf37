"""Notifications over WhatsApp, through a local server speaking Twilio's Messages API."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from core.db.session import Database
from core.delivery.config import DeliveryConfig
from core.delivery.types import Claim, Outcome
from core.delivery.whatsapp import WhatsAppSender
from tests.delivery.conftest import (
    FAST,
    WHATSAPP_FROM,
    Outbox,
    delivery_settings,
    item,
    running_relay,
)
from tests.fakes.smtp import SmtpSink
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.twilio_api import FakeTwilioApi

NUMBER = "+14155550123"
OTHER_NUMBER = "+14155550124"
BAD_NUMBER = "+14155550199"


async def test_an_alert_goes_from_the_whatsapp_sender_to_the_members_number(
    bot_api: FakeBotApi, twilio_api: FakeTwilioApi, live_db: Database, live_outbox: Outbox
) -> None:
    live_outbox.queue("whatsapp", NUMBER, payload=item(7, item_name="Tea & <Co>", quantity=0))
    async with running_relay(delivery_settings(bot_api, twilio=twilio_api), live_db):
        (message,) = await twilio_api.await_messages(1)
    assert (message["To"], message["From"]) == (f"whatsapp:{NUMBER}", f"whatsapp:{WHATSAPP_FROM}")
    assert message["Body"] == (
        "*Out of stock*: Tea & <Co>, out of stock, below the threshold of 5. (Stockbot alert #7)"
    )


async def test_with_an_approved_template_the_message_carries_its_sid_and_variables(
    bot_api: FakeBotApi, twilio_api: FakeTwilioApi, live_db: Database, live_outbox: Outbox
) -> None:
    alerts = [item(1, item_name="Milk", quantity=2), item(2, item_name="Tea", quantity=1)]
    live_outbox.queue("whatsapp", NUMBER, kind="reminder_digest", payload={"alerts": alerts})
    settings = delivery_settings(bot_api, twilio=twilio_api, twilio_whatsapp_content_sid="HX123")
    async with running_relay(settings, live_db):
        (message,) = await twilio_api.await_messages(1)
    assert message["ContentSid"] == "HX123"
    assert "Body" not in message
    assert message["ContentVariables"] == {
        "1": "Still low: 2 items \N{EM DASH} Milk, Tea",
        "2": "Milk: 2 left, below the threshold of 5; Tea: 1 left, below the threshold of 5",
    }
    assert json.dumps(message["ContentVariables"]).count("\\n") == 0


async def test_twilio_failing_with_500_for_a_while_then_accepting_delivers_once(
    bot_api: FakeBotApi, twilio_api: FakeTwilioApi, live_db: Database, live_outbox: Outbox
) -> None:
    twilio_api.fail_with_status(500, times=3)
    row_id = live_outbox.queue("whatsapp", NUMBER)
    async with running_relay(delivery_settings(bot_api, twilio=twilio_api), live_db) as relay:
        await relay.wait_settled(1, status="sent")
    assert len(twilio_api.messages) == 1
    assert twilio_api.requests_seen == 4
    stored = live_outbox.row(row_id)
    assert (stored.status, stored.attempts, stored.last_error) == ("sent", 4, None)


async def test_an_invalid_number_is_dead_after_one_attempt_and_other_channels_are_unaffected(
    bot_api: FakeBotApi,
    twilio_api: FakeTwilioApi,
    smtp_server: SmtpSink,
    live_db: Database,
    live_outbox: Outbox,
) -> None:
    twilio_api.reject_number(BAD_NUMBER)
    bad, good, email, chat = live_outbox.queue_many(
        [
            ("whatsapp", BAD_NUMBER),
            ("whatsapp", NUMBER),
            ("email", "ann@example.com"),
            ("telegram", "1000"),
        ]
    )
    settings = delivery_settings(bot_api, twilio=twilio_api, smtp=smtp_server)
    async with running_relay(settings, live_db) as relay:
        await relay.wait_settled(4)
    dead = live_outbox.row(bad)
    assert (dead.status, dead.attempts) == ("dead", 1)
    assert dead.last_error is not None
    assert dead.last_error.startswith("Twilio error 400 (code 21211)")
    assert BAD_NUMBER not in dead.last_error  # Twilio quotes the number; it is kept masked
    assert [live_outbox.row(i).status for i in (good, email, chat)] == ["sent"] * 3


async def test_a_send_answered_with_an_html_page_backs_off_lets_the_others_go_and_ends_dead(
    bot_api: FakeBotApi, twilio_api: FakeTwilioApi, live_db: Database, live_outbox: Outbox
) -> None:
    twilio_api.garble_answers_for(BAD_NUMBER)  # 200 with a web page: the SDK cannot read it
    bad, *good = live_outbox.queue_many(
        [("whatsapp", BAD_NUMBER), ("whatsapp", NUMBER), ("whatsapp", OTHER_NUMBER)]
    )
    async with running_relay(delivery_settings(bot_api, twilio=twilio_api), live_db) as relay:
        await relay.wait_settled(2, status="sent")
        await relay.wait_settled(1, status="dead")
    last = FAST.retry.max_attempts
    dead = live_outbox.row(bad)
    assert (dead.status, dead.attempts) == ("dead", last)
    assert dead.last_error is not None
    assert dead.last_error.startswith(f"gave up after {last} attempts: unexpected error: JSON")
    assert [(live_outbox.row(i).status, live_outbox.row(i).attempts) for i in good] == [
        ("sent", 1),
        ("sent", 1),
    ]
    assert [m["To"] for m in twilio_api.messages] == [
        f"whatsapp:{NUMBER}",
        f"whatsapp:{OTHER_NUMBER}",
    ]
    assert twilio_api.requests_seen == last + 2


def claim_for(number: str) -> Claim:
    return Claim(
        id=1,
        shop_id=1,
        member_id=1,
        channel="whatsapp",
        kind="alert",
        recipient=number,
        payload=item(1),
        attempts=1,
        idempotency_key="alert:1:1:whatsapp",
        leased_until=datetime(2030, 1, 1, tzinfo=UTC),
    )


def test_a_twilio_timeout_is_a_transient_failure(
    bot_api: FakeBotApi, twilio_api: FakeTwilioApi
) -> None:
    twilio_api.fail_with_status(500, times=None)  # the late answer must not count as accepted
    twilio_api.delay_responses(1.0)
    sender = WhatsAppSender(
        delivery_settings(bot_api, twilio=twilio_api), DeliveryConfig(twilio_timeout=0.1)
    )
    assert sender.send(claim_for(NUMBER)) == Outcome.retry("Twilio unreachable: ReadTimeout")


def test_twilio_refusing_our_credentials_keeps_the_message(
    bot_api: FakeBotApi, twilio_api: FakeTwilioApi
) -> None:
    settings = delivery_settings(bot_api, twilio=twilio_api, twilio_auth_token="not-the-token")
    outcome = WhatsAppSender(settings, DeliveryConfig()).send(claim_for(NUMBER))
    assert outcome.verdict == "retry"
    assert outcome.reason == "Twilio error 401 (code 20003): Unable to create record: Authenticate"


async def test_a_verification_code_goes_as_a_short_body_or_as_the_templates_headline(
    bot_api: FakeBotApi, twilio_api: FakeTwilioApi, live_db: Database, live_outbox: Outbox
) -> None:
    live_outbox.queue("whatsapp", NUMBER, kind="verification", payload={"code": "042917"})
    async with running_relay(delivery_settings(bot_api, twilio=twilio_api), live_db):
        (plain,) = await twilio_api.await_messages(1)
    live_outbox.queue("whatsapp", NUMBER, kind="verification", payload={"code": "555123"})
    settings = delivery_settings(bot_api, twilio=twilio_api, twilio_whatsapp_content_sid="HX123")
    async with running_relay(settings, live_db):
        (_, template) = await twilio_api.await_messages(2)

    assert plain["Body"].startswith("Your Stockbot code: *042917*. Send /verify 042917 to")
    assert template["ContentSid"] == "HX123"
    assert template["ContentVariables"]["1"] == "Your Stockbot code: 555123"
    assert "/verify" in template["ContentVariables"]["2"]
