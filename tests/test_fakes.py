"""The fakes of the outside world behave like the real services for the real client libraries."""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import json
import smtplib
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
import requests
from telegram import (
    Bot,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyParameters,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    RetryAfter,
)
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from tests.fakes.smtp import SmtpSink
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.twilio_api import FakeTwilioApi

USER = 424242
TWILIO_HOST = "https://api.twilio.com"
SHOP_NUMBER = "whatsapp:+14155238886"


def make_bot(api: FakeBotApi) -> Bot:
    """A PTB Bot talking to the fake."""
    return Bot(api.token, base_url=api.base_url, base_file_url=api.file_base_url)


def keyboard(data: str) -> InlineKeyboardMarkup:
    """One Resolve button carrying data."""
    return InlineKeyboardMarkup([[InlineKeyboardButton("Resolve", callback_data=data)]])


# -- Telegram Bot API ------------------------------------------------------------------------


async def test_get_me_describes_the_test_bot(bot_api: FakeBotApi) -> None:
    async with make_bot(bot_api) as bot:
        me = await bot.get_me()
    assert me.is_bot
    assert me.username == "stockbot_test_bot"
    assert me.id == int(bot_api.token.split(":")[0])
    assert me.can_join_groups


async def test_a_wrong_token_is_unauthorized(bot_api: FakeBotApi) -> None:
    bot = Bot("999:WRONG-token", base_url=bot_api.base_url)
    try:
        with pytest.raises(InvalidToken) as caught:
            await bot.initialize()
    finally:
        await bot.shutdown()
    assert str(caught.value.__cause__) == "Unauthorized"


async def test_sent_html_is_stored_raw_and_as_the_user_sees_it(bot_api: FakeBotApi) -> None:
    name = '<b>Tea & "Co"</b>'
    text = f"<b>{html.escape(name)}</b>: 3 left, below the threshold of 5"
    async with make_bot(bot_api) as bot:
        message = await bot.send_message(
            USER, text, parse_mode="HTML", reply_markup=keyboard("alert:resolve:1")
        )
    sent = bot_api.messages(USER)[0]
    assert sent.text == text
    assert sent.plain_text == f"{name}: 3 left, below the threshold of 5"
    assert message.text == sent.plain_text
    assert message.entities[0].type == "bold"
    assert message.entities[0].length == len(name)
    assert message.from_user.is_bot
    assert message.chat.id == USER
    assert sent.callback_data("Resolve") == "alert:resolve:1"
    assert message.reply_markup == keyboard("alert:resolve:1")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("3 < 5", 'unsupported start tag ""'),
        ("Tea & Co", "must be escaped"),
        ("line<br>line", 'unsupported start tag "br"'),
        ("<b>bold", "can't find end tag"),
        ("<b><i>x</b></i>", "unmatched end tag"),
        ("<span>x</span>", "tg-spoiler"),
        ("&nbsp;", "unsupported html entity"),
    ],
)
async def test_malformed_html_is_refused_like_telegram(
    bot_api: FakeBotApi, text: str, reason: str
) -> None:
    async with make_bot(bot_api) as bot:
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities") as caught:
            await bot.send_message(USER, text, parse_mode="HTML")
    assert reason in str(caught.value).lower()
    assert bot_api.messages(USER) == []


async def test_every_supported_tag_is_accepted(bot_api: FakeBotApi) -> None:
    text = (
        "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s>"
        '<strike>k</strike><del>d</del><span class="tg-spoiler">p</span><tg-spoiler>t</tg-spoiler>'
        '<a href="https://example.com/?a=1&amp;b=2">a</a><code>c</code>'
        '<pre><code class="language-python">x = 1</code></pre><blockquote>q</blockquote>'
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> &lt;&gt;&amp;&quot;&#39;&#x27;'
    )
    async with make_bot(bot_api) as bot:
        message = await bot.send_message(USER, text, parse_mode="HTML")
    assert message.text.endswith("👍 <>&\"''")
    types = {entity.type for entity in message.entities}
    assert {"bold", "italic", "spoiler", "text_link", "pre", "blockquote"} <= types
    pre = next(entity for entity in message.entities if entity.type == "pre")
    assert pre.language == "python"


async def test_text_length_counts_what_the_user_sees(bot_api: FakeBotApi) -> None:
    async with make_bot(bot_api) as bot:
        await bot.send_message(USER, f"<b>{'x' * 4096}</b>", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message(USER, "x" * 4097)
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message(USER, "&amp;" * 4097, parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
            await bot.send_message(USER, "<b> </b>", parse_mode="HTML")
    assert len(bot_api.messages(USER)) == 1


async def test_callback_data_longer_than_64_bytes_is_refused(bot_api: FakeBotApi) -> None:
    async with make_bot(bot_api) as bot:
        await bot.send_message(USER, "ok", reply_markup=keyboard("é" * 32))
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
            await bot.send_message(USER, "too long", reply_markup=keyboard("é" * 32 + "x"))


async def test_get_updates_long_polls_until_an_update_arrives(bot_api: FakeBotApi) -> None:
    async with make_bot(bot_api) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=10))
        await bot_api.await_request("getUpdates")
        assert not poll.done()
        bot_api.send_message(USER, "/stock@stockbot_test_bot low", username="shopkeeper")
        (update,) = await asyncio.wait_for(poll, 5)
        assert update.message.text == "/stock@stockbot_test_bot low"
        assert update.message.from_user.username == "shopkeeper"
        assert update.message.parse_entities(["bot_command"]) == {
            update.message.entities[0]: "/stock@stockbot_test_bot"
        }
        again = await bot.get_updates(timeout=0)
        assert [u.update_id for u in again] == [update.update_id]
        assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == ()
    assert bot_api.pending_updates == []


async def test_get_updates_honours_limit_and_negative_offset(bot_api: FakeBotApi) -> None:
    for n in range(5):
        bot_api.send_message(USER, f"message {n}")
    async with make_bot(bot_api) as bot:
        first_two = await bot.get_updates(limit=2)
        last = await bot.get_updates(offset=-1)
    assert [u.message.text for u in first_two] == ["message 0", "message 1"]
    assert [u.message.text for u in last] == ["message 4"]
    assert len(bot_api.pending_updates) == 1


async def test_non_text_updates_parse_in_ptb(bot_api: FakeBotApi) -> None:
    sent = bot_api.send_message(USER, "Tea 5")
    bot_api.send_edited_message(USER, sent["message"]["message_id"], "Tea 6")
    bot_api.send_photo_message(USER)
    async with make_bot(bot_api) as bot:
        updates = await bot.get_updates()
    assert updates[1].edited_message.text == "Tea 6"
    assert updates[2].message.photo
    assert updates[2].message.text is None


async def test_messages_from_reads_on_from_where_a_reader_stopped(bot_api: FakeBotApi) -> None:
    async with make_bot(bot_api) as bot:
        for chat_id, text in ((USER, "one"), (USER + 1, "two"), (USER, "three")):
            await bot.send_message(chat_id, text)
    first = bot_api.messages_from(0)
    assert [(m.chat_id, m.plain_text) for m in first] == [
        (USER, "one"),
        (USER + 1, "two"),
        (USER, "three"),
    ]
    assert bot_api.messages_from(1) == first[1:]
    assert bot_api.messages_from(len(first)) == []


async def test_replies_quote_the_message_they_answer(bot_api: FakeBotApi) -> None:
    asked = bot_api.send_message(USER, "/item Tea")["message"]
    async with make_bot(bot_api) as bot:
        reply = await bot.send_message(
            USER, "Tea: 3", reply_parameters=ReplyParameters(asked["message_id"])
        )
        with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
            await bot.send_message(USER, "?", reply_parameters=ReplyParameters(999))
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.text == "/item Tea"
    assert reply.message_id == asked["message_id"] + 1


async def test_a_real_application_answers_commands_and_buttons(bot_api: FakeBotApi) -> None:
    async def stock(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_html(
            "<b>Tea</b>: 3 left", reply_markup=keyboard("alert:resolve:1")
        )

    async def resolve(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Resolved")
        await query.edit_message_text("Alert 1 resolved")

    app = (
        ApplicationBuilder()
        .token(bot_api.token)
        .base_url(bot_api.base_url)
        .base_file_url(bot_api.file_base_url)
        .build()
    )
    app.add_handler(CommandHandler("stock", stock))
    app.add_handler(CallbackQueryHandler(resolve, pattern="^alert:"))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=5)
        try:
            await bot_api.await_polled()
            reply = await bot_api.ask(USER, "/stock")
            assert reply.plain_text == "Tea: 3 left"
            marker = bot_api.mark()
            query_id = bot_api.press_button(USER, reply.message_id, reply.callback_data("Resolve"))
            answer = await bot_api.await_callback_answer(query_id)
            edited = await bot_api.await_message(USER, after=marker)
        finally:
            await app.updater.stop()
            await app.stop()
    assert answer["text"] == "Resolved"
    assert edited.edited
    assert edited.method == "editMessageText"
    assert edited.message_id == reply.message_id
    assert edited.reply_markup is None
    assert "reply_markup" not in bot_api.current(USER, reply.message_id)
    assert bot_api.unknown_methods == []


async def test_ask_all_collects_a_multi_message_answer(bot_api: FakeBotApi) -> None:
    async with make_bot(bot_api) as bot:
        await bot.send_message(USER, "sent before the question")
        marker = bot_api.mark()
        asking = asyncio.create_task(bot_api.ask_all(USER, "/stock", 2))
        # The long poll yields to the task, which queues the question; then it returns.
        (update,) = await bot.get_updates(timeout=5)
        assert update.message is not None
        assert update.message.text == "/stock"
        await bot.send_message(USER, "page 1")
        await bot.send_message(USER, "page 2")
        replies = await asyncio.wait_for(asking, 5)
    assert [m.plain_text for m in replies] == ["page 1", "page 2"]
    assert bot_api.replies_since(USER, marker) == replies


async def test_pressing_a_button_the_message_lacks_is_refused(bot_api: FakeBotApi) -> None:
    async with make_bot(bot_api) as bot:
        message = await bot.send_message(USER, "alert", reply_markup=keyboard("alert:resolve:1"))
    with pytest.raises(AssertionError, match="no button"):
        bot_api.press_button(USER, message.message_id, "alert:resolve:2")
    forged = bot_api.press_button(USER, message.message_id, "alert:resolve:2", forged=True)
    assert bot_api.pending_updates[-1]["callback_query"]["id"] == forged


async def test_edits_update_the_stored_message_and_refuse_no_ops(bot_api: FakeBotApi) -> None:
    async with make_bot(bot_api) as bot:
        message = await bot.send_message(USER, "page 1", reply_markup=keyboard("stock:page:2"))
        await bot.edit_message_reply_markup(USER, message.message_id, reply_markup=None)
        with pytest.raises(BadRequest, match=r"(?i)not modified"):
            await bot.edit_message_reply_markup(USER, message.message_id, reply_markup=None)
        await bot.edit_message_text("page 2", USER, message.message_id)
        with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
            await bot.edit_message_text("x", USER, 999)
    methods = [m.method for m in bot_api.messages(USER)]
    assert methods == ["sendMessage", "editMessageReplyMarkup", "editMessageText"]
    assert bot_api.current(USER, message.message_id)["text"] == "page 2"


async def test_commands_are_stored_per_scope(bot_api: FakeBotApi) -> None:
    admin_scope = BotCommandScopeChat(USER)
    async with make_bot(bot_api) as bot:
        await bot.set_my_commands([("stock", "List items")])
        admin_commands = [("stock", "List items"), ("check", "Run the check")]
        await bot.set_my_commands(admin_commands, scope=admin_scope)
        default = await bot.get_my_commands()
        with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
            await bot.set_my_commands([("Stock", "capitals are not allowed")])
        await bot.delete_my_commands()
        assert await bot.get_my_commands() == ()
    assert [c.command for c in default] == ["stock"]
    assert [c["command"] for c in bot_api.commands(admin_scope.to_dict())] == ["stock", "check"]


async def test_documents_arrive_as_multipart_with_caption_and_name(bot_api: FakeBotApi) -> None:
    async with make_bot(bot_api) as bot:
        message = await bot.send_document(
            USER, b"name,qty\nTea,3\n", filename="stock.csv", caption="<i>Stock</i> é"
        )
        await bot.send_photo(USER, b"\x89PNG fake", caption="chart", parse_mode="HTML")
    document, photo = bot_api.messages(USER)
    assert document.file_name == "stock.csv"
    assert document.file_bytes == b"name,qty\nTea,3\n"
    assert document.text == "<i>Stock</i> é"
    assert document.method == "sendDocument"
    assert message.document.file_name == "stock.csv"
    assert photo.method == "sendPhoto"
    assert photo.plain_text == "chart"


async def test_injected_faults_raise_ptb_errors(
    bot_api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PTB 22 warns on every RetryAfter unless it may use timedelta, and warnings are errors here.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    bot_api.fail_next("sendMessage", retry_after=3, chat_id=USER)
    bot_api.fail_next("sendmessage", error_code=400, migrate_to_chat_id=-1001, chat_id=-5)
    bot_api.block_chat(77)
    async with make_bot(bot_api) as bot:
        await bot.send_message(USER + 1, "other chats are not affected")
        with pytest.raises(RetryAfter) as retry:
            await bot.send_message(USER, "first try")
        await bot.send_message(USER, "second try")
        with pytest.raises(ChatMigrated) as migrated:
            await bot.send_message(-5, "to the old group")
        with pytest.raises(Forbidden, match="blocked by the user"):
            await bot.send_message(77, "hello")
        bot_api.unblock_chat(77)
        await bot.send_message(77, "hello again")
    assert retry.value.retry_after == dt.timedelta(seconds=3)
    assert migrated.value.new_chat_id == -1001
    assert [m.plain_text for m in bot_api.messages(USER)] == ["second try"]
    assert [(e.method, e.error_code) for e in bot_api.errors] == [
        ("sendMessage", 429),
        ("sendMessage", 400),
        ("sendMessage", 403),
    ]


async def test_unknown_methods_answer_404_and_are_recorded(bot_api: FakeBotApi) -> None:
    async with make_bot(bot_api) as bot:
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("sendStockReport", api_kwargs={"chat_id": USER})
    assert bot_api.unknown_methods == ["sendStockReport"]


def test_json_bodies_and_any_method_case_are_understood(bot_api: FakeBotApi) -> None:
    url = f"{bot_api.base_url}{bot_api.token}/SENDMESSAGE"
    payload: dict[str, Any] = {
        "chat_id": USER,
        "text": "hi",
        "reply_markup": keyboard("a:1").to_dict(),
    }
    response = httpx.post(url, json=payload)
    assert response.status_code == 200
    assert (
        response.json()["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "a:1"
    )
    assert bot_api.requests[-1].method == "sendMessage"
    assert httpx.get(f"{bot_api.base_url}{bot_api.token}/getMe").json()["ok"] is True


def test_waiting_too_long_says_what_did_arrive(bot_api: FakeBotApi) -> None:
    httpx.post(
        f"{bot_api.base_url}{bot_api.token}/sendMessage", data={"chat_id": USER, "text": "Tea"}
    )
    with pytest.raises(AssertionError, match=r"(?s)No message to chat .*'Tea'"):
        bot_api.wait_for_message(USER, contains="Coffee", timeout=0.1)
    assert bot_api.wait_for_message(USER, contains="Tea").plain_text == "Tea"
    assert bot_api.requests[-1].at <= time.monotonic()


def test_stopping_releases_a_pending_long_poll() -> None:
    api = FakeBotApi().start()
    responses: list[httpx.Response] = []
    url = f"{api.base_url}{api.token}/getUpdates"
    poller = threading.Thread(
        target=lambda: responses.append(httpx.post(url, data={"timeout": "60"}, timeout=90))
    )
    poller.start()
    api.wait_for_request("getUpdates")
    started = time.monotonic()
    api.stop()
    poller.join(10)
    assert not poller.is_alive()
    assert time.monotonic() - started < 5
    assert responses[0].json() == {"ok": True, "result": []}


# -- Twilio ----------------------------------------------------------------------------------


class LocalTwilioHttpClient(TwilioHttpClient):
    """Sends the SDK's requests to another base URL instead of https://api.twilio.com."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        """Rewrite the host part, then send as usual."""
        if url.startswith(TWILIO_HOST):
            url = self.base_url + url[len(TWILIO_HOST) :]
        return super().request(method, url, *args, **kwargs)


def twilio_client(api: FakeTwilioApi, *, password: str | None = None, **kwargs: Any) -> Client:
    """A real twilio Client whose requests go to the fake."""
    http_client = LocalTwilioHttpClient(api.base_url, **kwargs)
    return Client(api.account_sid, password or api.auth_token, http_client=http_client)


@pytest.fixture
def twilio(twilio_api: FakeTwilioApi) -> Iterator[Client]:
    """A twilio Client for the fake, its connection pool closed afterwards."""
    client = twilio_client(twilio_api)
    yield client
    client.http_client.session.close()


def test_twilio_sdk_creates_a_whatsapp_message(twilio: Client, twilio_api: FakeTwilioApi) -> None:
    created = twilio.messages.create(
        to="whatsapp:+447700900123", from_=SHOP_NUMBER, body="Tea: 3 left, below 5"
    )
    assert created.sid.startswith("SM")
    assert len(created.sid) == 34
    assert created.status == "queued"
    assert created.direction == "outbound-api"
    assert created.to == "whatsapp:+447700900123"
    assert created.price is None
    assert created.date_created is not None
    assert created.account_sid == twilio_api.account_sid
    (received,) = twilio_api.wait_for_messages(1)
    assert received["Body"] == "Tea: 3 left, below 5"
    assert received["sid"] == created.sid


def test_twilio_template_variables_are_parsed(twilio: Client, twilio_api: FakeTwilioApi) -> None:
    twilio.messages.create(
        to="whatsapp:+447700900123",
        from_=SHOP_NUMBER,
        content_sid="HX" + "0" * 32,
        content_variables=json.dumps({"1": "Tea", "2": "3"}),
    )
    assert twilio_api.messages[0]["ContentVariables"] == {"1": "Tea", "2": "3"}


@pytest.mark.parametrize(
    ("to", "sender", "body", "code"),
    [
        ("+447700900123", SHOP_NUMBER, "hi", 21211),
        ("whatsapp:+44 7700", SHOP_NUMBER, "hi", 21211),
        ("whatsapp:+447700900123", "+14155238886", "hi", 21212),
        ("whatsapp:+447700900123", SHOP_NUMBER, "", 21602),
    ],
)
def test_twilio_refuses_invalid_messages(
    twilio: Client,
    twilio_api: FakeTwilioApi,
    to: str,
    sender: str,
    body: str,
    code: int,
) -> None:
    with pytest.raises(TwilioRestException) as caught:
        twilio.messages.create(to=to, from_=sender, body=body)
    assert (caught.value.status, caught.value.code) == (400, code)
    assert twilio_api.messages == []
    assert twilio_api.requests_seen == 1


def test_twilio_rejected_numbers_fail_permanently(
    twilio: Client, twilio_api: FakeTwilioApi
) -> None:
    twilio_api.reject_number("+447700900999")
    with pytest.raises(TwilioRestException) as caught:
        twilio.messages.create(to="whatsapp:+447700900999", from_=SHOP_NUMBER, body="hi")
    assert (caught.value.status, caught.value.code) == (400, 21211)
    assert "not a valid phone number" in caught.value.msg


def test_twilio_checks_credentials(twilio_api: FakeTwilioApi) -> None:
    client = twilio_client(twilio_api, password="wrong")
    with pytest.raises(TwilioRestException) as caught:
        client.messages.create(to="whatsapp:+447700900123", from_=SHOP_NUMBER, body="hi")
    client.http_client.session.close()
    assert (caught.value.status, caught.value.code) == (401, 20003)


def test_twilio_server_errors_until_healed(twilio: Client, twilio_api: FakeTwilioApi) -> None:
    twilio_api.fail_with_status(500, times=None)
    for _ in range(2):
        with pytest.raises(TwilioRestException) as caught:
            twilio.messages.create(to="whatsapp:+447700900123", from_=SHOP_NUMBER, body="hi")
        assert caught.value.status == 500
    twilio_api.heal()
    twilio.messages.create(to="whatsapp:+447700900123", from_=SHOP_NUMBER, body="hi")
    assert twilio_api.requests_seen == 3
    assert len(twilio_api.messages) == 1


def test_twilio_delays_look_like_timeouts_and_stop_does_not_hang() -> None:
    api = FakeTwilioApi().start()
    api.delay_responses(30)
    client = twilio_client(api, timeout=0.2)
    with pytest.raises(requests.exceptions.Timeout):
        client.messages.create(to="whatsapp:+447700900123", from_=SHOP_NUMBER, body="hi")
    client.http_client.session.close()
    started = time.monotonic()
    api.stop()
    assert time.monotonic() - started < 5
    assert api.requests_seen == 1


async def test_twilio_messages_can_be_awaited(twilio: Client, twilio_api: FakeTwilioApi) -> None:
    send = asyncio.to_thread(
        twilio.messages.create, to="whatsapp:+447700900123", from_=SHOP_NUMBER, body="hi"
    )
    await asyncio.gather(send, twilio_api.await_messages(1))
    with pytest.raises(AssertionError, match="Expected 2 Twilio messages"):
        await twilio_api.await_messages(2, timeout=0.1)


# -- SMTP ------------------------------------------------------------------------------------


def alert_email(to: str, item: str = "Tea") -> EmailMessage:
    """A multipart alert like the ones the app sends."""
    message = EmailMessage()
    message["From"] = "stockbot@example.com"
    message["To"] = to
    message["Subject"] = f"Low stock: {item} (3 left)"
    message.set_content(f"{item}: 3 left, below the threshold of 5")
    message.add_alternative(
        f"<p><b>{item}</b>: 3 left, below the threshold of 5</p>", subtype="html"
    )
    return message


def test_one_smtp_connection_delivers_a_batch(smtp_server: SmtpSink) -> None:
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as client:
        for item in ("Tea", "Coffee", "Sugar"):
            client.send_message(alert_email("owner@example.com", item))
    received = smtp_server.wait_for_messages(3)
    assert [m.subject for m in received] == [
        f"Low stock: {i} (3 left)" for i in ("Tea", "Coffee", "Sugar")
    ]
    assert received[0].body("html").startswith("<p><b>Tea</b>")
    assert received[0].body("plain").strip() == "Tea: 3 left, below the threshold of 5"
    assert received[0].rcpt_tos == ["owner@example.com"]
    assert received[0].mail_from == "stockbot@example.com"
    assert smtp_server.connections == 1
    assert {m.connection for m in received} == {1}
    assert not received[0].tls
    assert received[0].login is None


def test_smtp_auth_is_required_when_configured() -> None:
    with SmtpSink(username="shop", password="app-password") as sink:
        with smtplib.SMTP(sink.host, sink.port, timeout=5) as client:
            with pytest.raises(smtplib.SMTPSenderRefused) as refused:
                client.send_message(alert_email("owner@example.com"))
            assert refused.value.smtp_code == 530
        with (
            smtplib.SMTP(sink.host, sink.port, timeout=5) as client,
            pytest.raises(smtplib.SMTPAuthenticationError),
        ):
            client.login("shop", "wrong")
        with smtplib.SMTP(sink.host, sink.port, timeout=5) as client:
            client.login("shop", "app-password")
            client.send_message(alert_email("owner@example.com"))
        (received,) = sink.wait_for_messages(1)
    assert received.login == "shop"
    assert sink.connections == 3


def test_smtp_starttls_with_auth() -> None:
    with SmtpSink(username="shop", password="pw", security="starttls") as sink:
        with (
            smtplib.SMTP(sink.host, sink.port, timeout=5) as client,
            pytest.raises(smtplib.SMTPException, match="STARTTLS"),
        ):
            client.login("shop", "pw")
        with smtplib.SMTP(sink.host, sink.port, timeout=5) as client:
            client.starttls(context=sink.ssl_context_for_clients())
            client.login("shop", "pw")
            client.send_message(alert_email("owner@example.com"))
        (received,) = sink.wait_for_messages(1)
    assert received.tls
    assert received.login == "shop"
    assert sink.connections == 2


def test_smtp_implicit_tls() -> None:
    with SmtpSink(security="ssl") as sink:
        context = sink.ssl_context_for_clients()
        with smtplib.SMTP_SSL(sink.host, sink.port, context=context, timeout=5) as client:
            client.send_message(alert_email("owner@example.com"))
        (received,) = sink.wait_for_messages(1)
    assert received.tls
    assert sink.connections == 1


def test_smtp_can_go_down_and_come_back_on_the_same_port(smtp_server: SmtpSink) -> None:
    port = smtp_server.port
    smtp_server.go_down()
    with pytest.raises(ConnectionRefusedError):
        smtplib.SMTP(smtp_server.host, port, timeout=5)
    smtp_server.come_up()
    assert smtp_server.port == port
    with smtplib.SMTP(smtp_server.host, port, timeout=5) as client:
        client.send_message(alert_email("owner@example.com"))
    assert len(smtp_server.wait_for_messages(1)) == 1


def test_going_down_drops_idle_sessions(smtp_server: SmtpSink) -> None:
    client = smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5)
    client.ehlo()
    smtp_server.go_down()
    with pytest.raises(smtplib.SMTPServerDisconnected):
        client.send_message(alert_email("owner@example.com"))
    client.close()
    assert smtp_server.messages == []


def test_smtp_rejections_are_temporary_or_permanent(smtp_server: SmtpSink) -> None:
    smtp_server.reject_next()
    smtp_server.reject_recipient("gone@example.com")
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as client:
        with pytest.raises(smtplib.SMTPDataError) as temporary:
            client.send_message(alert_email("owner@example.com"))
        with pytest.raises(smtplib.SMTPRecipientsRefused) as permanent:
            client.send_message(alert_email("gone@example.com"))
        client.send_message(alert_email("owner@example.com"))
    assert temporary.value.smtp_code == 451
    assert permanent.value.recipients["gone@example.com"][0] == 550
    assert len(smtp_server.wait_for_messages(1)) == 1
    assert len(smtp_server.refused) == 2


async def test_smtp_messages_can_be_awaited(smtp_server: SmtpSink) -> None:
    def send() -> None:
        with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as client:
            client.send_message(alert_email("owner@example.com"))

    _, received = await asyncio.gather(asyncio.to_thread(send), smtp_server.await_messages(1))
    assert received[0].rcpt_tos == ["owner@example.com"]
    with pytest.raises(AssertionError, match=r"(?s)Expected 2 emails.*Low stock: Tea"):
        await smtp_server.await_messages(2, timeout=0.1)
