"""Imports by spreadsheet (SPEC 3, 8): a sent file read into a preview kept in the database
for an hour; Apply changes everything in one transaction through the ledger (reason
`import`), each item's alert evaluated once (core.stock.import_apply), or nothing; Apply
twice changes things once."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update

from core.db.base import MAX_ID
from core.db.models import ImportPreview
from core.db.session import UnitOfWork
from core.errors import InvalidInput, NotFound
from core.sheets.reading import read_rows
from core.shops.members import require_member_ref
from core.shops.views import ApiCaller
from core.shops.zones import shop_zone
from core.stock.import_apply import Actor, apply_plan
from core.stock.import_plan import ImportPreviewView, build_plan, preview_view
from core.stock.import_rows import read_intents

PREVIEW_LIFETIME = timedelta(hours=1)
# Kept that long after they are made, so that a late second Apply still answers what the
# first did; then housekeeping forgets them.
PREVIEW_KEPT = timedelta(days=1)
EXPIRED = "This preview has expired (previews last an hour); send the file again."
CANCELLED = "This import was cancelled; send the file again to import it."
NO_SUCH_IMPORT = "There is no such import."


@dataclass(frozen=True)
class ImportResult:
    """What Apply did; `already_applied` when an earlier Apply did it."""

    preview_id: int
    created: int
    quantities_changed: int
    thresholds_changed: int
    alerts_opened: int
    alerts_resolved: int
    already_applied: bool = False


def preview_import(
    uow: UnitOfWork, actor: Actor, data: bytes, file_name: str | None
) -> ImportPreviewView:
    """Read the file and keep its plan; a refused file (InvalidInput) stores nothing."""
    rows = read_rows(data, file_name)
    intents, errors, ignored = read_intents(rows)
    plan = build_plan(uow, actor.shop_id, intents, errors)
    plan |= {"rows_read": len(rows) - 1, "ignored": list(ignored)}
    now = uow.now()
    values: dict[str, Any] = {
        "shop_id": actor.shop_id,
        "member_id": actor.member_id,
        "source": actor.source,
    }
    values |= {"file_name": (file_name or "")[:255] or None, "plan": plan, "status": "open"}
    preview_id: int = uow.run(
        insert(ImportPreview)
        .values(**values, created_at=now, expires_at=now + PREVIEW_LIFETIME)
        .returning(ImportPreview.id)
    ).scalar_one()
    uow.commit()
    return preview_view(preview_id, plan, now + PREVIEW_LIFETIME, shop_zone(uow, actor.shop_id))


def _settle(uow: UnitOfWork, actor: Actor, preview_id: int, status: str) -> dict[str, Any] | None:
    """Move an open, unexpired preview to `status`; its plan, or None when it was not open."""
    if not 0 < preview_id <= MAX_ID:
        raise NotFound(NO_SUCH_IMPORT)
    plan: dict[str, Any] | None = uow.run(
        update(ImportPreview)
        .where(
            ImportPreview.id == preview_id,
            ImportPreview.shop_id == actor.shop_id,
            ImportPreview.status == "open",
            ImportPreview.expires_at > uow.now(),
        )
        .values(status=status, settled_at=uow.now())
        .returning(ImportPreview.plan)
    ).scalar()
    return plan


def _not_open(uow: UnitOfWork, actor: Actor, preview_id: int) -> ImportResult:
    """A second Apply's answer (the first one's result), or why the preview is gone."""
    row = uow.run(
        select(ImportPreview.status, ImportPreview.result).where(
            ImportPreview.id == preview_id, ImportPreview.shop_id == actor.shop_id
        )
    ).first()
    if row is None:
        raise NotFound(NO_SUCH_IMPORT)
    if row.status == "applied" and row.result is not None:
        return ImportResult(**(row.result | {"already_applied": True}))
    raise InvalidInput(CANCELLED if row.status == "cancelled" else EXPIRED)


def apply_import(uow: UnitOfWork, actor: Actor, preview_id: int) -> ImportResult:
    """Apply the preview's plan once, all of it or (on any error) nothing."""
    plan = _settle(uow, actor, preview_id, "applied")
    if plan is None:
        result = _not_open(uow, actor, preview_id)
        uow.commit()
        return result
    applied = apply_plan(uow, actor, plan)
    result = ImportResult(
        preview_id,
        len(plan["new"]),
        applied.quantities,
        applied.thresholds,
        applied.opened,
        applied.resolved,
    )
    uow.run(
        update(ImportPreview).where(ImportPreview.id == preview_id).values(result=asdict(result))
    )
    uow.commit()
    return result


def cancel_import(uow: UnitOfWork, actor: Actor, preview_id: int) -> None:
    """Cancel an open preview; InvalidInput when it was applied, cancelled or expired."""
    if _settle(uow, actor, preview_id, "cancelled") is None:
        _not_open(uow, actor, preview_id)
        raise InvalidInput("This import was applied already.")
    uow.commit()


def _member(uow: UnitOfWork, telegram_user_id: int) -> Actor:
    member = require_member_ref(uow, telegram_user_id)
    return Actor(member.shop_id, member.id, None)


def _key(caller: ApiCaller) -> Actor:
    return Actor(caller.shop_id, None, f"api:{caller.name}"[:64])


def preview_for_member(
    uow: UnitOfWork, *, telegram_user_id: int, data: bytes, file_name: str | None
) -> ImportPreviewView:
    """A member sent a document."""
    return preview_import(uow, _member(uow, telegram_user_id), data, file_name)


def apply_for_member(uow: UnitOfWork, *, telegram_user_id: int, preview_id: int) -> ImportResult:
    """A member pressed Apply (any member of the shop may)."""
    return apply_import(uow, _member(uow, telegram_user_id), preview_id)


def cancel_for_member(uow: UnitOfWork, *, telegram_user_id: int, preview_id: int) -> None:
    """A member pressed Cancel."""
    cancel_import(uow, _member(uow, telegram_user_id), preview_id)


def preview_for_key(
    uow: UnitOfWork, *, caller: ApiCaller, data: bytes, file_name: str | None
) -> ImportPreviewView:
    """`POST /v1/imports`."""
    return preview_import(uow, _key(caller), data, file_name)


def apply_for_key(uow: UnitOfWork, *, caller: ApiCaller, preview_id: int) -> ImportResult:
    """`POST /v1/imports/{id}/apply`."""
    return apply_import(uow, _key(caller), preview_id)


def forget_old_previews(uow: UnitOfWork) -> int:
    """Drop previews made more than PREVIEW_KEPT ago (housekeeping); how many."""
    old = ImportPreview.created_at <= uow.now() - PREVIEW_KEPT
    dropped = uow.run(delete(ImportPreview).where(old))
    uow.commit()
    return int(dropped.rowcount or 0)
