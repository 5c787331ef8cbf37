"""Stock adjustments through the HTTP API (SPEC 7): a delta or a counted quantity, each with
an `Idempotency-Key`. The key is remembered per API key with the first answer, in the same
transaction as the change: the same key with the same request answers that again and changes
nothing; with another request it is refused. Two requests with one key at once: the second
waits on the first's row (its unique index) and then answers what the first did."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from core.db.models import IdempotencyRecord
from core.db.session import UnitOfWork
from core.errors import CoreError, InsufficientStock, InvalidInput
from core.results import StockChange
from core.shops.views import ApiCaller
from core.stock.catalog import item_of_shop
from core.stock.changes import set_counted
from core.stock.ledger import lock_quantity, write_change
from core.stock.shifts import shift_quantity
from core.validation import MAX_QUANTITY, check_quantity

MAX_KEY = 255
MAX_NOTE = 200

Answer = dict[str, Any]


class IdempotencyKeyReused(CoreError):
    """The key was used before for another request."""


@dataclass(frozen=True)
class Adjustment:
    """What was asked: a `delta` (positive: received; negative: taken out), or a counted
    quantity (`set_to`)."""

    delta: int | None = None
    set_to: int | None = None
    note: str | None = None

    def fingerprint(self, item_id: int) -> str:
        """The request as remembered with its key: a retry of it has the same one."""
        asked = {"item": item_id, "delta": self.delta, "set": self.set_to, "note": self.note}
        return hashlib.sha256(json.dumps(asked, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Adjusted:
    """The answer, and whether it is the remembered answer of an earlier request."""

    answer: Answer
    replayed: bool


def adjust(
    uow: UnitOfWork,
    *,
    caller: ApiCaller,
    item_id: int,
    asked: Adjustment,
    idempotency_key: str,
    answer_of: Callable[[StockChange], Answer],
) -> Adjusted:
    """Change the item's stock once per idempotency key; `answer_of` turns the change into
    the answer to remember (and give again)."""
    _check(asked, idempotency_key)
    name = item_of_shop(uow, shop_id=caller.shop_id, item_id=item_id).name
    fingerprint = asked.fingerprint(item_id)
    earlier = _claim_key(uow, caller.key_id, idempotency_key, fingerprint)
    if earlier is not None:
        return Adjusted(earlier, replayed=True)
    change = _change(uow, caller, item_id, name, asked)
    answer = answer_of(change)
    uow.run(
        update(IdempotencyRecord)
        .where(
            IdempotencyRecord.key_id == caller.key_id,
            IdempotencyRecord.idempotency_key == idempotency_key,
        )
        .values(answer=answer)
    )
    uow.commit()
    return Adjusted(answer, replayed=False)


def _check(asked: Adjustment, idempotency_key: str) -> None:
    if not 1 <= len(idempotency_key) <= MAX_KEY or not idempotency_key.isprintable():
        raise InvalidInput(f"The Idempotency-Key header is 1 to {MAX_KEY} printable characters.")
    if (asked.delta is None) == (asked.set_to is None):
        raise InvalidInput('Send either "delta" (e.g. -2) or "set" (e.g. 17), not both.')
    if asked.delta is not None and not 0 < abs(asked.delta) <= MAX_QUANTITY:
        raise InvalidInput(f"delta is a whole number from 1 to {MAX_QUANTITY:,}, or negative.")
    if asked.set_to is not None:
        check_quantity(asked.set_to)
    if asked.note is not None and len(asked.note) > MAX_NOTE:
        raise InvalidInput(f"reason is at most {MAX_NOTE} characters.")


def _claim_key(
    uow: UnitOfWork, key_id: int, idempotency_key: str, fingerprint: str
) -> Answer | None:
    """Take the key for this request, or the answer it got before. A row another request
    holds makes this insert wait for that request's commit, then fail: read its answer."""
    row = {
        "key_id": key_id,
        "idempotency_key": idempotency_key,
        "fingerprint": fingerprint,
        "created_at": uow.now(),
    }
    try:
        with uow.savepoint():
            uow.run(insert(IdempotencyRecord), [row])
        return None
    except IntegrityError:
        pass
    earlier: Any = uow.run(
        select(IdempotencyRecord.fingerprint, IdempotencyRecord.answer).where(
            IdempotencyRecord.key_id == key_id,
            IdempotencyRecord.idempotency_key == idempotency_key,
        )
    ).one()
    if earlier.fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was used for another request: use a new key for a new change."
        )
    answer: Answer = earlier.answer
    return answer


def _change(
    uow: UnitOfWork, caller: ApiCaller, item_id: int, name: str, asked: Adjustment
) -> StockChange:
    before = lock_quantity(uow, item_id, name)
    if asked.set_to is not None:
        set_counted(uow, item_id, asked.set_to)
        delta, after, reason = asked.set_to - before, asked.set_to, "set"
    else:
        assert asked.delta is not None
        shifted = shift_quantity(uow, item_id, asked.delta)
        if shifted is None:
            raise _out_of_range(before, asked.delta)
        delta, after, reason = asked.delta, shifted, "add" if asked.delta > 0 else "remove"
    return write_change(
        uow,
        item_id=item_id,
        member_id=None,
        reason=reason,
        delta=delta,
        after=after,
        source=caller.source,
        note=asked.note,
    )


def _out_of_range(before: int, delta: int) -> CoreError:
    if delta < 0:
        return InsufficientStock(f"Only {before:,} in stock: cannot take out {-delta:,}.")
    return InvalidInput(f"That would be more than {MAX_QUANTITY:,} in stock.")
