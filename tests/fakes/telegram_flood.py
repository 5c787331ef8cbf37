"""Telegram's flood limit for one group, in FakeBotApi: about 20 messages a minute."""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tests.fakes.telegram_faults import _SEND_METHODS
from tests.fakes.telegram_wire import ApiError
from tests.fakes.waiting import ChangeSignal

if TYPE_CHECKING:
    from tests.fakes.telegram_api import SentMessage

JsonDict = dict[str, Any]

WINDOW_SECONDS = 60.0


class GroupFloodLimitMixin:
    """Counts the bot's sends and edits to each group in a sliding minute and refuses the
    one over the limit with 429, as Telegram does."""

    # FakeBotApi's state, which the limit reads
    _signal: ChangeSignal
    _sent: list[SentMessage]
    clock: Callable[[], float]
    group_limit_per_minute: int | None
    _group_limit_refusals: list[int]

    def _init_flood_limit(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.group_limit_per_minute = 20
        self._group_limit_refusals = []

    def advance_clock(self, seconds: float) -> None:
        """Move the fake's clock (every `at`, and the flood window) forward by seconds."""
        with self._signal:
            earlier = self.clock
            self.clock = lambda: earlier() + seconds

    def _check_group_limit(self, method: str, params: JsonDict) -> None:
        chat_id = params.get("chat_id")
        limit = self.group_limit_per_minute
        if limit is None or method not in _SEND_METHODS:
            return
        if not isinstance(chat_id, int) or chat_id >= 0:
            return
        now = self.clock()
        recent = [m.at for m in self._sent if m.chat_id == chat_id and m.at > now - WINDOW_SECONDS]
        if len(recent) < limit:
            return
        # a slot frees when the send that would have to leave the window is a minute old
        leaving = sorted(recent)[len(recent) - limit]
        retry_after = max(1, math.ceil(leaving + WINDOW_SECONDS - now))
        self._group_limit_refusals.append(chat_id)
        raise ApiError(
            429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
        )

    @property
    def group_limit_refusals(self) -> list[int]:
        """The chat id of every send or edit refused by the per-group limit, in order."""
        with self._signal:
            return list(self._group_limit_refusals)

    def max_in_any_minute(self, chat_id: int) -> int:
        """The most sends and edits to chat_id the fake accepted within any 60 seconds."""
        with self._signal:
            times = [m.at for m in self._sent if m.chat_id == chat_id]
        return _most_within(times, WINDOW_SECONDS)

    def max_in_any_second(self) -> int:
        """The most sends and edits to any chats the fake accepted within any one second
        (Telegram's overall limit counts them all together)."""
        with self._signal:
            times = [m.at for m in self._sent]
        return _most_within(times, 1.0)


def _most_within(times: list[float], period: float) -> int:
    """The most of these moments that fall within any `period` seconds."""
    ordered = sorted(times)
    return max(
        (index + 1 - bisect.bisect_right(ordered, at - period) for index, at in enumerate(ordered)),
        default=0,
    )
