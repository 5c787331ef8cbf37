"""Verified channel addresses: the code sent to a new email address or WhatsApp number, and
/verify, which proves the member owns it (SPEC 1 "channel address", SPEC 3).

An address receives alerts, reminders and digests only once verified; until then it receives
only its code. Only a hash of each code is kept here; the outbox row that carries the code is
written in the same transaction as the address change, and its payload is scrubbed once the
code is closed (used, replaced or burnt)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta
from typing import NoReturn

from sqlalchemy import select, update

from core.db.models import Member, Notification, VerificationCode
from core.db.session import UnitOfWork
from core.errors import InvalidInput, TryLater
from core.shops.code_limits import LOCKOUT, MAX_WRONG_TRIES, check_can_issue, in_words, lockout_ends
from core.shops.members import prefs_view, require_member
from core.shops.views import Verified
from core.vocabulary import Channel, Kind, Status

# How long a code works.
CODE_LIFETIME = timedelta(hours=1)
CHANNELS = (Channel.EMAIL, Channel.WHATSAPP)
_CODE = re.compile(r"[0-9]{6}")
# What a closed code's outbox row keeps instead of the code.
_SCRUBBED: dict[str, str] = {}


def _verified_column(channel: str) -> str:
    return f"{channel}_verified_at"


def is_verified(member: Member, channel: str) -> bool:
    """Whether the member's current address on this channel is verified."""
    return getattr(member, _verified_column(channel)) is not None


def code_hash(member_id: int, channel: str, address: str, code: str) -> str:
    """The stored form of a code: bound to its member, channel and address."""
    return hashlib.sha256(f"{member_id}:{channel}:{address}:{code}".encode()).hexdigest()


def _lock(uow: UnitOfWork, member: Member) -> None:
    # One member's changes and tries in turn, so that two at once cannot both pass a limit.
    uow.session.refresh(member, with_for_update=True)


def _open_codes(
    uow: UnitOfWork, member: Member, channel: str | None = None
) -> list[VerificationCode]:
    query = select(VerificationCode).where(
        VerificationCode.member_id == member.id, VerificationCode.closed_at.is_(None)
    )
    if channel is not None:
        query = query.where(VerificationCode.channel == channel)
    return list(uow.session.scalars(query.order_by(VerificationCode.id)))


def _close(uow: UnitOfWork, codes: list[VerificationCode], closed_as: str) -> None:
    """Close the codes; their outbox rows lose the code, and a void or burnt code's row is
    cancelled if not sent yet. (A verified code arrived: its row may still be settling.)"""
    if not codes:
        return
    now = uow.now()
    for code in codes:
        code.closed_at, code.closed_as = now, closed_as
    keys = [_key(code.id) for code in codes]
    if closed_as != "verified":
        uow.run(
            update(Notification)
            .where(Notification.idempotency_key.in_(keys), Notification.status == Status.PENDING)
            .values(status=Status.CANCELLED.value, claimed_until=None)
        )
    uow.run(
        update(Notification).where(Notification.idempotency_key.in_(keys)).values(payload=_SCRUBBED)
    )


def _key(code_id: int) -> str:
    return f"verification:{code_id}"


def cancel_queued(uow: UnitOfWork, member: Member, channel: str, address: str) -> int:
    """Cancel what is queued for an address the member cleared or changed (SPEC 6)."""
    result = uow.run(
        update(Notification)
        .where(
            Notification.member_id == member.id,
            Notification.channel == channel,
            Notification.recipient == address,
            Notification.status == Status.PENDING,
        )
        .values(status=Status.CANCELLED.value, claimed_until=None)
    )
    return result.rowcount or 0


def change_address(uow: UnitOfWork, member: Member, channel: str, address: str | None) -> bool:
    """Set (normalized) or clear the member's address on a channel; a new or still unverified
    address gets a code. Returns whether anything changed: the same address, already
    verified, changes nothing and sends no code. The caller commits."""
    channel = str(channel)
    _lock(uow, member)
    current: str | None = getattr(member, channel)
    if address == current and (address is None or is_verified(member, channel)):
        return False
    if address is not None:
        check_can_issue(uow, member)
    if current is not None and current != address:
        cancel_queued(uow, member, channel, current)
    _close(uow, _open_codes(uow, member, channel), "void")
    setattr(member, channel, address)
    setattr(member, _verified_column(channel), None)
    if address is not None:
        _issue(uow, member, channel, address)
    uow.session.flush()
    return True


def _issue(uow: UnitOfWork, member: Member, channel: str, address: str) -> None:
    """A new code for the address, and the outbox row that sends it there."""
    now = uow.now()
    code = f"{secrets.randbelow(10**6):06d}"
    row = VerificationCode(
        member_id=member.id,
        channel=channel,
        address=address,
        code_hash=code_hash(member.id, channel, address, code),
        created_at=now,
        expires_at=now + CODE_LIFETIME,
        wrong_tries=0,
    )
    uow.session.add(row)
    uow.session.flush()
    uow.session.add(
        Notification(
            shop_id=member.shop_id,
            member_id=member.id,
            alert_id=None,
            channel=channel,
            recipient=address,
            kind=Kind.VERIFICATION.value,
            payload={"code": code},
            idempotency_key=_key(row.id),
            status=Status.PENDING.value,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )
    uow.session.flush()
    uow.queued += 1


def _live_codes(uow: UnitOfWork, member: Member) -> list[VerificationCode]:
    """The member's codes that can still verify, or the refusal that says why there are none
    (waiting after wrong tries, none sent, all expired)."""
    locked_until = lockout_ends(uow, member)
    if locked_until is not None:
        raise TryLater(
            f"Too many wrong codes: you can try again {in_words(uow, member, locked_until)}, "
            "with a new code from /email or /whatsapp.",
            retry_at=locked_until,
        )
    # A code is void once its address changed (change_address closes it; this is a backstop).
    waiting = [c for c in _open_codes(uow, member) if getattr(member, c.channel) == c.address]
    if not waiting:
        raise InvalidInput(
            "You have no code waiting: set an address with /email or /whatsapp and I send one."
        )
    live = [c for c in waiting if c.expires_at > uow.now()]
    if not live:
        raise InvalidInput(
            "That code has expired (codes work for 1 hour): send /email or /whatsapp with "
            "the address again for a new one."
        )
    return live


def _count_wrong_try(uow: UnitOfWork, member: Member, live: list[VerificationCode]) -> NoReturn:
    """A wrong code: count it on every live code, burn those at the limit; always refuses."""
    for candidate in live:
        candidate.wrong_tries += 1
    burnt = [c for c in live if c.wrong_tries >= MAX_WRONG_TRIES]
    if burnt:
        _close(uow, burnt, "burnt")
        uow.commit()
        retry_at = uow.now() + LOCKOUT
        raise TryLater(
            f"Wrong code {MAX_WRONG_TRIES} times: that code no longer works. You can try again "
            f"{in_words(uow, member, retry_at)}, with a new code from /email or /whatsapp.",
            retry_at=retry_at,
        )
    left = MAX_WRONG_TRIES - max(c.wrong_tries for c in live)
    uow.commit()
    tries = "try" if left == 1 else "tries"
    raise InvalidInput(
        f"That code is not right: {left} {tries} left. Use the code of the latest message."
    )


def verify(uow: UnitOfWork, *, telegram_user_id: int, code: str) -> Verified:
    """Check a code the member sent back: a correct one verifies exactly the address it was
    sent to. Wrong codes count; the MAX_WRONG_TRIES-th burns it and the member waits."""
    member = require_member(uow, telegram_user_id)
    typed = "".join(code.split())
    if not _CODE.fullmatch(typed):
        raise InvalidInput("A code is the 6 digits in the message I sent to your address.")
    _lock(uow, member)
    live = _live_codes(uow, member)
    for candidate in live:
        expected = code_hash(member.id, candidate.channel, candidate.address, typed)
        if hmac.compare_digest(candidate.code_hash, expected):
            setattr(member, _verified_column(candidate.channel), uow.now())
            _close(uow, [candidate], "verified")
            uow.session.flush()
            verified = Verified(
                channel=candidate.channel, address=candidate.address, prefs=prefs_view(uow, member)
            )
            uow.commit()
            return verified
    _count_wrong_try(uow, member, live)
