"""Who a request acts for (SPEC 7): `Authorization: Bearer <key>` with a live key of a shop,
and each key's rate limit. A missing, wrong or revoked key is 401; a read key asking to
write is 403; more than REQUESTS_PER_MINUTE requests a minute with one key is 429."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from api.context import context_of
from api.problems import Problem
from core.shops.api_keys import authenticate
from core.shops.views import ApiCaller
from core.sliding_window import SlidingWindow

REQUESTS_PER_MINUTE = 120
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="stockbot"'}


class KeyRateLimit(SlidingWindow):
    """At most `limit` requests in any `period` seconds per key, in this process."""

    def __init__(
        self,
        limit: int = REQUESTS_PER_MINUTE,
        period: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(limit, period, clock)

    def retry_after(self, key_id: int) -> int | None:
        """Count a request of the key now; None if allowed, else whole seconds to wait."""
        if self.take(key_id):
            return None
        return max(math.ceil(self.wait_time(key_id)), 1)


async def caller(request: Request) -> ApiCaller:
    """The shop and scope of the request's key; 401 without a live one, 429 over its limit."""
    scheme, _, presented = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise Problem(401, "Send an API key: Authorization: Bearer sb_live_…", CHALLENGE)
    found = await context_of(request).run(authenticate, presented=presented.strip())
    if found is None:
        raise Problem(401, "This API key is not valid (wrong, or revoked).", CHALLENGE)
    wait = request.app.state.rate_limit.retry_after(found.key_id)
    if wait is not None:
        detail = f"Too many requests with this key: try again in {wait} s."
        raise Problem(429, detail, {"Retry-After": str(wait)})
    return found


async def writer(found: Annotated[ApiCaller, Depends(caller)]) -> ApiCaller:
    """The caller, if its key may write (403 for a read key)."""
    if not found.may_write:
        raise Problem(403, "This API key is read-only: make a write key with /apikey new.")
    return found


Reader = Annotated[ApiCaller, Depends(caller)]
Writer = Annotated[ApiCaller, Depends(writer)]
