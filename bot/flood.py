"""How many commands a user may send: at most COMMANDS_PER_MINUTE (30) in any minute, a
sliding window per user.

A command beyond that is not acted on; the first of them is answered with a request to slow
down, the rest get no reply. Once the oldest command in the window is a minute old, the user
may send another. Only commands acted on count: holding back the excess never extends it."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

COMMANDS_PER_WINDOW = 30
WINDOW_SECONDS = 60.0
# Past this many users in the table, those with no command in the window are forgotten.
KEPT_USERS = 1024


class Verdict(Enum):
    """What to do with a user's command."""

    ACT = "act"  # within the limit
    WARN = "warn"  # the first beyond it: say to slow down, do nothing else
    DROP = "drop"  # beyond it, already told: do nothing


@dataclass
class _Sender:
    acted: deque[float] = field(default_factory=deque)  # when each command in the window came
    warned: bool = False


class FloodGate:
    """The per-user window of commands; `clock` is injectable for tests (seconds, monotonic)."""

    def __init__(
        self,
        limit: int = COMMANDS_PER_WINDOW,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit, self.window = limit, window
        self._clock = clock
        self._senders: dict[int, _Sender] = {}

    def admit(self, user_id: int) -> Verdict:
        """Record a command from the user and say whether it is acted on."""
        now = self._clock()
        self._forget_idle(now)
        sender = self._senders.setdefault(user_id, _Sender())
        while sender.acted and sender.acted[0] <= now - self.window:
            sender.acted.popleft()
        if len(sender.acted) < self.limit:
            sender.acted.append(now)
            sender.warned = False
            return Verdict.ACT
        if sender.warned:
            return Verdict.DROP
        sender.warned = True
        return Verdict.WARN

    @property
    def users(self) -> int:
        """How many users the gate remembers."""
        return len(self._senders)

    def _forget_idle(self, now: float) -> None:
        if len(self._senders) < KEPT_USERS:
            return
        for user_id, sender in list(self._senders.items()):
            if not sender.acted or sender.acted[-1] <= now - self.window:
                del self._senders[user_id]
