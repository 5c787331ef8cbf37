"""Keys for the HTTP API (SPEC 7): an admin makes one with /apikey, sees it once, and may
revoke it; a request presenting a live key acts for the key's shop, read-only or not.

A key is `sb_live_` and 32 URL-safe characters (192 random bits); only its sha256 is kept,
with its first 12 characters to tell keys apart."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select, update

from core.db.models import ApiKey, IdempotencyRecord
from core.db.session import UnitOfWork
from core.errors import InvalidInput, NotFound
from core.shops.members import require_member_ref
from core.shops.views import ApiCaller, ApiKeyView, NewApiKey

KEY_PREFIX = "sb_live_"
SCOPES = ("read", "write")
MAX_NAME = 64
MAX_KEYS = 20
# A key's last use is written at most this often: not one write per request.
LAST_USED_PRECISION = timedelta(minutes=1)
# How long an Idempotency-Key is remembered with its answer (SPEC 7 asks for a day at least).
REQUESTS_KEPT = timedelta(days=7)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _view(key: ApiKey) -> ApiKeyView:
    return ApiKeyView(
        id=key.id,
        name=key.name,
        scope=key.scope,
        prefix=key.prefix,
        created_at=key.created_at,
        last_used_at=key.last_used_at,
        revoked_at=key.revoked_at,
    )


def create_api_key(uow: UnitOfWork, *, telegram_user_id: int, name: str, scope: str) -> NewApiKey:
    """A new key of the admin's shop; the key itself is in the answer and nowhere else."""
    admin = require_member_ref(uow, telegram_user_id, admin=True)
    cleaned = " ".join(name.split())
    if not 1 <= len(cleaned) <= MAX_NAME or not cleaned.isprintable():
        raise InvalidInput(f"Give the key a name of 1 to {MAX_NAME} characters.")
    if scope not in SCOPES:
        raise InvalidInput("A key is read (it only reads) or write (it may change stock).")
    live = select(func.count()).where(ApiKey.shop_id == admin.shop_id, ApiKey.revoked_at.is_(None))
    if (uow.session.scalar(live) or 0) >= MAX_KEYS:
        raise InvalidInput(f"A shop has at most {MAX_KEYS} keys: revoke one first.")
    secret = KEY_PREFIX + secrets.token_urlsafe(24)
    key = ApiKey(
        shop_id=admin.shop_id,
        name=cleaned,
        scope=scope,
        prefix=secret[:12],
        key_hash=_hash(secret),
        created_by=admin.id,
        created_at=uow.now(),
    )
    uow.session.add(key)
    uow.session.flush()
    created = NewApiKey(key=_view(key), secret=secret)
    uow.commit()
    return created


def list_api_keys(uow: UnitOfWork, *, telegram_user_id: int) -> list[ApiKeyView]:
    """The shop's keys, newest first, revoked ones too (marked)."""
    admin = require_member_ref(uow, telegram_user_id, admin=True)
    keys = uow.session.scalars(
        select(ApiKey).where(ApiKey.shop_id == admin.shop_id).order_by(ApiKey.id.desc())
    )
    return [_view(key) for key in keys]


def revoke_api_key(uow: UnitOfWork, *, telegram_user_id: int, key_id: int) -> ApiKeyView:
    """Revoke a key of the admin's shop: requests with it are refused from now on."""
    admin = require_member_ref(uow, telegram_user_id, admin=True)
    key = uow.session.scalar(
        select(ApiKey).where(ApiKey.id == key_id, ApiKey.shop_id == admin.shop_id)
    )
    if key is None:
        raise NotFound(f"Key {key_id} was not found.")
    if key.revoked_at is not None:
        raise InvalidInput(f"Key {key_id} is already revoked.")
    key.revoked_at = uow.now()
    uow.session.flush()
    view = _view(key)
    uow.commit()
    return view


def authenticate(uow: UnitOfWork, *, presented: str) -> ApiCaller | None:
    """Who a request acts for: the shop and scope of a live key, or None."""
    if not presented.startswith(KEY_PREFIX) or len(presented) > 100:
        return None
    key = uow.session.scalar(
        select(ApiKey).where(ApiKey.key_hash == _hash(presented), ApiKey.revoked_at.is_(None))
    )
    if key is None:
        return None
    now = uow.now()
    if key.last_used_at is None or key.last_used_at < now - LAST_USED_PRECISION:
        uow.session.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now))
        uow.commit()
    return ApiCaller(shop_id=key.shop_id, key_id=key.id, name=key.name, scope=key.scope)


def forget_old_requests(uow: UnitOfWork) -> int:
    """Drop the idempotency records older than REQUESTS_KEPT; how many (daily housekeeping)."""
    cutoff = uow.now() - REQUESTS_KEPT
    result = uow.run(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff))
    uow.commit()
    return int(result.rowcount or 0)
