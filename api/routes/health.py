"""/healthz (the process is up) and /readyz (the database answers and is migrated)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.context import context_of
from api.problems import problem
from core.db.migrations import schema_is_current

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
async def readyz(request: Request) -> JSONResponse | dict[str, str]:
    """The database is reachable and its schema is the one this version needs."""
    context = context_of(request)
    try:
        current = await context.run(schema_is_current)
    except Exception:
        return problem(503, "The database cannot be reached.")
    if not current:
        return problem(503, "The database needs migrating: run stockbot migrate.")
    return {"status": "ready"}
