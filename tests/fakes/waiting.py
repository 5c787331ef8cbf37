"""Waiting on a fake's state: the change signal every fake shares, so that all wait alike."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

DEFAULT_TIMEOUT = 10.0


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
