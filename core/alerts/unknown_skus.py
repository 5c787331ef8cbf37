"""Once a day, the SKUs points of sale sent that no item has (SPEC 7): one Telegram message
per admin of each shop, listing those not reported yet, each SKU reported once."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import Any

from sqlalchemy import select, update

from core.alerts.notifications import insert_rows
from core.db.dialect import insert_or_skip
from core.db.models import Member, Notification, PosConnection, UnknownSku
from core.db.models.outbox import pending_row
from core.db.session import UnitOfWork
from core.vocabulary import Channel, Kind

# SKUs one message lists at most; it says how many more there are.
LISTED = 50


def _unreported(uow: UnitOfWork, shop_ids: Sequence[int]) -> list[Any]:
    return list(
        uow.run(
            select(
                UnknownSku.id,
                UnknownSku.shop_id,
                UnknownSku.sku,
                UnknownSku.times,
                PosConnection.name,
            )
            .join(PosConnection, PosConnection.id == UnknownSku.connection_id)
            .where(UnknownSku.shop_id.in_(shop_ids), UnknownSku.reported_at.is_(None))
            .order_by(UnknownSku.shop_id, UnknownSku.sku)
        )
    )


def _payload(rows: Sequence[Any]) -> dict[str, Any]:
    listed = [{"sku": row.sku, "times": row.times, "source": row.name} for row in rows[:LISTED]]
    return {"skus": listed, "more": max(len(rows) - LISTED, 0)}


def _admins(uow: UnitOfWork, shop_id: int) -> list[Any]:
    return list(
        uow.run(
            select(Member.id, Member.chat_id).where(
                Member.shop_id == shop_id, Member.role == "admin", Member.left_at.is_(None)
            )
        )
    )


def _messages(uow: UnitOfWork, shop_id: int, rows: Sequence[Any]) -> list[dict[str, Any]]:
    now = uow.now()
    payload = _payload(rows)
    # The SKUs' own ids name the message: a check that runs again queues nothing twice.
    reported = f"{rows[0].id}-{rows[-1].id}"
    return [
        pending_row(
            shop_id=shop_id,
            member_id=admin.id,
            channel=Channel.TELEGRAM.value,
            recipient=str(admin.chat_id),
            kind=Kind.UNKNOWN_SKUS.value,
            payload=payload,
            idempotency_key=f"{Kind.UNKNOWN_SKUS}:{admin.id}:{reported}",
            due=now,
            now=now,
        )
        for admin in _admins(uow, shop_id)
    ]


def report_unknown_skus(uow: UnitOfWork, shop_ids: Sequence[int]) -> int:
    """Queue, for each of the shops, one message to each admin listing the unknown SKUs not
    reported yet, and mark them reported; how many messages were queued. The caller
    commits (the daily check, in its transaction of these shops)."""
    queued = 0
    rows = _unreported(uow, shop_ids)
    for shop_id, shop_rows in groupby(rows, key=lambda row: row.shop_id):
        messages = _messages(uow, shop_id, list(shop_rows))
        if messages:
            statement = insert_or_skip(uow, Notification).values(messages)
            queued += insert_rows(
                uow, statement.on_conflict_do_nothing(index_elements=["idempotency_key"])
            )
    if rows:
        ids = [row.id for row in rows]
        uow.run(update(UnknownSku).where(UnknownSku.id.in_(ids)).values(reported_at=uow.now()))
    return queued
