"""FakeBotApi's groups, topics, privacy mode, membership, migration and flood limit behave like
Telegram for the real python-telegram-bot client."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Sequence

import pytest
from telegram import (
    Bot,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter
from telegram.ext import (
    ApplicationBuilder,
    BaseHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fakes.telegram_api import FakeBotApi

USER = 424242
GROUP = -4001
SUPERGROUP = -1001234567890
FORUM = -1009876543210


def make_bot(api: FakeBotApi) -> Bot:
    """A PTB Bot talking to the fake."""
    return Bot(api.token, base_url=api.base_url, base_file_url=api.file_base_url)


class ManualClock:
    """A monotonic clock that only moves when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@contextlib.asynccontextmanager
async def polling_app(
    api: FakeBotApi,
    handlers: Sequence[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]],
    allowed_updates: list[str] | None = None,
) -> AsyncIterator[None]:
    """A real Application polling the fake with these handlers (one group each), stopped after."""
    app = (
        ApplicationBuilder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.file_base_url)
        .build()
    )
    for group, handler in enumerate(handlers):
        app.add_handler(handler, group=group)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=5, allowed_updates=allowed_updates)
        try:
            await api.await_polled()
            yield
        finally:
            await app.updater.stop()
            await app.stop()


# -- forums and topics -----------------------------------------------------------------------


async def test_the_bot_posts_into_a_topic_and_not_into_a_missing_one(bot_api: FakeBotApi) -> None:
    bot_api.create_group(FORUM, supergroup=True, forum=True)
    bot_api.create_group(SUPERGROUP, supergroup=True)
    topic = bot_api.create_topic(FORUM, "Low stock")
    async with make_bot(bot_api) as bot:
        message = await bot.send_message(FORUM, "Tea: 3 left", message_thread_id=topic)
        await bot.send_document(FORUM, b"Tea,3\n", filename="s.csv", message_thread_id=topic)
        general = await bot.send_message(FORUM, "in General")
        with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
            await bot.send_message(FORUM, "lost", message_thread_id=topic + 100)
        with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
            await bot.send_message(SUPERGROUP, "no forum", message_thread_id=topic)
    assert message.message_thread_id == topic
    assert message.is_topic_message
    assert message.chat.is_forum
    assert general.message_thread_id is None
    assert [m.thread_id for m in bot_api.messages(FORUM)] == [topic, topic, None]
    assert bot_api.messages(SUPERGROUP) == []


async def test_a_users_topic_message_parses_as_one(bot_api: FakeBotApi) -> None:
    bot_api.create_group(FORUM, "Shop team", supergroup=True, forum=True)
    topic = bot_api.create_topic(FORUM, "Low stock")
    update = bot_api.send_message(
        USER, "/stock", chat_id=FORUM, message_thread_id=topic, first_name="Anna"
    )
    assert update is not None
    async with make_bot(bot_api) as bot:
        message = Update.de_json(update, bot).message
    assert message is not None
    assert message.is_topic_message
    assert message.message_thread_id == topic
    assert message.chat.type == "supergroup"
    assert message.chat.title == "Shop team"
    assert message.from_user is not None
    assert message.from_user.first_name == "Anna"
    # as in Telegram, a topic message that quotes nothing replies to the topic's creation
    assert message.reply_to_message is not None
    assert message.reply_to_message.forum_topic_created is not None
    assert message.reply_to_message.forum_topic_created.name == "Low stock"


async def test_a_button_pressed_in_a_topic_names_the_presser(bot_api: FakeBotApi) -> None:
    bot_api.create_group(FORUM, supergroup=True, forum=True)
    topic = bot_api.create_topic(FORUM, "Low stock")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Resolve", callback_data="a:1")]])
    async with make_bot(bot_api) as bot:
        sent = await bot.send_message(FORUM, "Tea", message_thread_id=topic, reply_markup=markup)
        bot_api.press_button(
            USER, sent.message_id, "a:1", chat_id=FORUM, first_name="Anna", username="anna_shop"
        )
        (update,) = await bot.get_updates()
    query = update.callback_query
    assert query is not None
    assert (query.from_user.first_name, query.from_user.username) == ("Anna", "anna_shop")
    assert isinstance(query.message, Message)
    assert query.message.message_thread_id == topic


# -- privacy mode ----------------------------------------------------------------------------


async def test_privacy_mode_passes_on_only_commands_and_replies_for_the_bot(
    bot_api: FakeBotApi,
) -> None:
    bot_api.create_group(GROUP)
    seen: list[str] = []

    async def stock(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("Tea: 3 left")

    async def record(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        seen.append(update.effective_message.text or "")

    handlers = [CommandHandler("stock", stock), MessageHandler(filters.ALL, record)]
    async with polling_app(bot_api, handlers):
        assert bot_api.send_message(USER, "hello all", chat_id=GROUP) is None
        assert bot_api.send_message(USER, "/stock@other_bot", chat_id=GROUP) is None
        first = await bot_api.ask(USER, "/stock", chat_id=GROUP)
        thanks = bot_api.send_message(
            USER, "thanks", chat_id=GROUP, reply_to_message_id=first.message_id
        )
        second = await bot_api.ask(USER, "/stock@stockbot_test_bot", chat_id=GROUP)
    assert seen == ["/stock", "thanks", "/stock@stockbot_test_bot"]
    assert [first.plain_text, second.plain_text] == ["Tea: 3 left"] * 2
    assert thanks is not None
    assert thanks["message"]["reply_to_message"]["message_id"] == first.message_id
    assert bot_api.current(GROUP, 1)["text"] == "hello all"


async def test_without_privacy_mode_the_bot_reads_every_group_message(
    bot_api: FakeBotApi,
) -> None:
    bot_api.create_group(GROUP)
    async with make_bot(bot_api) as bot:
        assert not (await bot.get_me()).can_read_all_group_messages
        bot_api.privacy_mode = False
        assert (await bot.get_me()).can_read_all_group_messages
        bot_api.send_message(USER, "hello all", chat_id=GROUP)
        bot_api.send_message(USER, "in private")
        updates = await bot.get_updates()
    assert [u.message.text for u in updates if u.message] == ["hello all", "in private"]


# -- membership ------------------------------------------------------------------------------


async def test_being_added_and_kicked_reaches_a_chat_member_handler(bot_api: FakeBotApi) -> None:
    bot_api.create_group(GROUP)
    changes: list[ChatMemberUpdated] = []
    both_seen = asyncio.Event()

    async def member_changed(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.my_chat_member is not None
        changes.append(update.my_chat_member)
        if len(changes) == 2:
            both_seen.set()

    handler = ChatMemberHandler(member_changed, ChatMemberHandler.MY_CHAT_MEMBER)
    async with polling_app(bot_api, [handler], allowed_updates=["message", "my_chat_member"]):
        bot_api.add_bot_to_group(GROUP, USER, first_name="Anna")
        bot_api.remove_bot_from_group(GROUP, USER)
        await asyncio.wait_for(both_seen.wait(), 5)
    statuses = [(c.old_chat_member.status, c.new_chat_member.status) for c in changes]
    assert statuses == [("left", "member"), ("member", "kicked")]
    assert changes[0].from_user.first_name == "Anna"
    assert changes[0].chat.id == GROUP
    assert changes[1].new_chat_member.user.username == "stockbot_test_bot"


async def test_by_default_my_chat_member_is_delivered_and_chat_member_is_not(
    bot_api: FakeBotApi,
) -> None:
    bot_api.create_group(GROUP)
    added = bot_api.add_bot_to_group(GROUP, USER)
    bot_api.queue_update({"chat_member": added["my_chat_member"]})
    async with make_bot(bot_api) as bot:
        updates = await bot.get_updates(allowed_updates=[])
        bot_api.add_bot_to_group(GROUP, USER)
        later = updates[-1].update_id + 1
        assert await bot.get_updates(offset=later, allowed_updates=["message"]) == ()
    assert [u.update_id for u in updates] == [added["update_id"]]
    assert bot_api.pending_updates == []


@pytest.mark.parametrize(
    ("chat_id", "supergroup", "kicked", "reason"),
    [
        (GROUP, False, True, "Forbidden: bot was kicked from the group chat"),
        (GROUP, False, False, "Forbidden: bot is not a member of the group chat"),
        (SUPERGROUP, True, True, "Forbidden: bot was kicked from the supergroup chat"),
    ],
)
async def test_a_bot_removed_from_a_group_may_not_write_there(
    bot_api: FakeBotApi, chat_id: int, supergroup: bool, kicked: bool, reason: str
) -> None:
    bot_api.create_group(chat_id, supergroup=supergroup)
    async with make_bot(bot_api) as bot:
        sent = await bot.send_message(chat_id, "Tea: 3 left")
        removed = bot_api.remove_bot_from_group(chat_id, USER, kicked=kicked)
        with pytest.raises(Forbidden) as refused:
            await bot.send_message(chat_id, "Coffee: 1 left")
        with pytest.raises(Forbidden):
            await bot.edit_message_text("Tea: 2 left", chat_id, sent.message_id)
        with pytest.raises(Forbidden):
            await bot.send_photo(chat_id, b"\x89PNG fake")
        update = Update.de_json(removed, bot)
    assert refused.value.message == reason
    assert update.my_chat_member is not None
    assert update.my_chat_member.new_chat_member.status == ("kicked" if kicked else "left")
    assert bot_api.send_message(USER, "/stock", chat_id=chat_id) is None
    assert len(bot_api.messages(chat_id)) == 1


async def test_a_user_blocking_the_bot_is_announced_then_refused(bot_api: FakeBotApi) -> None:
    async with make_bot(bot_api) as bot:
        await bot.send_message(USER, "welcome")
        blocked = bot_api.user_blocks_bot(USER, first_name="Anna")
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_message(USER, "still there?")
        update = Update.de_json(blocked, bot)
    change = update.my_chat_member
    assert change is not None
    assert change.chat.type == "private"
    assert (change.old_chat_member.status, change.new_chat_member.status) == ("member", "kicked")
    assert change.from_user.id == USER


# -- migration -------------------------------------------------------------------------------


async def test_a_migrated_group_points_the_bot_to_its_new_id(bot_api: FakeBotApi) -> None:
    bot_api.create_group(GROUP, "Shop team")
    async with make_bot(bot_api) as bot:
        before = await bot.send_message(GROUP, "Tea: 3 left")
        new_id = bot_api.migrate_to_supergroup(GROUP, USER)
        old_side, new_side = (u.message for u in await bot.get_updates())
        with pytest.raises(ChatMigrated) as migrated:
            await bot.send_message(GROUP, "Coffee: 1 left")
        with pytest.raises(ChatMigrated):
            await bot.edit_message_text("Tea: 2 left", GROUP, before.message_id)
        await bot.send_message(new_id, "Coffee: 1 left")
        with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
            await bot.edit_message_text("Tea: 2 left", new_id, before.message_id)
    assert str(new_id).startswith("-100")
    assert migrated.value.new_chat_id == new_id
    assert old_side is not None
    assert (old_side.chat.id, old_side.migrate_to_chat_id) == (GROUP, new_id)
    assert new_side is not None
    assert (new_side.chat.id, new_side.migrate_from_chat_id) == (new_id, GROUP)
    assert (new_side.chat.type, new_side.chat.title) == ("supergroup", "Shop team")
    assert [m.plain_text for m in bot_api.messages(new_id)] == ["Coffee: 1 left"]


# -- flood limit per group -------------------------------------------------------------------


@pytest.fixture
def clock(bot_api: FakeBotApi, monkeypatch: pytest.MonkeyPatch) -> ManualClock:
    """The fake's clock, moved by hand; PTB may report RetryAfter as a timedelta."""
    # PTB 22 warns on every RetryAfter unless it may use timedelta, and warnings are errors here.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    manual = ManualClock()
    bot_api.clock = manual
    return manual


async def test_the_21st_message_in_a_minute_to_a_group_is_refused(
    bot_api: FakeBotApi, clock: ManualClock
) -> None:
    bot_api.create_group(GROUP)
    async with make_bot(bot_api) as bot:
        for n in range(20):
            await bot.send_message(GROUP, f"alert {n}")
            clock.now += 1
        with pytest.raises(RetryAfter) as refused:
            await bot.send_message(GROUP, "one too many")
        for n in range(25):
            await bot.send_message(USER, f"private {n}")
        clock.now += 40  # the first alert is now a minute old
        await bot.send_message(GROUP, "room again")
        with pytest.raises(RetryAfter):
            await bot.send_message(GROUP, "but only for one")
    assert refused.value.retry_after == dt.timedelta(seconds=40)
    assert bot_api.group_limit_refusals == [GROUP, GROUP]
    assert bot_api.max_in_any_minute(GROUP) == 20
    assert bot_api.max_in_any_minute(USER) == 25


@pytest.mark.usefixtures("clock")
async def test_edits_count_towards_the_group_limit(bot_api: FakeBotApi) -> None:
    bot_api.create_group(SUPERGROUP, supergroup=True)
    async with make_bot(bot_api) as bot:
        sent = await bot.send_message(SUPERGROUP, "page 0")
        for n in range(1, 20):
            await bot.edit_message_text(f"page {n}", SUPERGROUP, sent.message_id)
        with pytest.raises(RetryAfter) as refused:
            await bot.edit_message_text("page 20", SUPERGROUP, sent.message_id)
        bot_api.advance_clock(60)
        await bot.edit_message_text("page 20", SUPERGROUP, sent.message_id)
    assert refused.value.retry_after == dt.timedelta(seconds=60)
    assert bot_api.current(SUPERGROUP, sent.message_id)["text"] == "page 20"
    assert bot_api.group_limit_refusals == [SUPERGROUP]


@pytest.mark.usefixtures("clock")
async def test_the_group_limit_can_be_switched_off(bot_api: FakeBotApi) -> None:
    bot_api.create_group(GROUP)
    bot_api.group_limit_per_minute = None
    async with make_bot(bot_api) as bot:
        for n in range(25):
            await bot.send_message(GROUP, f"alert {n}")
    assert bot_api.group_limit_refusals == []
    assert bot_api.max_in_any_minute(GROUP) == 25


async def test_max_in_any_minute_finds_the_busiest_window(
    bot_api: FakeBotApi, clock: ManualClock
) -> None:
    bot_api.create_group(GROUP)
    async with make_bot(bot_api) as bot:
        for at in (0, 30, 59, 61, 125):
            clock.now = 1000.0 + at
            await bot.send_message(GROUP, f"at {at}")
    assert bot_api.max_in_any_minute(GROUP) == 3
    assert bot_api.max_in_any_minute(SUPERGROUP) == 0


async def test_the_fake_counts_the_most_messages_to_all_chats_within_any_second(
    bot_api: FakeBotApi, clock: ManualClock
) -> None:
    async with make_bot(bot_api) as bot:
        for at in (0.0, 0.5, 0.9, 1.2, 1.3, 1.4, 3.0):
            clock.now = 1000.0 + at
            await bot.send_message(USER if at < 1 else USER + 1, f"at {at}")
    assert bot_api.max_in_any_second() == 5  # 0.5 to 1.4
