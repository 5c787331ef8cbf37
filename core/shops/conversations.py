"""Conversations that outlive a message (SPEC 5): the question each Telegram user was asked
and has not answered, and the long /stock searches page buttons stand for. They live in the
database, so the answer may reach any process on it; the bot says what a payload means."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, insert, select

from core.db.base import MAX_ID
from core.db.dialect import insert_or_skip
from core.db.models import ListSearch, OpenQuestion
from core.db.session import UnitOfWork

# A question left a day is not answered by a message that comes later: it has gone stale.
QUESTION_LIFETIME = timedelta(days=1)
# Page buttons older than this say the list is out of date.
SEARCH_LIFETIME = timedelta(days=7)


def ask_question(uow: UnitOfWork, *, telegram_user_id: int, payload: dict[str, Any]) -> None:
    """The user's next message answers this question (it replaces any other)."""
    now = uow.now()
    statement = insert_or_skip(uow, OpenQuestion).values(
        telegram_user_id=telegram_user_id, payload=payload, asked_at=now
    )
    uow.run(
        statement.on_conflict_do_update(
            index_elements=["telegram_user_id"], set_={"payload": payload, "asked_at": now}
        )
    )
    uow.commit()


def open_question(uow: UnitOfWork, *, telegram_user_id: int) -> dict[str, Any] | None:
    """The question the user is answering, if any."""
    payload = uow.run(
        select(OpenQuestion.payload).where(
            OpenQuestion.telegram_user_id == telegram_user_id,
            OpenQuestion.asked_at > uow.now() - QUESTION_LIFETIME,
        )
    ).scalar()
    return dict(payload) if payload is not None else None


def close_question(uow: UnitOfWork, *, telegram_user_id: int) -> dict[str, Any] | None:
    """The user leaves their question (answered, or another command came): what it was."""
    payload = uow.run(
        delete(OpenQuestion)
        .where(OpenQuestion.telegram_user_id == telegram_user_id)
        .returning(OpenQuestion.payload, OpenQuestion.asked_at)
    ).first()
    uow.commit()
    if payload is None or payload.asked_at <= uow.now() - QUESTION_LIFETIME:
        return None
    return dict(payload.payload)


def forget_questions_of(uow: UnitOfWork, telegram_user_id: int) -> None:
    """In the caller's transaction: the user's question ends (their membership did)."""
    uow.run(delete(OpenQuestion).where(OpenQuestion.telegram_user_id == telegram_user_id))


def save_search(uow: UnitOfWork, *, telegram_user_id: int, text: str) -> int:
    """Keep a search for the user's page buttons; the id they carry."""
    search_id = uow.run(
        insert(ListSearch)
        .values(telegram_user_id=telegram_user_id, text=text, created_at=uow.now())
        .returning(ListSearch.id)
    ).scalar_one()
    uow.commit()
    return int(search_id)


def saved_search(uow: UnitOfWork, *, telegram_user_id: int, search_id: int) -> str | None:
    """The search a page button of this user stands for; None once it is out of date."""
    if not 0 < search_id <= MAX_ID:
        return None
    found = uow.run(
        select(ListSearch.text).where(
            ListSearch.id == search_id,
            ListSearch.telegram_user_id == telegram_user_id,
            ListSearch.created_at > uow.now() - SEARCH_LIFETIME,
        )
    ).scalar()
    return str(found) if found is not None else None


def forget_old_conversations(uow: UnitOfWork) -> int:
    """Drop stale questions and out-of-date searches (housekeeping); how many."""
    now = uow.now()
    stale = OpenQuestion.asked_at <= now - QUESTION_LIFETIME
    questions = uow.run(delete(OpenQuestion).where(stale))
    searches = uow.run(delete(ListSearch).where(ListSearch.created_at <= now - SEARCH_LIFETIME))
    uow.commit()
    return int(questions.rowcount or 0) + int(searches.rowcount or 0)
