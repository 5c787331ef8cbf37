"""A sliding-window limit in one process: at most `limit` events in any `period` seconds per
key (a group chat's messages, an API key's requests)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable


class SlidingWindow:
    """Counts each key's events of the last `period` seconds; keys with none are dropped."""

    def __init__(
        self, limit: int, period: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.period = period
        self._clock = clock
        self._events: dict[Hashable, deque[float]] = {}

    def wait_time(self, key: Hashable) -> float:
        """Seconds until the key's window has room for one more event (0: now)."""
        events = self._recent(key)
        if len(events) < self.limit:
            return 0.0
        return max(events[0] + self.period - self._clock(), 0.0)

    def take(self, key: Hashable) -> bool:
        """Count an event of the key now if its window has room; False if it is full."""
        if self.wait_time(key) > 0:
            return False
        self._events.setdefault(key, deque()).append(self._clock())
        return True

    def _recent(self, key: Hashable) -> deque[float]:
        events = self._events.get(key)
        if events is None:
            return deque()
        horizon = self._clock() - self.period
        while events and events[0] <= horizon:
            events.popleft()
        if not events:
            del self._events[key]
        return events
