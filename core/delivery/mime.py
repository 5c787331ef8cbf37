"""The email package's default policy, made cheaper for many messages: the same headers and the
same bytes, without building a new header class for every header set or read, nor parsing
again a header value that every email has (the sender, the parts' content types)."""

from __future__ import annotations

import functools
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.policy import EmailPolicy, default
from typing import Any


class _HeaderClasses(HeaderRegistry):
    """A HeaderRegistry that builds each header name's class once, and keeps the last few
    hundred headers it parsed (they are immutable strings, safe to share between messages).
    The standard one builds a new class on every lookup, some 25 for one of our emails."""

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type[BaseHeader]] = {}
        self._parsed = functools.lru_cache(maxsize=256)(super().__call__)

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        found = self._classes.get(key)
        if found is None:
            # Two threads may both build it: the same class either way, one is kept.
            found = self._classes[key] = super().__getitem__(name)
        return found

    def __call__(self, name: str, value: Any) -> BaseHeader:
        if isinstance(value, str):
            return self._parsed(name, value)
        return super().__call__(name, value)


POLICY: EmailPolicy[EmailMessage] = default.clone(header_factory=_HeaderClasses())
