"""The hourly limit end to end (SPEC 2.12): relays sending through the SMTP and Twilio fakes,
on the test's hand-moved clock; and relays on PostgreSQL sharing one limit."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

from sqlalchemy import select

from core.db.models import Notification
from core.db.session import Database
from core.delivery.claims import claim_due
from core.delivery.outcomes import record_outcome
from core.delivery.types import Outcome, RetryPolicy
from tests.conftest import Clock
from tests.delivery.conftest import ADMIN, Outbox, delivery_settings, running_relay
from tests.delivery.test_race import in_threads, own_database, relay_until
from tests.fakes.smtp import SmtpSink
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.twilio_api import FakeTwilioApi

ANN = "ann@example.com"
BOB = "bob@example.com"
NUMBER = "+14155550123"
# Long enough for a relay to poll many times (FAST polls every 50 ms).
SEVERAL_POLLS = 0.4


def accounted(outbox: Outbox, ids: list[int]) -> dict[str, int]:
    """How each queued row ended: sent on its own, or folded into a digest that was sent."""
    ends: dict[str, int] = {}
    for row_id in ids:
        row = outbox.row(row_id)
        end = row.status
        if row.status == "folded":
            assert row.folded_into is not None
            end = f"folded into a {outbox.row(row.folded_into).status} digest"
        ends[end] = ends.get(end, 0) + 1
    return ends


async def test_a_flapping_item_sends_at_most_the_hourly_limit_and_the_rest_as_one_digest_an_hour_later(  # noqa: E501
    bot_api: FakeBotApi, smtp_server: SmtpSink, outbox: Outbox, clock: Clock
) -> None:
    ids = outbox.queue_many([("email", ANN)] * 25)
    settings = delivery_settings(bot_api, smtp=smtp_server, notify_max_per_hour=10)
    async with running_relay(settings, outbox.db) as relay:
        await relay.wait_settled(10, status="sent")
        clock.advance(minutes=59, seconds=59)
        await asyncio.sleep(SEVERAL_POLLS)
        assert len(smtp_server.messages) == 10
        clock.advance(seconds=1)
        await relay.wait_settled(11, status="sent")
        emails = smtp_server.messages
    assert len(emails) == 11
    assert [e.subject for e in emails[:10]] == [
        f"Low stock: Item {n} (3 left)" for n in range(1, 11)
    ]
    digest = emails[10]
    assert digest.subject == (
        "Stock alerts: 15 items \N{EM DASH} Item 11, Item 12, Item 13 and 12 more"
    )
    text = digest.body("plain")
    assert "15 messages waited because of the hourly limit: at most 10 messages go" in text
    for number in range(11, 26):
        assert f"- Item {number}: 3 left, below the threshold of 5 (alert #{number})" in text
    assert "Item 11</strong>: 3 left, below the threshold of 5" in digest.body("html")
    assert accounted(outbox, ids) == {"sent": 10, "folded into a sent digest": 15}


async def test_batches_sent_at_once_over_several_connections_keep_to_the_hourly_limit(
    bot_api: FakeBotApi, smtp_server: SmtpSink, outbox: Outbox
) -> None:
    ids = outbox.queue_many([("email", ANN)] * 25)
    settings = delivery_settings(
        bot_api, smtp=smtp_server, notify_max_per_hour=10, smtp_connections=4
    )
    async with running_relay(settings, outbox.db, batch_size=3) as relay:
        await relay.wait_settled(10, status="sent")
        await asyncio.sleep(SEVERAL_POLLS)
    assert len(smtp_server.messages) == 10
    assert accounted(outbox, ids) == {"sent": 10, "folded into a pending digest": 15}


async def test_whatsapp_has_the_same_limit_and_its_digest_fills_the_template_variables(
    bot_api: FakeBotApi, twilio_api: FakeTwilioApi, outbox: Outbox, clock: Clock
) -> None:
    ids = outbox.queue_many([("whatsapp", NUMBER)] * 5)
    settings = delivery_settings(
        bot_api, twilio=twilio_api, notify_max_per_hour=3, twilio_whatsapp_content_sid="HX123"
    )
    async with running_relay(settings, outbox.db) as relay:
        await relay.wait_settled(3, status="sent")
        await asyncio.sleep(SEVERAL_POLLS)
        assert len(twilio_api.messages) == 3
        clock.advance(hours=1)
        await relay.wait_settled(4, status="sent")
    digest = twilio_api.messages[3]
    assert digest["ContentSid"] == "HX123"
    assert digest["ContentVariables"] == {
        "1": "Stock alerts: 2 items \N{EM DASH} Item 4, Item 5",
        "2": "Held back by the hourly limit: Item 4: 3 left, below the threshold of 5; "
        "Item 5: 3 left, below the threshold of 5",
    }
    assert accounted(outbox, ids) == {"sent": 3, "folded into a sent digest": 2}


async def test_a_whatsapp_digest_body_says_why_it_waited(
    bot_api: FakeBotApi, twilio_api: FakeTwilioApi, outbox: Outbox, clock: Clock
) -> None:
    outbox.queue_many([("whatsapp", NUMBER)] * 3)
    settings = delivery_settings(bot_api, twilio=twilio_api, notify_max_per_hour=1)
    async with running_relay(settings, outbox.db) as relay:
        await relay.wait_settled(1, status="sent")
        clock.advance(hours=1)
        await relay.wait_settled(2, status="sent")
    assert twilio_api.messages[1]["Body"] == (
        "*Stock alerts* (2 items), held back by the hourly limit of 1 message:\n"
        "- Item 2: 3 left, below the threshold of 5\n"
        "- Item 3: 3 left, below the threshold of 5\n"
        "(Stockbot)"
    )


async def test_another_address_and_telegram_are_not_held_by_one_addresss_limit(
    bot_api: FakeBotApi, smtp_server: SmtpSink, outbox: Outbox
) -> None:
    # Telegram paces one chat at about a message a second: three are enough to pass a limit of 2.
    targets = [("email", ANN)] * 4 + [("email", BOB)] * 2 + [("telegram", str(ADMIN))] * 3
    outbox.queue_many(targets)
    settings = delivery_settings(bot_api, smtp=smtp_server, notify_max_per_hour=2)
    async with running_relay(settings, outbox.db) as relay:
        await relay.wait_settled(3, status="sent", channel="telegram")
        await relay.wait_settled(4, status="sent", channel="email")
        await asyncio.sleep(SEVERAL_POLLS)
    recipients = [email.rcpt_tos[0] for email in smtp_server.messages]
    assert sorted(recipients) == [ANN] * 2 + [BOB] * 2
    assert len(bot_api.messages(ADMIN)) == 3
    (digest,) = outbox.rows(kind="held_digest")
    assert (digest.recipient, digest.status) == (ANN, "pending")


async def test_a_digest_that_fails_is_retried_and_its_folded_rows_are_not_lost(
    bot_api: FakeBotApi, smtp_server: SmtpSink, outbox: Outbox, clock: Clock
) -> None:
    ids = outbox.queue_many([("email", ANN)] * 4)
    settings = delivery_settings(bot_api, smtp=smtp_server, notify_max_per_hour=2)
    async with running_relay(settings, outbox.db) as relay:
        await relay.wait_settled(2, status="sent")
        smtp_server.go_down()
        clock.advance(hours=1)
        await relay.wait_settled(1, status="pending")  # the digest failed, to be retried
        (digest,) = outbox.rows(kind="held_digest")
        assert (digest.status, digest.attempts) == ("pending", 1)
        assert accounted(outbox, ids) == {"sent": 2, "folded into a pending digest": 2}
        smtp_server.come_up()
        clock.advance(seconds=1)  # past its backoff (FAST: at most 200 ms)
        await relay.wait_settled(3, status="sent")
    assert smtp_server.messages[-1].subject.startswith("Stock alerts: 2 items")
    assert accounted(outbox, ids) == {"sent": 2, "folded into a sent digest": 2}


def test_claims_racing_on_postgresql_never_exceed_the_limit(
    postgres_url: str, live_outbox: Outbox
) -> None:
    ids = live_outbox.queue_many([("email", ANN)] * 120 + [("email", BOB)] * 30)
    databases = [own_database(postgres_url, live_outbox.db) for _ in range(4)]
    policy = RetryPolicy()

    def claim_all(index: int) -> int:
        database, sent = databases[index], 0
        while True:
            with database.unit_of_work() as uow:
                batch = claim_due(
                    uow, channels={"email"}, limit=3, lease=timedelta(minutes=5), hourly_cap=10
                )
            if not batch and not _due_left(database):
                return sent
            for claim in batch:
                with database.unit_of_work() as uow:
                    record_outcome(uow, claim, Outcome.sent(), policy)
                sent += 1

    try:
        sent = sum(in_threads(4, claim_all))
    finally:
        for database in databases:
            database.dispose()
    assert sent == 20
    assert len(live_outbox.rows(status="sent", recipient=ANN)) == 10
    assert len(live_outbox.rows(status="sent", recipient=BOB)) == 10
    digests = live_outbox.rows(kind="held_digest")
    assert sorted(d.recipient for d in digests) == [ANN, BOB]
    assert accounted(live_outbox, ids) == {"sent": 20, "folded into a pending digest": 130}


def _due_left(database: Database) -> bool:
    """Whether rows are still due now (another claimer may have skipped them while locked)."""
    with database.unit_of_work() as uow:
        due = select(Notification.id).where(
            Notification.status == "pending",
            Notification.next_attempt_at <= uow.now(),
            Notification.claimed_until.is_(None),
        )
        return uow.session.scalars(due.limit(1)).first() is not None


def test_two_relays_on_postgresql_share_one_limit(
    postgres_url: str,
    bot_api: FakeBotApi,
    smtp_server: SmtpSink,
    live_outbox: Outbox,
) -> None:
    ids = live_outbox.queue_many([("email", ANN)] * 40)
    settings = delivery_settings(bot_api, smtp=smtp_server, notify_max_per_hour=10)
    done = threading.Event()

    def run(index: int) -> dict[str, int]:
        if index == 2:  # the referee: stops both once every row is sent or folded
            try:
                smtp_server.wait_for_messages(10)
                while live_outbox.rows(status="pending", kind="alert"):
                    done.wait(0.05)
                done.wait(SEVERAL_POLLS)
                return {}
            finally:
                done.set()
        return relay_until(settings, own_database(postgres_url, live_outbox.db), done)

    first, second, _ = in_threads(3, run)
    assert len(smtp_server.messages) == 10
    assert first.get("sent", 0) + second.get("sent", 0) == 10
    assert accounted(live_outbox, ids) == {"sent": 10, "folded into a pending digest": 30}
