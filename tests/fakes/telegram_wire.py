"""The Bot API on the wire: decoding parameters, error answers and the limits it checks."""

from __future__ import annotations

import email.message
import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from tests.fakes.http_server import HttpRequest
from tests.fakes.telegram_html import HtmlParseError, _trim, render_html

JsonDict = dict[str, Any]

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
        "message_thread_id",
    }
)
_BOOL_PARAMS = frozenset(
    {"show_alert", "drop_pending_updates", "disable_notification", "protect_content"}
)


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
