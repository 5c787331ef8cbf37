"""/v1/export.csv and /v1/export.xlsx: the shop as spreadsheets; /v1/imports: a spreadsheet
previewed, then applied once."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from api.auth import Reader, Writer
from api.context import context_of
from api.file_schemas import ImportAnswer, ImportPreview
from api.problems import Problem
from core.sheets.reading import MAX_BYTES
from core.sheets.writing import csv_bytes, xlsx_bytes
from core.stock import export, imports

router = APIRouter(prefix="/v1", tags=["files"])
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FILE = {"schema": {"type": "string", "format": "binary"}}


def _attachment(content: bytes, media_type: str, name: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(content, media_type=media_type, headers=headers)


@router.get("/export.csv", response_class=Response, responses={200: {"content": {CSV: _FILE}}})
async def export_csv(
    request: Request, caller: Reader, table: Literal["items", "movements"] = "items"
) -> Response:
    """The shop's items (or, with `table=movements`, its movements) as CSV: UTF-8 with a
    header row, times in the shop's zone. The items CSV, edited, imports cleanly."""
    items, movements = await context_of(request).run(export.export_tables, shop_id=caller.shop_id)
    chosen = items if table == "items" else movements
    return _attachment(csv_bytes(chosen), f"{CSV}; charset=utf-8", f"{table}.csv")


@router.get("/export.xlsx", response_class=Response, responses={200: {"content": {XLSX: _FILE}}})
async def export_xlsx(request: Request, caller: Reader) -> Response:
    """The shop's items and movements as the two sheets of one workbook."""
    tables = await context_of(request).run(export.export_tables, shop_id=caller.shop_id)
    return _attachment(xlsx_bytes(tables), XLSX, "stock.xlsx")


async def _body(request: Request) -> bytes:
    """The request body, refused (413) as soon as it passes the 5 MB an import may have."""
    if int(request.headers.get("content-length") or 0) > MAX_BYTES:
        raise Problem(413, "The file is larger than 5 MB, the most an import may have.")
    received = bytearray()
    async for part in request.stream():
        received += part
        if len(received) > MAX_BYTES:
            raise Problem(413, "The file is larger than 5 MB, the most an import may have.")
    return bytes(received)


@router.post(
    "/imports",
    status_code=201,
    openapi_extra={"requestBody": {"required": True, "content": {CSV: _FILE, XLSX: _FILE}}},
    responses={413: {"description": "The file is larger than 5 MB"}},
)
async def preview_import(
    request: Request,
    caller: Writer,
    name: Annotated[str | None, Query(max_length=255, description="The file's name")] = None,
) -> ImportPreview:
    """Read a CSV or XLSX file (the body; up to 5 MB and 10,000 rows, columns as in the
    export) into a preview of what it would change. Nothing changes until it is applied,
    within the hour."""
    data = await _body(request)
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    file_name = name or ("import.xlsx" if kind == XLSX else "import.csv")
    preview = await context_of(request).run(
        imports.preview_for_key, caller=caller, data=data, file_name=file_name
    )
    return ImportPreview.of(preview)


@router.post("/imports/{import_id}/apply")
async def apply_import(request: Request, caller: Writer, import_id: int) -> ImportAnswer:
    """Apply a preview: everything in one transaction (ledger reason `import`), or nothing.
    Applying it again answers what the first time did and changes nothing."""
    result = await context_of(request).run(
        imports.apply_for_key, caller=caller, preview_id=import_id
    )
    return ImportAnswer.of(result)
