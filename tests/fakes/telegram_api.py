"""A local Telegram Bot API server for tests, speaking the real HTTP protocol on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import email.message
import html
import itertools
import json
import re
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from typing import Any, TypeVar
from urllib.parse import parse_qsl

T = TypeVar("T")
JsonDict = dict[str, Any]

DEFAULT_TIMEOUT = 10.0

# ---------------------------------------------------------------------------------------------
# Shared plumbing: the other fakes import these too, so that every fake waits and serves alike.
# ---------------------------------------------------------------------------------------------


class ChangeSignal:
    """A lock plus a condition that wakes blocked threads and asyncio waiters on every change."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._cond = threading.Condition(self.lock)
        self._async_waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self.closed = False

    def __enter__(self) -> ChangeSignal:
        self.lock.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.lock.release()

    def notify(self) -> None:
        """Wake every waiter; call with the lock held, after changing state."""
        self._cond.notify_all()
        for loop, event in list(self._async_waiters):
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # the waiter's loop is already closed; nothing to wake
                self._async_waiters.discard((loop, event))

    def close(self) -> None:
        """Mark the fake as stopped so every waiter gives up at once."""
        with self.lock:
            self.closed = True
            self.notify()

    def wait_for(self, probe: Callable[[], T | None], timeout: float) -> T | None:
        """Block until probe() returns non-None (its result) or the timeout passes (None)."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                result = probe()
                remaining = deadline - time.monotonic()
                if result is not None or self.closed or remaining <= 0:
                    return result
                self._cond.wait(remaining)

    async def await_for(self, probe: Callable[[], T | None], timeout: float) -> T | None:
        """Like wait_for, but suspends the calling task instead of blocking the event loop."""
        loop = asyncio.get_running_loop()
        event = asyncio.Event()
        deadline = loop.time() + timeout
        waiter = (loop, event)
        with self.lock:
            self._async_waiters.add(waiter)
        try:
            while True:
                with self.lock:
                    result = probe()
                    # clearing under the lock means a change after this probe sets it again
                    event.clear()
                remaining = deadline - loop.time()
                if result is not None or self.closed or remaining <= 0:
                    return result
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), remaining)
        finally:
            with self.lock:
                self._async_waiters.discard(waiter)


@dataclass(frozen=True)
class HttpRequest:
    """One HTTP request as received by a loopback server."""

    method: str
    path: str
    query: str
    headers: email.message.Message
    body: bytes


@dataclass(frozen=True)
class HttpResponse:
    """What a loopback app answers."""

    status: int
    body: bytes
    content_type: str = "application/json"

    @classmethod
    def json(cls, status: int, payload: object) -> HttpResponse:
        """Build a JSON response."""
        return cls(status, json.dumps(payload, ensure_ascii=False).encode())


HttpApp = Callable[[HttpRequest], HttpResponse]


class _Handler(BaseHTTPRequestHandler):
    """Reads one request, hands it to the server's app, writes the answer."""

    server: _TrackingServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out as separate writes; Nagle plus delayed ACK would add ~40 ms each.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        """Serve any method the same way: the apps look at HttpRequest.method."""
        with self.server.in_flight():
            path, _, query = self.path.partition("?")
            request = HttpRequest(self.command, path, query, self.headers, self._read_body())
            response = self.server.serve(request)
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)

    do_POST = do_GET
    do_PUT = do_GET
    do_DELETE = do_GET

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _read_chunked(self) -> bytes:
        chunks = []
        while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
        while self.rfile.readline().strip():  # skip optional trailers up to the blank line
            pass
        return b"".join(chunks)

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests assert on recorded requests, not on stderr."""


class _TrackingServer(ThreadingHTTPServer):
    """A threading HTTP server that knows its open connections, so stop() can cut them."""

    # socketserver's listen backlog of 5 overflows when a client opens many connections at
    # once: the kernel drops the SYNs, and the client waits seconds to retry or gives up.
    request_queue_size = 128

    def __init__(self, app: HttpApp) -> None:
        self.app = app
        self.connections: set[socket.socket] = set()
        self.app_errors: list[str] = []
        self._conn_lock = threading.Lock()
        self._idle = threading.Condition(self._conn_lock)
        self._busy = 0
        super().__init__(("127.0.0.1", 0), _Handler)

    @contextlib.contextmanager
    def in_flight(self) -> Iterator[None]:
        """Mark a request as being answered, so stop() lets it finish."""
        with self._conn_lock:
            self._busy += 1
        try:
            yield
        finally:
            with self._conn_lock:
                self._busy -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float) -> None:
        """Wait until no request is being answered (the stop event ends long waits)."""
        with self._conn_lock:
            self._idle.wait_for(lambda: self._busy == 0, timeout)

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse DNS lookup, which can be slow in sandboxes."""
        TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]

    def serve(self, request: HttpRequest) -> HttpResponse:
        """Run the app; a bug in a fake becomes a 500 that names it, never a hung client."""
        try:
            return self.app(request)
        except Exception:
            self.app_errors.append(traceback.format_exc())
            return HttpResponse(500, traceback.format_exc().encode(), "text/plain")

    def process_request(self, request: Any, client_address: Any) -> None:
        """Remember the connection before its handler thread starts."""
        with self._conn_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        """Forget the connection once its handler is done."""
        with self._conn_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def cut_connections(self) -> None:
        """Shut down open keep-alive connections so their handler threads finish."""
        with self._conn_lock:
            open_connections = list(self.connections)
        for conn in open_connections:
            # the peer may have closed it meanwhile
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore clients that went away mid-answer (timeouts, shutdown); report the rest."""
        if not isinstance(_current_exception(), OSError):
            super().handle_error(request, client_address)


def _current_exception() -> BaseException | None:
    return sys.exc_info()[1]


class LoopbackHttpServer:
    """Serves an app callable on 127.0.0.1 (OS-chosen port) from a background thread."""

    def __init__(self, app: HttpApp) -> None:
        self._app = app
        self._server: _TrackingServer | None = None
        self._thread: threading.Thread | None = None
        self.stopping = threading.Event()

    @property
    def port(self) -> int:
        """The port the server listens on."""
        assert self._server is not None, "server not started"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """http://127.0.0.1:PORT"""
        return f"http://127.0.0.1:{self.port}"

    @property
    def app_errors(self) -> list[str]:
        """Tracebacks of exceptions raised inside the app (bugs in a fake)."""
        return list(self._server.app_errors) if self._server else []

    def start(self) -> None:
        """Bind and start serving."""
        self._server = _TrackingServer(self._app)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving, cut open connections and join every thread."""
        if self._server is None or self._thread is None:
            return
        self.stopping.set()
        self._server.shutdown()
        # Answers in progress (a released long poll, a delayed reply) finish before the cut.
        self._server.wait_idle(timeout=5)
        self._server.cut_connections()
        self._server.server_close()  # joins the handler threads, so no socket outlives us
        self._thread.join()
        self._server = None
        self._thread = None


# ---------------------------------------------------------------------------------------------
# Telegram's HTML parse mode: validation and rendering to what the user sees.
# ---------------------------------------------------------------------------------------------


class HtmlParseError(ValueError):
    """Text the Bot API's HTML parse mode refuses."""


_TAG_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]*);")
_TAG_NAME_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
_ATTR_RE = re.compile(r"""([a-zA-Z][a-zA-Z0-9-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?""")
_TEXT_RE = re.compile(r"[^<&]+")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    offset: int


class _HtmlParser:
    """Parses Telegram-flavoured HTML the way the Bot API does, collecting entities."""

    def __init__(self, source: str) -> None:
        self.src = source
        self.pos = 0
        self.out: list[str] = []
        self.offset = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[JsonDict] = []

    def run(self) -> tuple[str, list[JsonDict]]:
        while self.pos < len(self.src):
            if self.src[self.pos] == "<":
                self._tag()
            elif self.src[self.pos] == "&":
                self._entity()
            else:
                match = _TEXT_RE.match(self.src, self.pos)
                assert match is not None
                self._emit(match.group())
                self.pos = match.end()
        if self.stack:
            name = self.stack[-1].name
            raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{name}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def _emit(self, text: str) -> None:
        self.out.append(text)
        self.offset += utf16_len(text)

    def _byte_offset(self, pos: int) -> int:
        return len(self.src[:pos].encode())

    def _entity(self) -> None:
        match = _ENTITY_RE.match(self.src, self.pos)
        where = f"at byte offset {self._byte_offset(self.pos)}"
        if match is None:
            # the real server would keep a bare '&'; rejecting it catches unescaped output
            raise HtmlParseError(f'Character "&" {where} must be escaped as "&amp;"')
        name = match.group(1)
        if name.startswith("#"):
            code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
            if not 0 < code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                raise HtmlParseError(f'Invalid HTML entity "&{name};" {where}')
            char = chr(code)
        elif name in _NAMED_ENTITIES:
            char = _NAMED_ENTITIES[name]
        else:
            raise HtmlParseError(f'Unsupported HTML entity "&{name};" {where}')
        self._emit(char)
        self.pos = match.end()

    def _tag(self) -> None:
        start = self.pos
        if self.src.startswith("</", start):
            self._end_tag(start)
            return
        where = f"at byte offset {self._byte_offset(start)}"
        match = _TAG_NAME_RE.match(self.src, start + 1)
        name = match.group().lower() if match else ""
        if name not in _TAG_TYPES:
            raise HtmlParseError(f'Unsupported start tag "{name}" {where}')
        assert match is not None
        attrs = self._attributes(match.end(), name, where)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" {where}')
        self.stack.append(_OpenTag(name, attrs, self.offset))

    def _attributes(self, pos: int, name: str, where: str) -> dict[str, str]:
        attrs: dict[str, str] = {}
        while True:
            while pos < len(self.src) and self.src[pos].isspace():
                pos += 1
            if pos >= len(self.src):
                raise HtmlParseError(f"Unclosed start tag {where}")
            if self.src[pos] == ">":
                self.pos = pos + 1
                return attrs
            match = _ATTR_RE.match(self.src, pos)
            if match is None:
                raise HtmlParseError(f'Invalid attribute in tag "{name}" {where}')
            value = next((g for g in match.groups()[1:] if g is not None), "")
            attrs[match.group(1).lower()] = html.unescape(value)
            pos = match.end()

    def _end_tag(self, start: int) -> None:
        where = f"at byte offset {self._byte_offset(start)}"
        match = re.compile(r"([a-zA-Z][a-zA-Z0-9-]*)\s*>").match(self.src, start + 2)
        if match is None:
            raise HtmlParseError(f"Unclosed end tag {where}")
        name = match.group(1).lower()
        if not self.stack:
            raise HtmlParseError(f'Unexpected end tag "{name}" {where}')
        top = self.stack[-1].name
        if top != name:
            raise HtmlParseError(
                f'Unmatched end tag {where}, expected "</{top}>", found "</{name}>"'
            )
        self._close(self.stack.pop())
        self.pos = match.end()

    def _close(self, tag: _OpenTag) -> None:
        length = self.offset - tag.offset
        language = tag.attrs.get("class", "").removeprefix("language-")
        if tag.name == "code" and self.stack and self.stack[-1].name == "pre":
            # <pre><code class="language-x"> is one pre entity with a language
            if language:
                self.stack[-1].attrs["language"] = language
            return
        entity: JsonDict = {"type": _TAG_TYPES[tag.name], "offset": tag.offset, "length": length}
        if tag.name == "a":
            if "href" not in tag.attrs:
                return
            entity["url"] = tag.attrs["href"]
        elif tag.name == "pre" and tag.attrs.get("language"):
            entity["language"] = tag.attrs["language"]
        elif tag.name == "blockquote" and "expandable" in tag.attrs:
            entity["type"] = "expandable_blockquote"
        elif tag.name == "tg-emoji":
            entity["custom_emoji_id"] = tag.attrs.get("emoji-id", "")
        if length > 0:
            self.entities.append(entity)


def _trim(text: str, entities: list[JsonDict]) -> tuple[str, list[JsonDict]]:
    """Strip surrounding white space as Telegram does, keeping entities aligned."""
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    body = text.strip()
    size = utf16_len(body)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, size)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return body, kept


def render_html(source: str) -> tuple[str, list[JsonDict]]:
    """Render Bot API HTML to (what the user sees, entities); HtmlParseError when malformed."""
    return _trim(*_HtmlParser(source).run())


# ---------------------------------------------------------------------------------------------
# The Bot API fake.
# ---------------------------------------------------------------------------------------------

BOT_ID = 123456
BOT_USERNAME = "stockbot_test_bot"
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64

_JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "allowed_updates",
        "commands",
        "scope",
        "link_preview_options",
        "reply_parameters",
        "menu_button",
        "media",
    }
)
_INT_PARAMS = frozenset(
    {
        "chat_id",
        "message_id",
        "offset",
        "limit",
        "timeout",
        "cache_time",
        "user_id",
        "reply_to_message_id",
    }
)
_BOOL_PARAMS = frozenset(
    {"show_alert", "drop_pending_updates", "disable_notification", "protect_content"}
)
_SEND_METHODS = frozenset(
    {"sendMessage", "sendDocument", "sendPhoto", "editMessageText", "editMessageReplyMarkup"}
)
_COMMAND_RE = re.compile(r"/[a-zA-Z0-9_]{1,32}(@[a-zA-Z0-9_]+)?")
_BOT_COMMAND_NAME_RE = re.compile(r"[a-z0-9_]{1,32}")


class ApiError(Exception):
    """A Bot API error answer: {"ok": false, "error_code": ..., "description": ...}."""

    def __init__(self, error_code: int, description: str, parameters: JsonDict | None = None):
        super().__init__(f"{error_code} {description}")
        self.error_code = error_code
        self.description = description
        self.parameters = parameters or {}

    def payload(self) -> JsonDict:
        """The JSON body Telegram sends for this error."""
        body: JsonDict = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str
    content: bytes = field(repr=False)
    content_type: str


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
class _Fault:
    method: str
    error: ApiError
    chat_id: int | None
    remaining: int | None


@dataclass(frozen=True)
class _Failure:
    """What a timed-out wait was waiting for, and which chat's messages explain it."""

    what: str
    chat_id: int | None = None


@dataclass
class _Chat:
    info: JsonDict
    next_message_id: int = 1
    messages: dict[int, JsonDict] = field(default_factory=dict)


def _coerce(name: str, value: str) -> Any:
    """Turn one form field into the type the Bot API reads it as."""
    if name in _JSON_PARAMS:
        try:
            return json.loads(value)
        except ValueError as exc:
            raise _bad_request(f"can't parse {name} JSON object") from exc
    if name in _INT_PARAMS and re.fullmatch(r"-?\d+", value):
        return int(value)
    if name in _BOOL_PARAMS:
        return value.lower() in ("true", "1")
    return value


def _parse_multipart(body: bytes, content_type: str) -> JsonDict:
    header = email.message.Message()
    header["content-type"] = content_type
    boundary = header.get_param("boundary")
    if not isinstance(boundary, str):
        raise _bad_request("multipart boundary missing")
    params: JsonDict = {}
    for part in body.split(b"--" + boundary.encode())[1:]:
        if part.startswith(b"--"):
            break
        head, _, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        headers = email.message_from_bytes(head + b"\r\n\r\n")
        name = headers.get_param("name", header="content-disposition")
        content = content.removesuffix(b"\r\n")
        filename = headers.get_filename()
        if not isinstance(name, str):
            continue
        if filename is not None:
            mime = headers.get_content_type()
            params[name] = UploadedFile(filename, content, mime)
        else:
            params[name] = _coerce(name, content.decode())
    return params


def decode_params(request: HttpRequest) -> JsonDict:
    """Decode a Bot API call's parameters from query, form, multipart or JSON body."""
    params: JsonDict = {k: _coerce(k, v) for k, v in parse_qsl(request.query)}
    content_type = request.headers.get("Content-Type", "")
    if not request.body:
        return params
    if content_type.startswith("multipart/form-data"):
        params.update(_parse_multipart(request.body, content_type))
    elif content_type.startswith("application/json"):
        try:
            body = json.loads(request.body)
        except ValueError as exc:
            raise _bad_request("can't parse JSON body") from exc
        params.update(
            {
                k: json.loads(v) if k in _JSON_PARAMS and isinstance(v, str) else v
                for k, v in body.items()
            }
        )
    else:
        form = parse_qsl(request.body.decode(), keep_blank_values=True)
        params.update({k: _coerce(k, v) for k, v in form})
    return params


def _check_inline_keyboard(markup: JsonDict | None) -> None:
    rows = (markup or {}).get("inline_keyboard")
    if rows is None:
        return
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
    for button in itertools.chain.from_iterable(rows):
        actions = set(button) - {"text"}
        if not actions:
            raise _bad_request(
                "can't parse inline keyboard button: Text buttons are unallowed in the "
                "inline keyboard"
            )
        data = button.get("callback_data")
        if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
            raise _bad_request("BUTTON_DATA_INVALID")


def _render(
    text: str, parse_mode: str | None, entities: list[JsonDict] | None
) -> tuple[str, list[JsonDict]]:
    """(plain text, entities) the way the recipient gets them."""
    if parse_mode and parse_mode.upper() == "HTML":
        try:
            return render_html(text)
        except HtmlParseError as exc:
            raise _bad_request(f"can't parse entities: {exc}") from exc
    # MarkdownV2 is not rendered here; the raw text is what tests see as plain_text
    return _trim(text, list(entities or []))


class FakeBotApi:
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
        self._handlers: dict[str, Callable[[JsonDict], Any]] = {
            "getMe": lambda p: self.bot_user(),
            "getUpdates": self._get_updates,
            "deleteWebhook": self._delete_webhook,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": self._answer_callback_query,
            "sendDocument": lambda p: self._send_file(p, "sendDocument", "document"),
            "sendPhoto": lambda p: self._send_file(p, "sendPhoto", "photo"),
            "setMyDescription": lambda p: True,
            "setMyShortDescription": lambda p: True,
            "setChatMenuButton": lambda p: True,
            "close": lambda p: True,
            "logOut": lambda p: True,
        }
        self._by_lower = {name.lower(): name for name in self._handlers}

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> FakeBotApi:
        """Start serving on 127.0.0.1 with an OS-chosen port."""
        self._server.start()
        return self

    def stop(self) -> None:
        """Release long polls, stop serving and join all threads."""
        self._signal.close()
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
            "can_read_all_group_messages": False,
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
            self._requests.append(ApiRequest(self._next_seq(), method, params, time.monotonic()))
            self._signal.notify()
            try:
                if method not in self._handlers:
                    self._unknown.append(raw_method)
                    raise ApiError(404, "Not Found: method not found")
                self._check_faults(method, params)
                return self._handlers[method](params)
            except ApiError as error:
                answer = ApiErrorAnswer(method, params, error.error_code, error.description)
                self._errors.append(answer)
                self._signal.notify()
                raise

    def _next_seq(self) -> int:
        self._last_seq = next(self._seq)
        return self._last_seq

    def _check_faults(self, method: str, params: JsonDict) -> None:
        chat_id = params.get("chat_id")
        if method in _SEND_METHODS and chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        for fault in self._faults:
            if fault.method == method and fault.chat_id in (None, chat_id):
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                raise fault.error

    # -- Bot API methods -----------------------------------------------------------------------

    def _get_updates(self, params: JsonDict) -> list[JsonDict]:
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
        if self._allowed_updates:
            allowed = set(self._allowed_updates)
            self._pending = [u for u in self._pending if set(u) - {"update_id"} <= allowed]
        return list(self._pending)

    def _delete_webhook(self, params: JsonDict) -> bool:
        if params.get("drop_pending_updates"):
            self._pending.clear()
        return True

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
        message = self._new_message(chat, self.bot_user(), self._reply_to(chat, params))
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
        content = {**self._reply_to(chat, params), **self._file_object(field_name, upload)}
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
        answer = {"callback_query_id": query_id, "at": time.monotonic()}
        for key in ("text", "show_alert", "url", "cache_time"):
            if key in params:
                answer[key] = params[key]
        self._answers.append(answer)
        return True

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
            at=time.monotonic(),
            file_name=upload.filename if isinstance(upload, UploadedFile) else None,
            file_bytes=upload.content if isinstance(upload, UploadedFile) else None,
        )
        self._sent.append(sent)
        self._signal.notify()

    # -- driving the bot: updates from users ---------------------------------------------------

    def queue_update(self, payload: JsonDict) -> JsonDict:
        """Queue a raw update (update_id is assigned); returns it."""
        with self._signal:
            update = {"update_id": next(self._update_ids), **payload}
            self._pending.append(update)
            self._signal.notify()
            return update

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
    ) -> JsonDict:
        """Queue a text message from a user (a /command gets its bot_command entity)."""
        with self._signal:
            user = self._user(user_id, first_name, username)
            content: JsonDict = {"text": text}
            command = _COMMAND_RE.match(text)
            if command:
                length = utf16_len(command.group())
                content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
            message = self._new_message(self._user_chat(user, chat_id), user, content)
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
    ) -> JsonDict:
        """Queue a message with a photo and no text."""
        with self._signal:
            user = self._user(user_id, "Test", None)
            sizes = [
                {"file_id": f"PHOTO{i}", "file_unique_id": f"UP{i}", "width": w, "height": w}
                for i, w in enumerate((90, 320, 800))
            ]
            content: JsonDict = {"photo": sizes}
            if caption:
                content["caption"] = caption
            message = self._new_message(self._user_chat(user, chat_id), user, content)
            return self.queue_update({"message": copy.deepcopy(message)})

    def press_button(
        self,
        user_id: int,
        message_id: int,
        data: str,
        *,
        chat_id: int | None = None,
        forged: bool = False,
    ) -> str:
        """Queue a callback_query for a button on a bot message; returns the query id."""
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
                "from": self._user(user_id, "Test", None),
                "message": copy.deepcopy(message),
                "chat_instance": f"instance-{message['chat']['id']}",
                "data": data,
            }
            self.queue_update({"callback_query": query})
            return query_id

    # -- fault injection -----------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        error_code: int = 429,
        description: str | None = None,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
        chat_id: int | None = None,
        times: int | None = 1,
    ) -> None:
        """Make the next `times` calls (None: all) of method, optionally to one chat, fail."""
        if error_code == 429 and retry_after is None:
            retry_after = 2  # Telegram always says how long to wait with a 429
        parameters: JsonDict = {}
        if retry_after is not None:
            parameters["retry_after"] = retry_after
        if migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = migrate_to_chat_id
        if description is None:
            description = self._default_description(error_code, retry_after, migrate_to_chat_id)
        canonical = self._by_lower.get(method.lower(), method)
        error = ApiError(error_code, description, parameters)
        with self._signal:
            self._faults.append(_Fault(canonical, error, chat_id, times))

    @staticmethod
    def _default_description(
        error_code: int, retry_after: int | None, migrate_to_chat_id: int | None
    ) -> str:
        if error_code == 429:
            return f"Too Many Requests: retry after {retry_after}"
        if error_code == 403:
            return "Forbidden: bot was blocked by the user"
        if error_code == 400 and migrate_to_chat_id is not None:
            return "Bad Request: group chat was upgraded to a supergroup chat"
        if error_code == 400:
            return "Bad Request: chat not found"
        return HTTPStatus(error_code).phrase

    def clear_faults(self) -> None:
        """Drop every pending fail_next."""
        with self._signal:
            self._faults.clear()

    def block_chat(self, chat_id: int) -> None:
        """Every send to chat_id answers 403 "bot was blocked by the user" until unblocked."""
        with self._signal:
            self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        """Undo block_chat."""
        with self._signal:
            self._blocked.discard(chat_id)

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
        """Every call received, in order, with monotonic timestamps."""
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

    # -- waiting -------------------------------------------------------------------------------

    def _matching(
        self,
        chat_id: int,
        after: int | None,
        contains: str | None = None,
        predicate: Callable[[SentMessage], bool] | None = None,
    ) -> list[SentMessage]:
        return [
            m
            for m in self._sent
            if m.chat_id == chat_id
            and m.seq > (after or 0)
            and (contains is None or contains in (m.plain_text or ""))
            and (predicate is None or predicate(m))
        ]

    def _explain(self, what: str, chat_id: int | None = None) -> AssertionError:
        with self._signal:
            sent = [m for m in self._sent if chat_id in (None, m.chat_id)]
            lines = [f"{what}.", f"Messages{'' if chat_id is None else f' to chat {chat_id}'}:"]
            lines += [
                f"  #{m.seq} {m.method} id={m.message_id}: {m.plain_text!r:.300}" for m in sent
            ]
            lines.append(f"Errors answered: {[(e.method, e.description) for e in self._errors]}")
            lines.append(f"Unknown methods: {self._unknown}")
            lines.append(f"Pending updates: {len(self._pending)}; getUpdates calls: {self._polls}")
            lines += [f"Fake server bug:\n{e}" for e in self._server.app_errors]
            if self._signal.closed:
                lines.append("The fake has been stopped.")
        return AssertionError("\n".join(lines))

    def _wait(self, probe: Callable[[], T | None], timeout: float, failure: _Failure) -> T:
        found = self._signal.wait_for(probe, timeout)
        if found is None:
            raise self._explain(f"{failure.what} within {timeout}s", failure.chat_id)
        return found

    async def _await(self, probe: Callable[[], T | None], timeout: float, failure: _Failure) -> T:
        found = await self._signal.await_for(probe, timeout)
        if found is None:
            raise self._explain(f"{failure.what} within {timeout}s", failure.chat_id)
        return found

    def _message_probe(
        self,
        chat_id: int,
        contains: str | None,
        predicate: Callable[[SentMessage], bool] | None,
        after: int | None,
    ) -> Callable[[], SentMessage | None]:
        return lambda: next(iter(self._matching(chat_id, after, contains, predicate)), None)

    def wait_for_message(
        self,
        chat_id: int,
        *,
        contains: str | None = None,
        predicate: Callable[[SentMessage], bool] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        after: int | None = None,
    ) -> SentMessage:
        """Block until a message to chat_id (after marker) matches; AssertionError on timeout."""
        probe = self._message_probe(chat_id, contains, predicate, after)
        return self._wait(
            probe, timeout, _Failure(f"No message to chat {chat_id} {contains=}", chat_id)
        )

    async def await_message(
        self,
        chat_id: int,
        *,
        contains: str | None = None,
        predicate: Callable[[SentMessage], bool] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        after: int | None = None,
    ) -> SentMessage:
        """wait_for_message without blocking the event loop."""
        probe = self._message_probe(chat_id, contains, predicate, after)
        failure = _Failure(f"No message to chat {chat_id} {contains=}", chat_id)
        return await self._await(probe, timeout, failure)

    def _count_probe(
        self, chat_id: int, count: int, after: int | None
    ) -> Callable[[], list[SentMessage] | None]:
        def probe() -> list[SentMessage] | None:
            found = self._matching(chat_id, after)
            return found[:count] if len(found) >= count else None

        return probe

    def wait_for_messages(
        self,
        chat_id: int,
        count: int,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        after: int | None = None,
    ) -> list[SentMessage]:
        """Block until count messages (after marker) reached chat_id; returns the first count."""
        failure = _Failure(f"Fewer than {count} messages to chat {chat_id}", chat_id)
        return self._wait(self._count_probe(chat_id, count, after), timeout, failure)

    async def await_messages(
        self,
        chat_id: int,
        count: int,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        after: int | None = None,
    ) -> list[SentMessage]:
        """wait_for_messages without blocking the event loop."""
        failure = _Failure(f"Fewer than {count} messages to chat {chat_id}", chat_id)
        return await self._await(self._count_probe(chat_id, count, after), timeout, failure)

    async def ask(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> SentMessage:
        """Send text as user_id and return the first message the bot sends that chat after it."""
        marker = self.mark()
        self.send_message(user_id, text, chat_id=chat_id)
        target = chat_id if chat_id is not None else user_id
        return await self.await_message(target, after=marker, timeout=timeout)

    async def ask_all(
        self,
        user_id: int,
        text: str,
        count: int,
        *,
        chat_id: int | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> list[SentMessage]:
        """Send text as user_id and return the next count messages the bot sends that chat."""
        marker = self.mark()
        self.send_message(user_id, text, chat_id=chat_id)
        target = chat_id if chat_id is not None else user_id
        return await self.await_messages(target, count, after=marker, timeout=timeout)

    def _answer_probe(self, query_id: str) -> Callable[[], JsonDict | None]:
        return lambda: next((a for a in self._answers if a["callback_query_id"] == query_id), None)

    def wait_for_callback_answer(
        self, callback_query_id: str, timeout: float = DEFAULT_TIMEOUT
    ) -> JsonDict:
        """Block until the bot answers that callback query."""
        failure = _Failure(f"Callback query {callback_query_id} not answered")
        return self._wait(self._answer_probe(callback_query_id), timeout, failure)

    async def await_callback_answer(
        self, callback_query_id: str, timeout: float = DEFAULT_TIMEOUT
    ) -> JsonDict:
        """wait_for_callback_answer without blocking the event loop."""
        failure = _Failure(f"Callback query {callback_query_id} not answered")
        return await self._await(self._answer_probe(callback_query_id), timeout, failure)

    def _request_probe(
        self, method: str, predicate: Callable[[ApiRequest], bool] | None, after: int | None
    ) -> Callable[[], ApiRequest | None]:
        canonical = self._by_lower.get(method.lower(), method)
        return lambda: next(
            (
                r
                for r in self._requests
                if r.method == canonical
                and r.seq > (after or 0)
                and (predicate is None or predicate(r))
            ),
            None,
        )

    def wait_for_request(
        self,
        method: str,
        predicate: Callable[[ApiRequest], bool] | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        after: int | None = None,
    ) -> ApiRequest:
        """Block until the bot calls method (after marker, matching predicate)."""
        probe = self._request_probe(method, predicate, after)
        return self._wait(probe, timeout, _Failure(f"No matching {method} request"))

    async def await_request(
        self,
        method: str,
        predicate: Callable[[ApiRequest], bool] | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        after: int | None = None,
    ) -> ApiRequest:
        """wait_for_request without blocking the event loop."""
        probe = self._request_probe(method, predicate, after)
        return await self._await(probe, timeout, _Failure(f"No matching {method} request"))

    def wait_until_polled(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Block until the bot has called getUpdates, i.e. it is running."""
        self._wait(lambda: self._polls or None, timeout, _Failure("No getUpdates call"))

    async def await_polled(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        """wait_until_polled without blocking the event loop."""
        await self._await(lambda: self._polls or None, timeout, _Failure("No getUpdates call"))
