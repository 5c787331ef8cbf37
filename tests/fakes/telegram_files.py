"""Files in FakeBotApi: documents users send, getFile and the file downloads, with
Telegram's limit on what a bot may download (20 MB)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from tests.fakes.http_server import HttpRequest, HttpResponse
from tests.fakes.telegram_wire import ApiError, _bad_request
from tests.fakes.waiting import ChangeSignal

if TYPE_CHECKING:
    from tests.fakes.telegram_api import _Chat

JsonDict = dict[str, Any]

# What the Bot API lets a bot download with getFile.
MAX_DOWNLOAD = 20 * 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    """A file a user sent: its ids, and the bytes a download returns."""

    file_id: str
    file_unique_id: str
    content: bytes = field(repr=False)
    # Telegram's own count; a test may claim more than the bytes hold (a huge file).
    file_size: int
    file_path: str | None = None


class FilesMixin:
    """FakeBotApi's files: a user's document message, getFile, /file/bot<token>/<path>."""

    # FakeBotApi's state and message store, which these methods use
    _signal: ChangeSignal
    _file_ids: Iterator[int]
    _files: dict[str, StoredFile]
    _downloads: list[str]
    token: str

    if TYPE_CHECKING:

        def _user(self, user_id: int, first_name: str, username: str | None) -> JsonDict: ...

        def _user_chat(self, user: JsonDict, chat_id: int | None) -> _Chat: ...

        def _new_message(self, chat: _Chat, sender: JsonDict, content: JsonDict) -> JsonDict: ...

        def _deliver(self, chat: _Chat, message: JsonDict) -> JsonDict | None: ...

    def _init_files(self) -> None:
        self._files = {}
        self._downloads = []

    def send_document(
        self,
        user_id: int,
        content: bytes,
        *,
        file_name: str | None = "stock.csv",
        mime_type: str | None = "text/csv",
        file_size: int | None = None,
        caption: str | None = None,
        chat_id: int | None = None,
    ) -> JsonDict | None:
        """A user's message with a document; `file_size` overrides what Telegram reports
        (a file too big to send as bytes in a test). Returns the queued update."""
        with self._signal:
            number = next(self._file_ids)
            stored = StoredFile(
                file_id=f"DOC{number}-{secrets.token_hex(4)}",
                file_unique_id=f"UD{number}",
                content=content,
                file_size=len(content) if file_size is None else file_size,
            )
            self._files[stored.file_id] = stored
            document: JsonDict = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": stored.file_size,
            }
            if file_name is not None:
                document["file_name"] = file_name
            if mime_type is not None:
                document["mime_type"] = mime_type
            content_fields: JsonDict = {"document": document}
            if caption:
                content_fields["caption"] = caption
            user = self._user(user_id, "Test", None)
            chat = self._user_chat(user, chat_id)
            return self._deliver(chat, self._new_message(chat, user, content_fields))

    def _get_file(self, params: JsonDict) -> JsonDict:
        stored = self._files.get(str(params.get("file_id", "")))
        if stored is None:
            raise _bad_request("invalid file_id")
        answer: JsonDict = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
        }
        if stored.file_size > MAX_DOWNLOAD:
            raise _bad_request("file is too big")
        path = stored.file_path or f"documents/file_{stored.file_unique_id}"
        self._files[stored.file_id] = StoredFile(
            stored.file_id, stored.file_unique_id, stored.content, stored.file_size, path
        )
        return {**answer, "file_path": path}

    def _serve_file(self, request: HttpRequest) -> HttpResponse | None:
        """A download, if the request is one: None for any other path."""
        # Clients percent-encode the path, the token's colon too (PTB does).
        match = re.fullmatch(r"/file/bot([^/]*)/(.+)", unquote(request.path))
        if match is None:
            return None
        if match.group(1) != self.token:
            return HttpResponse.json(401, ApiError(401, "Unauthorized").payload())
        with self._signal:
            found = [f for f in self._files.values() if f.file_path == match.group(2)]
            if not found:
                return HttpResponse.json(404, ApiError(404, "Not Found").payload())
            self._downloads.append(found[0].file_id)
            self._signal.notify()
        return HttpResponse(200, found[0].content, "application/octet-stream")

    @property
    def downloads(self) -> list[str]:
        """The file_id of every file the bot downloaded, in order."""
        with self._signal:
            return list(self._downloads)
