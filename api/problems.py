"""Errors as `application/problem+json` (RFC 9457): a status, a title and a `detail` a person
can act on. Core errors keep their message; nothing of the server's insides is shown."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from core.errors import (
    AlreadyExists,
    CoreError,
    InsufficientStock,
    InvalidInput,
    NotAllowed,
    NotAMember,
    NotFound,
    TryLater,
)

log = logging.getLogger("stockbot.api")
PROBLEM = "application/problem+json"
STATUS_OF: tuple[tuple[type[CoreError], int], ...] = (
    (NotFound, 404),
    (AlreadyExists, 409),
    (InsufficientStock, 409),
    (NotAllowed, 403),
    (NotAMember, 403),
    (TryLater, 429),
    (InvalidInput, 422),
)


def problem(
    status: int, detail: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    """A problem answer: `about:blank` with the status's title, and the detail."""
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status}
    body |= {"detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


class Problem(Exception):
    """Raised by endpoints and dependencies to answer with a problem."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.headers = status, detail, headers


def status_of(error: CoreError) -> int:
    """The HTTP status of a core error; a core error no rule names is bad input (422)."""
    return next((status for kind, status in STATUS_OF if isinstance(error, kind)), 422)


async def _on_problem(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return problem(exc.status, exc.detail, headers=exc.headers)


async def _on_core_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CoreError)
    return problem(status_of(exc), exc.message)


async def _on_http(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    return problem(exc.status_code, detail, headers=dict(exc.headers or {}))


async def _on_invalid(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [_readable(error) for error in exc.errors()]
    return problem(422, "; ".join(errors) or "The request is not valid.", errors=errors)


def _readable(error: Any) -> str:
    where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
    return f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg"))


async def _on_crash(request: Request, exc: Exception) -> JSONResponse:
    log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    return problem(500, "Something went wrong on our side; the request may be sent again.")


def add_problem_handlers(app: FastAPI) -> None:
    """Answer every error of the app as a problem."""
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(CoreError, _on_core_error)
    app.add_exception_handler(HTTPException, _on_http)
    app.add_exception_handler(RequestValidationError, _on_invalid)
    app.add_exception_handler(Exception, _on_crash)
