"""Driving the bot through FakeBotApi: the updates users send it, queued for getUpdates."""

from __future__ import annotations

import contextlib
import copy
import re
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from tests.fakes.telegram_html import utf16_len
from tests.fakes.waiting import ChangeSignal

if TYPE_CHECKING:
    from tests.fakes.telegram_api import _Chat

JsonDict = dict[str, Any]

_COMMAND_RE = re.compile(r"/[a-zA-Z0-9_]{1,32}(@[a-zA-Z0-9_]+)?")


class UserUpdatesMixin:
    """FakeBotApi's methods that queue updates from users: messages, edits, button presses."""

    # FakeBotApi's state and message store, which these methods use
    _signal: ChangeSignal
    _pending: list[JsonDict]
    _chats: dict[int, _Chat]
    _update_ids: Iterator[int]
    _callback_ids: Iterator[int]
    _callback_queries: set[str]

    if TYPE_CHECKING:

        def _chat(self, chat_id: int) -> _Chat: ...

        def _new_message(self, chat: _Chat, sender: JsonDict, content: JsonDict) -> JsonDict: ...

        def _thread_fields(self, chat: _Chat, thread_id: Any) -> JsonDict: ...

        def _reaches_bot(self, chat: _Chat, message: JsonDict) -> bool: ...

    # -- driving the bot: updates from users ---------------------------------------------------

    def queue_update(self, payload: JsonDict) -> JsonDict:
        """Queue a raw update (update_id is assigned); returns it."""
        with self._signal:
            update = {"update_id": next(self._update_ids), **payload}
            self._pending.append(update)
            self._signal.notify()
            return update

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Everything queued inside reaches the bot together: getUpdates waits for the end of
        the block, then answers with as many of the updates as its limit allows."""
        with self._signal:
            yield

    def _user(self, user_id: int, first_name: str, username: str | None) -> JsonDict:
        user: JsonDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        user["language_code"] = "en"
        return user

    def _user_chat(self, user: JsonDict, chat_id: int | None) -> _Chat:
        chat = self._chat(chat_id if chat_id is not None else user["id"])
        if chat.info["type"] == "private":
            chat.info = {"id": chat.info["id"], "type": "private", "first_name": user["first_name"]}
            if "username" in user:
                chat.info["username"] = user["username"]
        return chat

    def send_message(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str = "Test",
        username: str | None = None,
        chat_id: int | None = None,
        message_thread_id: int | None = None,
        reply_to_message_id: int | None = None,
    ) -> JsonDict | None:
        """A user's text message (a /command gets its bot_command entity), in a forum topic
        if message_thread_id is given, quoting message reply_to_message_id if given.

        Returns the queued update, or None when the message is stored in a group without
        reaching the bot: privacy mode passes on only commands for this bot and replies to
        its messages, and a bot that is not a member gets nothing."""
        with self._signal:
            user = self._user(user_id, first_name, username)
            chat = self._user_chat(user, chat_id)
            content: JsonDict = {
                **self._thread_fields(chat, message_thread_id),
                **self._quote(chat, reply_to_message_id),
                "text": text,
            }
            command = _COMMAND_RE.match(text)
            if command:
                length = utf16_len(command.group())
                content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
            return self._deliver(chat, self._new_message(chat, user, content))

    @staticmethod
    def _quote(chat: _Chat, message_id: int | None) -> JsonDict:
        if message_id is None:
            return {}
        if message_id not in chat.messages:
            raise AssertionError(f"no message {message_id} in chat {chat.info['id']} to reply to")
        quoted = {k: v for k, v in chat.messages[message_id].items() if k != "reply_to_message"}
        return {"reply_to_message": copy.deepcopy(quoted)}

    def _deliver(self, chat: _Chat, message: JsonDict) -> JsonDict | None:
        if not self._reaches_bot(chat, message):
            return None
        return self.queue_update({"message": copy.deepcopy(message)})

    def send_edited_message(
        self, user_id: int, message_id: int, text: str, *, chat_id: int | None = None
    ) -> JsonDict:
        """Queue an edited_message update for a user's earlier message."""
        with self._signal:
            user = self._user(user_id, "Test", None)
            chat = self._user_chat(user, chat_id)
            message = {
                "message_id": message_id,
                "from": user,
                "chat": dict(chat.info),
                "date": int(time.time()) - 60,
                "edit_date": int(time.time()),
                "text": text,
            }
            return self.queue_update({"edited_message": message})

    def send_photo_message(
        self, user_id: int, *, caption: str | None = None, chat_id: int | None = None
    ) -> JsonDict | None:
        """Queue a message with a photo and no text (None: a group's privacy mode kept it
        from the bot, as with send_message)."""
        with self._signal:
            user = self._user(user_id, "Test", None)
            sizes = [
                {"file_id": f"PHOTO{i}", "file_unique_id": f"UP{i}", "width": w, "height": w}
                for i, w in enumerate((90, 320, 800))
            ]
            content: JsonDict = {"photo": sizes}
            if caption:
                content["caption"] = caption
            chat = self._user_chat(user, chat_id)
            return self._deliver(chat, self._new_message(chat, user, content))

    def press_button(
        self,
        user_id: int,
        message_id: int,
        data: str,
        *,
        chat_id: int | None = None,
        forged: bool = False,
        first_name: str = "Test",
        username: str | None = None,
    ) -> str:
        """Queue a callback_query for a button on a bot message, pressed by the named user;
        returns the query id."""
        with self._signal:
            chat = self._chats.get(chat_id if chat_id is not None else user_id)
            message = chat.messages.get(message_id) if chat else None
            if message is None or not message["from"]["is_bot"]:
                raise AssertionError(f"no bot message {message_id} in chat {chat_id or user_id}")
            rows = message.get("reply_markup", {}).get("inline_keyboard", [])
            offered = [b.get("callback_data") for row in rows for b in row]
            if not forged and data not in offered:
                raise AssertionError(f"message {message_id} has no button {data!r}: {offered}")
            query_id = f"{next(self._callback_ids)}{user_id}"
            self._callback_queries.add(query_id)
            query = {
                "id": query_id,
                "from": self._user(user_id, first_name, username),
                "message": copy.deepcopy(message),
                "chat_instance": f"instance-{message['chat']['id']}",
                "data": data,
            }
            self.queue_update({"callback_query": query})
            return query_id
