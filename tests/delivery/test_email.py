"""Notifications by email, through a real SMTP server on loopback."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from core.db.session import Database
from tests.delivery.conftest import FAST, Outbox, delivery_settings, item, running_relay
from tests.fakes.smtp import SmtpSink
from tests.fakes.telegram_api import FakeBotApi

HOSTILE = '<b>Tea & "Co"</b>'
ANN = "ann@example.com"


async def test_an_alert_email_has_both_parts_the_name_shown_as_typed_and_a_telling_subject(
    bot_api: FakeBotApi, smtp_server: SmtpSink, live_db: Database, live_outbox: Outbox
) -> None:
    live_outbox.queue("email", ANN, payload=item(7, item_name=HOSTILE, quantity=3, threshold=5))
    async with running_relay(delivery_settings(bot_api, smtp=smtp_server), live_db):
        (email,) = await smtp_server.await_messages(1)
    assert email.subject == f"Low stock: {HOSTILE} (3 left)"
    assert email.message.get_content_type() == "multipart/alternative"
    assert (email.mail_from, email.rcpt_tos, email.message["To"]) == (
        "alerts@example.com",
        [ANN],
        ANN,
    )
    text, html = email.body("plain"), email.body("html")
    assert f"{HOSTILE}: 3 left, below the threshold of 5." in text
    assert "&lt;b&gt;Tea &amp; &#34;Co&#34;&lt;/b&gt;" in html
    assert HOSTILE not in html
    assert "<b>Tea" not in html
    assert "3 left, below the threshold of 5" in html


async def test_a_digest_email_counts_its_items_and_names_the_first_ones(
    bot_api: FakeBotApi, smtp_server: SmtpSink, live_db: Database, live_outbox: Outbox
) -> None:
    names = ["Cocoa", "Milk", "Sugar", "Tea", "Yeast"]
    alerts = [item(n, item_name=name, quantity=n) for n, name in enumerate(names)]
    live_outbox.queue("email", ANN, kind="reminder_digest", payload={"alerts": alerts})
    async with running_relay(delivery_settings(bot_api, smtp=smtp_server), live_db):
        (email,) = await smtp_server.await_messages(1)
    assert email.subject == "Still low: 5 items \N{EM DASH} Cocoa, Milk, Sugar and 2 more"
    text = email.body("plain")
    assert "- Cocoa: out of stock, below the threshold of 5 (alert #0)" in text
    assert "- Yeast: 4 left, below the threshold of 5 (alert #4)" in text


async def test_a_verification_email_is_short_and_carries_the_code_in_subject_and_bodies(
    bot_api: FakeBotApi, smtp_server: SmtpSink, live_db: Database, live_outbox: Outbox
) -> None:
    live_outbox.queue("email", ANN, kind="verification", payload={"code": "042917"})
    async with running_relay(delivery_settings(bot_api, smtp=smtp_server), live_db):
        (email,) = await smtp_server.await_messages(1)
    assert email.subject == "Your Stockbot code: 042917"
    assert email.message.get_content_type() == "multipart/alternative"
    assert "/verify 042917" in email.body("plain")
    assert "/verify 042917" in email.body("html")
    assert len(email.body("plain")) < 400


async def test_one_smtp_connection_serves_a_whole_batch(
    bot_api: FakeBotApi, smtp_server: SmtpSink, live_db: Database, live_outbox: Outbox
) -> None:
    live_outbox.queue_many([("email", f"member{n}@example.com") for n in range(10)])
    async with running_relay(delivery_settings(bot_api, smtp=smtp_server), live_db):
        emails = await smtp_server.await_messages(10)
    assert smtp_server.connections == 1
    assert {email.connection for email in emails} == {1}


async def test_with_several_smtp_connections_each_batch_has_its_own_and_each_email_goes_once(
    bot_api: FakeBotApi, smtp_server: SmtpSink, live_db: Database, live_outbox: Outbox
) -> None:
    ids = live_outbox.queue_many([("email", f"member{n}@example.com") for n in range(12)])
    settings = delivery_settings(bot_api, smtp=smtp_server, smtp_connections=3)
    async with running_relay(settings, live_db, batch_size=3) as relay:
        await relay.wait_settled(12, status="sent")
    assert sorted(message_ids(smtp_server).values()) == [1] * 12
    assert smtp_server.connections == 4
    assert {live_outbox.row(row_id).status for row_id in ids} == {"sent"}


def message_ids(sink: SmtpSink) -> Counter[str]:
    return Counter(str(email.message["Message-ID"]) for email in sink.messages)


async def test_smtp_down_then_up_delivers_every_email_exactly_once(
    bot_api: FakeBotApi, smtp_server: SmtpSink, live_db: Database, live_outbox: Outbox
) -> None:
    smtp_server.go_down()
    ids = live_outbox.queue_many([("email", f"member{n}@example.com") for n in range(3)])
    async with running_relay(delivery_settings(bot_api, smtp=smtp_server), live_db) as relay:
        await relay.wait_settled(3, status="pending")  # every one failed at least once
        smtp_server.come_up()
        await relay.wait_settled(3, status="sent")
    assert sorted(message_ids(smtp_server).values()) == [1, 1, 1]
    rows = [live_outbox.row(row_id) for row_id in ids]
    assert all(row.status == "sent" and row.attempts >= 2 for row in rows)
    assert all(row.last_error is None for row in rows)


async def test_a_refused_recipient_is_dead_after_one_attempt_and_the_others_still_arrive(
    bot_api: FakeBotApi, smtp_server: SmtpSink, live_db: Database, live_outbox: Outbox
) -> None:
    smtp_server.reject_recipient("gone@example.com")
    gone, kept = live_outbox.queue_many([("email", "gone@example.com"), ("email", ANN)])
    async with running_relay(delivery_settings(bot_api, smtp=smtp_server), live_db) as relay:
        await relay.wait_settled(2)
    dead = live_outbox.row(gone)
    assert (dead.status, dead.attempts) == ("dead", 1)
    assert dead.last_error == "recipient refused: 550 5.1.1 Mailbox unavailable"
    assert live_outbox.row(kept).status == "sent"
    assert [email.rcpt_tos for email in smtp_server.messages] == [[ANN]]


async def test_an_email_that_cannot_be_built_backs_off_lets_the_others_go_and_ends_dead(
    bot_api: FakeBotApi, smtp_server: SmtpSink, live_db: Database, live_outbox: Outbox
) -> None:
    # "ann@" makes the email package raise IndexError while setting the To header.
    bad, kept = live_outbox.queue_many([("email", "ann@"), ("email", ANN)])
    async with running_relay(delivery_settings(bot_api, smtp=smtp_server), live_db) as relay:
        await relay.wait_settled(1, status="sent")
        await relay.wait_settled(1, status="dead")
    last = FAST.retry.max_attempts
    dead = live_outbox.row(bad)
    assert (dead.status, dead.attempts) == ("dead", last)
    assert dead.last_error == (
        f"gave up after {last} attempts: cannot build the email: "
        "IndexError: string index out of range"
    )
    assert (live_outbox.row(kept).status, live_outbox.row(kept).attempts) == ("sent", 1)
    assert [email.rcpt_tos for email in smtp_server.messages] == [[ANN]]


async def test_a_temporary_refusal_is_retried_and_the_email_arrives_once(
    bot_api: FakeBotApi, smtp_server: SmtpSink, live_db: Database, live_outbox: Outbox
) -> None:
    smtp_server.reject_next(451, "4.3.0 Try again later")
    row_id = live_outbox.queue("email", ANN)
    async with running_relay(delivery_settings(bot_api, smtp=smtp_server), live_db) as relay:
        await relay.wait_settled(1, status="sent")
    assert len(smtp_server.messages) == 1
    assert (live_outbox.row(row_id).status, live_outbox.row(row_id).attempts) == ("sent", 2)


@pytest.mark.parametrize(
    ("smtp_from", "header"),
    [
        ("alerts@shop.com", "Stockbot <alerts@shop.com>"),
        ("Shop Alerts <alerts@shop.com>", "Shop Alerts <alerts@shop.com>"),
    ],
)
async def test_mail_goes_out_from_smtp_from_given_as_an_address_or_with_a_display_name(
    bot_api: FakeBotApi,
    smtp_server: SmtpSink,
    live_db: Database,
    live_outbox: Outbox,
    smtp_from: str,
    header: str,
) -> None:
    live_outbox.queue("email", ANN)
    settings = delivery_settings(bot_api, smtp=smtp_server, smtp_from=smtp_from)
    async with running_relay(settings, live_db):
        (email,) = await smtp_server.await_messages(1)
    assert (email.mail_from, str(email.message["From"])) == ("alerts@shop.com", header)
    assert str(email.message["Message-ID"]).endswith("@shop.com>")


@pytest.mark.parametrize(
    ("username", "sender"),
    [("shop@example.com", "shop@example.com"), ("apikey", "stockbot@localhost")],
)
async def test_without_smtp_from_mail_goes_out_from_the_username_only_when_it_is_an_address(
    bot_api: FakeBotApi,
    smtp_server: SmtpSink,
    live_db: Database,
    live_outbox: Outbox,
    username: str,
    sender: str,
) -> None:
    row_id = live_outbox.queue("email", ANN)
    settings = delivery_settings(
        bot_api, smtp=smtp_server, smtp_from=None, smtp_username=username, smtp_password=None
    )
    async with running_relay(settings, live_db):
        (email,) = await smtp_server.await_messages(1)
    assert (email.mail_from, str(email.message["From"])) == (sender, f"Stockbot <{sender}>")
    assert live_outbox.row(row_id).status == "sent"


@pytest.fixture(params=["starttls", "ssl"])
def secure_sink(request: pytest.FixtureRequest) -> Iterator[SmtpSink]:
    """An SMTP server that wants TLS (STARTTLS or implicit) and a login, like Gmail."""
    with SmtpSink(
        username="shop@example.com", password="app-pass-1234", security=request.param
    ) as sink:
        yield sink


async def test_tls_and_login_work_like_gmail_with_an_app_password(
    bot_api: FakeBotApi, secure_sink: SmtpSink, live_db: Database, live_outbox: Outbox
) -> None:
    live_outbox.queue("email", ANN)
    settings = delivery_settings(bot_api, smtp=secure_sink)
    context = secure_sink.ssl_context_for_clients()
    async with running_relay(settings, live_db, smtp_ssl_context=context):
        (email,) = await secure_sink.await_messages(1)
    assert (email.tls, email.login) == (True, "shop@example.com")


async def test_a_wrong_smtp_password_keeps_the_email_for_when_it_is_fixed(
    bot_api: FakeBotApi, live_db: Database, live_outbox: Outbox
) -> None:
    row_id = live_outbox.queue("email", ANN)
    with SmtpSink(username="shop@example.com", password="right", security="starttls") as sink:
        settings = delivery_settings(bot_api, smtp=sink, smtp_password="wrong")
        context = sink.ssl_context_for_clients()
        async with running_relay(settings, live_db, smtp_ssl_context=context) as relay:
            await relay.wait_settled(1, status="pending")
    stored = live_outbox.row(row_id)
    assert stored.status == "pending"
    assert stored.last_error is not None
    assert stored.last_error.startswith("SMTP login refused: 535")
    assert "wrong" not in stored.last_error
