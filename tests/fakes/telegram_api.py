"""A local Telegram Bot API server for tests, speaking the real HTTP protocol on loopback."""

from __future__ import annotations

import copy
import itertools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# The shared plumbing lives in its own modules; its names stay importable from here.
from tests.fakes.http_server import HttpApp, HttpRequest, HttpResponse, LoopbackHttpServer
from tests.fakes.telegram_faults import FaultInjectionMixin, _Fault
from tests.fakes.telegram_groups import GroupsMixin
from tests.fakes.telegram_html import HtmlParseError, render_html, utf16_len
from tests.fakes.telegram_methods import BotApiMethodsMixin
from tests.fakes.telegram_users import UserUpdatesMixin
from tests.fakes.telegram_waiting import WaitingMixin
from tests.fakes.telegram_webhook import WebhookMixin
from tests.fakes.telegram_webhook_delivery import WebhookAttempt
from tests.fakes.telegram_wire import (
    MAX_CALLBACK_DATA,
    MAX_CAPTION,
    MAX_TEXT,
    ApiError,
    UploadedFile,
    decode_params,
)
from tests.fakes.waiting import DEFAULT_TIMEOUT, ChangeSignal

__all__ = [
    "BOT_ID",
    "BOT_USERNAME",
    "DEFAULT_TIMEOUT",
    "MAX_CALLBACK_DATA",
    "MAX_CAPTION",
    "MAX_TEXT",
    "ApiError",
    "ApiErrorAnswer",
    "ApiRequest",
    "ChangeSignal",
    "FakeBotApi",
    "HtmlParseError",
    "HttpApp",
    "HttpRequest",
    "HttpResponse",
    "LoopbackHttpServer",
    "SentMessage",
    "UploadedFile",
    "WebhookAttempt",
    "decode_params",
    "render_html",
    "utf16_len",
]

JsonDict = dict[str, Any]

BOT_ID = 123456
BOT_USERNAME = "stockbot_test_bot"


@dataclass(frozen=True)
class ApiRequest:
    """One call the bot made: method name (canonical), decoded params, arrival time."""

    seq: int
    method: str
    params: JsonDict
    at: float


@dataclass(frozen=True)
class ApiErrorAnswer:
    """An error the fake answered, kept so timeouts can explain why a reply never came."""

    method: str
    params: JsonDict
    error_code: int
    description: str


@dataclass(frozen=True)
class SentMessage:
    """A message the bot sent or edited, in the order the fake received it."""

    seq: int
    message_id: int
    chat_id: int
    text: str | None
    plain_text: str | None
    parse_mode: str | None
    reply_markup: JsonDict | None
    entities: list[JsonDict]
    edited: bool
    method: str
    at: float
    file_name: str | None = None
    file_bytes: bytes | None = field(default=None, repr=False)
    thread_id: int | None = None

    @property
    def buttons(self) -> list[JsonDict]:
        """The inline keyboard's buttons, row by row, flattened."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]

    def callback_data(self, label: str) -> str:
        """The callback_data of the button whose text contains label."""
        for button in self.buttons:
            if label in button.get("text", "") and "callback_data" in button:
                return str(button["callback_data"])
        raise AssertionError(f"no button {label!r} in {self.buttons!r}")


@dataclass
class _Chat:
    info: JsonDict
    next_message_id: int = 1
    messages: dict[int, JsonDict] = field(default_factory=dict)


class FakeBotApi(
    UserUpdatesMixin,
    FaultInjectionMixin,
    WaitingMixin,
    BotApiMethodsMixin,
    GroupsMixin,
    WebhookMixin,
):
    """The Telegram Bot API on 127.0.0.1: serves a real bot, records it, lets tests drive it."""

    def __init__(self, token: str = f"{BOT_ID}:TEST-token-abcdefghijklmnopqrstuvwx") -> None:
        self.token = token
        self._server = LoopbackHttpServer(self._serve)
        self._signal = ChangeSignal()
        self._seq = itertools.count(1)
        self._last_seq = 0
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._pending: list[JsonDict] = []
        self._allowed_updates: list[str] = []
        self._chats: dict[int, _Chat] = {}
        self._sent: list[SentMessage] = []
        self._requests: list[ApiRequest] = []
        self._errors: list[ApiErrorAnswer] = []
        self._unknown: list[str] = []
        self._callback_queries: set[str] = set()
        self._answers: list[JsonDict] = []
        self._commands: dict[tuple[str, str], list[JsonDict]] = {}
        self._faults: list[_Fault] = []
        self._blocked: set[int] = set()
        self._polls = 0
        self._init_groups()
        self._init_webhook()
        self._handlers: dict[str, Callable[[JsonDict], Any]] = {
            "getMe": lambda _: self.bot_user(),
            "getUpdates": self._get_updates,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": self._answer_callback_query,
            "sendDocument": lambda p: self._send_file(p, "sendDocument", "document"),
            "sendPhoto": lambda p: self._send_file(p, "sendPhoto", "photo"),
            "setMyDescription": lambda _: True,
            "setMyShortDescription": lambda _: True,
            "setChatMenuButton": lambda _: True,
            "close": lambda _: True,
            "logOut": lambda _: True,
        }
        self._by_lower = {name.lower(): name for name in self._handlers}

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> FakeBotApi:
        """Start serving on 127.0.0.1 with an OS-chosen port."""
        self._server.start()
        return self

    def stop(self) -> None:
        """Release long polls, end webhook deliveries, stop serving and join all threads."""
        self._signal.close()
        self._join_webhook()
        self._server.stop()

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """Pass as PTB's base_url; the client appends the token, as with api.telegram.org/bot."""
        return f"{self._server.url}/bot"

    @property
    def file_base_url(self) -> str:
        """Pass as PTB's base_file_url."""
        return f"{self._server.url}/file/bot"

    def bot_user(self) -> JsonDict:
        """The bot's own User object, as getMe returns it."""
        return {
            "id": int(self.token.split(":")[0]),
            "is_bot": True,
            "first_name": "Stockbot Test",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    # -- HTTP entry ----------------------------------------------------------------------------

    def _serve(self, request: HttpRequest) -> HttpResponse:
        match = re.fullmatch(r"/bot([^/]*)/([^/]*)", request.path)
        if match is None:
            return HttpResponse.json(404, ApiError(404, "Not Found").payload())
        if match.group(1) != self.token:
            return HttpResponse.json(401, ApiError(401, "Unauthorized").payload())
        try:
            params = decode_params(request)
            return HttpResponse.json(200, {"ok": True, "result": self._call(match[2], params)})
        except ApiError as error:
            return HttpResponse.json(error.error_code, error.payload())

    def _call(self, raw_method: str, params: JsonDict) -> Any:
        method = self._by_lower.get(raw_method.lower(), raw_method)
        with self._signal:
            self._requests.append(ApiRequest(self._next_seq(), method, params, self.clock()))
            self._signal.notify()
            try:
                if method not in self._handlers:
                    self._unknown.append(raw_method)
                    raise ApiError(404, "Not Found: method not found")
                self._check_faults(method, params)
                self._check_chat_state(method, params)
                self._check_group_limit(method, params)
                return self._handlers[method](params)
            except ApiError as error:
                answer = ApiErrorAnswer(method, params, error.error_code, error.description)
                self._errors.append(answer)
                self._signal.notify()
                raise

    def _next_seq(self) -> int:
        self._last_seq = next(self._seq)
        return self._last_seq

    # -- message store -------------------------------------------------------------------------

    def _chat(self, chat_id: int) -> _Chat:
        if chat_id not in self._chats:
            if chat_id > 0:
                info: JsonDict = {"id": chat_id, "type": "private", "first_name": "Test"}
            else:
                kind = "supergroup" if str(chat_id).startswith("-100") else "group"
                info = {"id": chat_id, "type": kind, "title": "Test group"}
            self._chats[chat_id] = _Chat(info)
        return self._chats[chat_id]

    def _new_message(self, chat: _Chat, sender: JsonDict, content: JsonDict) -> JsonDict:
        message_id = chat.next_message_id
        chat.next_message_id += 1
        message = {
            "message_id": message_id,
            "from": sender,
            "chat": dict(chat.info),
            "date": int(time.time()),
            **content,
        }
        chat.messages[message_id] = message
        return message

    def _record(
        self,
        message: JsonDict,
        method: str,
        raw: str | None,
        params: JsonDict,
        *,
        edited: bool,
        upload: UploadedFile | str | None = None,
    ) -> None:
        kind = "text" if "text" in message else "caption"
        entities = message.get("entities" if kind == "text" else "caption_entities", [])
        sent = SentMessage(
            seq=self._next_seq(),
            message_id=message["message_id"],
            chat_id=message["chat"]["id"],
            text=raw if raw is not None else message.get(kind),
            plain_text=message.get(kind),
            parse_mode=params.get("parse_mode"),
            reply_markup=params.get("reply_markup"),
            entities=copy.deepcopy(entities),
            edited=edited,
            method=method,
            at=self.clock(),
            file_name=upload.filename if isinstance(upload, UploadedFile) else None,
            file_bytes=upload.content if isinstance(upload, UploadedFile) else None,
            thread_id=message.get("message_thread_id"),
        )
        self._sent.append(sent)
        self._signal.notify()

    # -- inspection ----------------------------------------------------------------------------

    def mark(self) -> int:
        """A marker for `after=`: only what is sent or requested later counts."""
        with self._signal:
            return self._last_seq

    def messages(self, chat_id: int) -> list[SentMessage]:
        """Messages sent (and edits made) by the bot to chat_id, in order."""
        with self._signal:
            return [m for m in self._sent if m.chat_id == chat_id]

    def all_messages(self) -> list[SentMessage]:
        """Every message sent or edited by the bot, in order."""
        with self._signal:
            return list(self._sent)

    def messages_from(self, index: int) -> list[SentMessage]:
        """Messages sent or edited from the index-th on (0 is the first), in order: a reader
        that keeps its place copies only what is new."""
        with self._signal:
            return self._sent[index:]

    def replies_since(self, chat_id: int, marker: int) -> list[SentMessage]:
        """Messages to chat_id sent after marker (see mark())."""
        with self._signal:
            return [m for m in self._sent if m.chat_id == chat_id and m.seq > marker]

    def current(self, chat_id: int, message_id: int) -> JsonDict:
        """The stored Message object as it stands now (after edits)."""
        with self._signal:
            return copy.deepcopy(self._chats[chat_id].messages[message_id])

    @property
    def requests(self) -> list[ApiRequest]:
        """Every call received, in order, timed by the fake's clock (time.monotonic)."""
        with self._signal:
            return list(self._requests)

    @property
    def errors(self) -> list[ApiErrorAnswer]:
        """Every error answered (validation failures and injected faults)."""
        with self._signal:
            return list(self._errors)

    @property
    def unknown_methods(self) -> list[str]:
        """Methods the bot called that this fake does not know (answered 404)."""
        with self._signal:
            return list(self._unknown)

    @property
    def callback_answers(self) -> list[JsonDict]:
        """answerCallbackQuery calls, in order."""
        with self._signal:
            return list(self._answers)

    def commands(self, scope: JsonDict | None = None, language_code: str = "") -> list[JsonDict]:
        """Commands stored by setMyCommands for a scope (default scope if None)."""
        key = self._commands_key({"scope": scope, "language_code": language_code})
        with self._signal:
            return list(self._commands.get(key, []))

    @property
    def pending_updates(self) -> list[JsonDict]:
        """Updates queued and not yet confirmed by the bot."""
        with self._signal:
            return copy.deepcopy(self._pending)
