"""The Bot API methods FakeBotApi answers: updates, commands, sending and editing messages."""

from __future__ import annotations

import copy
import json
import re
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from tests.fakes.telegram_wire import (
    MAX_CAPTION,
    MAX_TEXT,
    UploadedFile,
    _bad_request,
    _check_inline_keyboard,
    _render,
)
from tests.fakes.waiting import ChangeSignal

if TYPE_CHECKING:
    from tests.fakes.telegram_api import _Chat

JsonDict = dict[str, Any]

_BOT_COMMAND_NAME_RE = re.compile(r"[a-z0-9_]{1,32}")
# What getUpdates leaves out unless allowed_updates names it (the Bot API docs).
_NOT_SENT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class BotApiMethodsMixin:
    """FakeBotApi's Bot API method implementations, called with the signal's lock held."""

    # FakeBotApi's state and message store, which these methods use
    _signal: ChangeSignal
    _polls: int
    _pending: list[JsonDict]
    _allowed_updates: list[str]
    _commands: dict[tuple[str, str], list[JsonDict]]
    _callback_queries: set[str]
    _answers: list[JsonDict]
    _file_ids: Iterator[int]
    clock: Callable[[], float]  # GroupFloodLimitMixin's, which times everything

    if TYPE_CHECKING:

        def bot_user(self) -> JsonDict: ...

        def _refuse_while_webhook_set(self) -> None: ...

        def _chat(self, chat_id: int) -> _Chat: ...

        def _placement(self, chat: _Chat, params: JsonDict) -> JsonDict: ...

        def _new_message(self, chat: _Chat, sender: JsonDict, content: JsonDict) -> JsonDict: ...

        def _record(
            self,
            message: JsonDict,
            method: str,
            raw: str | None,
            params: JsonDict,
            *,
            edited: bool,
            upload: UploadedFile | str | None = None,
        ) -> None: ...

    # -- Bot API methods -----------------------------------------------------------------------

    def _get_updates(self, params: JsonDict) -> list[JsonDict]:
        self._refuse_while_webhook_set()
        self._polls += 1
        self._signal.notify()
        if "allowed_updates" in params:
            self._allowed_updates = list(params["allowed_updates"] or [])
        self._confirm(int(params.get("offset") or 0))
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = float(params.get("timeout") or 0)
        updates = self._signal.wait_for(lambda: self._deliverable() or None, timeout)
        return copy.deepcopy((updates or [])[:limit])

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        elif offset < 0:
            self._pending = self._pending[offset:]

    def _deliverable(self) -> list[JsonDict]:
        # Like Telegram, updates of a type not asked for are dropped, not kept for later.
        if self._allowed_updates:
            allowed = set(self._allowed_updates)
            self._pending = [u for u in self._pending if set(u) - {"update_id"} <= allowed]
        else:
            self._pending = [u for u in self._pending if not set(u) & _NOT_SENT_BY_DEFAULT]
        return list(self._pending)

    @staticmethod
    def _commands_key(params: JsonDict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def _set_my_commands(self, params: JsonDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad_request('field "commands" must be an Array of at most 100 BotCommand')
        for command in commands:
            if not _BOT_COMMAND_NAME_RE.fullmatch(str(command.get("command", ""))):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self._commands[self._commands_key(params)] = commands
        return True

    def _get_my_commands(self, params: JsonDict) -> list[JsonDict]:
        return self._commands.get(self._commands_key(params), [])

    def _delete_my_commands(self, params: JsonDict) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    def _target_chat(self, params: JsonDict) -> _Chat:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            raise _bad_request("chat not found")
        return self._chat(chat_id)

    def _send_message(self, params: JsonDict) -> JsonDict:
        chat = self._target_chat(params)
        text = params.get("text")
        if not isinstance(text, str) or not text:
            raise _bad_request("message text is empty")
        plain, entities = _render(text, params.get("parse_mode"), params.get("entities"))
        if not plain:
            raise _bad_request("message text is empty")
        if len(plain) > MAX_TEXT:
            raise _bad_request("message is too long")
        markup = params.get("reply_markup")
        _check_inline_keyboard(markup)
        message = self._new_message(chat, self.bot_user(), self._placement(chat, params))
        self._set_content(message, "text", plain, entities, markup)
        self._record(message, "sendMessage", text, params, edited=False)
        return message

    def _send_file(self, params: JsonDict, method: str, field_name: str) -> JsonDict:
        chat = self._target_chat(params)
        upload = params.get(field_name)
        if upload is None:
            raise _bad_request(f"there is no {field_name} in the request")
        caption = params.get("caption")
        plain, entities = _render(
            caption or "", params.get("parse_mode"), params.get("caption_entities")
        )
        if len(plain) > MAX_CAPTION:
            raise _bad_request("message caption is too long")
        markup = params.get("reply_markup")
        _check_inline_keyboard(markup)
        content = {**self._placement(chat, params), **self._file_object(field_name, upload)}
        message = self._new_message(chat, self.bot_user(), content)
        if plain:
            self._set_content(message, "caption", plain, entities, markup)
        elif markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        self._record(message, method, caption, params, edited=False, upload=upload)
        return message

    @staticmethod
    def _reply_to(chat: _Chat, params: JsonDict) -> JsonDict:
        """The reply_to_message part of a new message, as reply_parameters ask."""
        reply = params.get("reply_parameters") or {}
        if "reply_to_message_id" in params:
            reply = {"message_id": params["reply_to_message_id"], **reply}
        if "message_id" not in reply:
            return {}
        target = chat.messages.get(int(reply["message_id"]))
        if target is None:
            if reply.get("allow_sending_without_reply"):
                return {}
            raise _bad_request("message to be replied not found")
        quoted = {k: v for k, v in target.items() if k != "reply_to_message"}
        return {"reply_to_message": copy.deepcopy(quoted)}

    def _file_object(self, field_name: str, upload: UploadedFile | str) -> JsonDict:
        file_id = f"FILE{next(self._file_ids)}"
        size = len(upload.content) if isinstance(upload, UploadedFile) else 1
        base = {"file_id": file_id, "file_unique_id": f"U{file_id}", "file_size": size}
        if field_name == "photo":
            return {"photo": [{**base, "width": 90, "height": 90}]}
        name = upload.filename if isinstance(upload, UploadedFile) else "file"
        mime = upload.content_type if isinstance(upload, UploadedFile) else None
        return {"document": {**base, "file_name": name, "mime_type": mime}}

    def _stored_bot_message(self, params: JsonDict) -> JsonDict:
        if "inline_message_id" in params:
            raise _bad_request("inline messages are not supported by this fake")
        chat = self._target_chat(params)
        message_id = params.get("message_id")
        message = chat.messages.get(message_id) if isinstance(message_id, int) else None
        if message is None:
            raise _bad_request("message to edit not found")
        if not message["from"]["is_bot"]:
            raise _bad_request("message can't be edited")
        return message

    def _edit_message_text(self, params: JsonDict) -> JsonDict:
        message = self._stored_bot_message(params)
        if "text" not in message:
            raise _bad_request("there is no text in the message to edit")
        text = params.get("text")
        if not isinstance(text, str) or not text:
            raise _bad_request("message text is empty")
        plain, entities = _render(text, params.get("parse_mode"), params.get("entities"))
        if len(plain) > MAX_TEXT:
            raise _bad_request("MESSAGE_TOO_LONG")
        markup = params.get("reply_markup")
        _check_inline_keyboard(markup)
        # like Telegram, an edit without reply_markup removes the inline keyboard
        self._apply_edit(message, "text", plain, entities, markup)
        self._record(message, "editMessageText", text, params, edited=True)
        return message

    def _edit_message_reply_markup(self, params: JsonDict) -> JsonDict:
        message = self._stored_bot_message(params)
        markup = params.get("reply_markup")
        _check_inline_keyboard(markup)
        kind = "text" if "text" in message else "caption"
        entities = message.get(f"{kind}_entities" if kind == "caption" else "entities", [])
        self._apply_edit(message, kind, message.get(kind, ""), entities, markup)
        self._record(message, "editMessageReplyMarkup", None, params, edited=True)
        return message

    def _apply_edit(
        self,
        message: JsonDict,
        kind: str,
        plain: str,
        entities: list[JsonDict],
        markup: JsonDict | None,
    ) -> None:
        before = copy.deepcopy(message)
        self._set_content(message, kind, plain, entities, markup)
        if message == before:
            raise _bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        message["edit_date"] = int(time.time())

    @staticmethod
    def _set_content(
        message: JsonDict, kind: str, plain: str, entities: list[JsonDict], markup: JsonDict | None
    ) -> None:
        entity_key = "entities" if kind == "text" else "caption_entities"
        message[kind] = plain
        message.pop(entity_key, None)
        message.pop("reply_markup", None)
        if entities:
            message[entity_key] = entities
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup

    def _answer_callback_query(self, params: JsonDict) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self._callback_queries:
            raise _bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        self._callback_queries.discard(query_id)
        answer = {"callback_query_id": query_id, "at": self.clock()}
        for key in ("text", "show_alert", "url", "cache_time"):
            if key in params:
                answer[key] = params[key]
        self._answers.append(answer)
        return True
