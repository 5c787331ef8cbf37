"""Telegram's HTML parse mode: validation and rendering to what the user sees."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

JsonDict = dict[str, Any]


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
