"""/v1/export.csv, /v1/export.xlsx and /v1/imports through a real uvicorn server: the export
edited and sent back, Apply once, the scopes, and refused files changing nothing."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from tests.api.conftest import Api, state

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def post_file(api: Api, data: bytes, content_type: str = "text/csv", **params: str):
    headers = api.headers(**{"Content-Type": content_type})
    return await api.client.post("/v1/imports", content=data, headers=headers, params=params)


async def test_export_edit_import_apply_once(api: Api) -> None:
    api.shop.add_item("Green tea", 10)
    api.shop.add_item("Mint", 2, threshold=1)
    exported = await api.get("/v1/export.csv", key=api.read_key)
    assert exported.status_code == 200
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"), newline="")))
    assert rows[1][:5] == ["Green tea", "", "10", "5", "default"]
    rows[1][2] = "4"
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)

    preview = await post_file(api, out.getvalue().encode(), name="items.csv")
    assert preview.status_code == 201, preview.text
    body = preview.json()
    assert body["quantity_changes"] == [{"name": "Green tea", "before": 10, "after": 4}]
    assert (body["rows_read"], body["unchanged"], body["errors"]) == (2, 1, [])

    applied = await api.post(f"/v1/imports/{body['id']}/apply")
    assert applied.status_code == 200
    assert applied.json()["quantities_changed"] == 1
    assert applied.json()["already_applied"] is False
    before = state(api.shop.db)
    again = await api.post(f"/v1/imports/{body['id']}/apply")
    assert again.json()["already_applied"] is True
    assert state(api.shop.db) == before

    movements = await api.get("/v1/movements")
    last = movements.json()["movements"][-1]
    assert (last["reason"], last["source"], last["delta"]) == ("import", "api:till write", -6)


async def test_export_xlsx_is_a_workbook_with_both_sheets(api: Api) -> None:
    api.shop.add_item("Green tea", 10)
    answer = await api.get("/v1/export.xlsx", key=api.read_key)
    assert answer.headers["content-type"] == XLSX
    book = load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames == ["Items", "Movements"]
    assert book["Items"]["C2"].value == 10
    movements = await api.get("/v1/export.csv", table="movements")
    assert movements.content.decode("utf-8-sig").splitlines()[0].startswith("Time,Item,SKU")


async def test_a_read_key_cannot_import_and_bad_files_change_nothing(api: Api) -> None:
    api.shop.add_item("Green tea", 10)
    before = state(api.shop.db)
    read = await api.client.post(
        "/v1/imports", content=b"Name,Quantity\nTea,1\n", headers=api.headers(api.read_key)
    )
    assert read.status_code == 403
    huge = await post_file(api, b"x" * (5 * 1024 * 1024 + 1))
    assert huge.status_code == 413
    assert "5 MB" in huge.json()["detail"]
    broken = await post_file(api, b"PK\x03\x04nope", XLSX)
    assert broken.status_code == 422
    assert "damaged" in broken.json()["detail"]
    assert state(api.shop.db) == before


async def test_another_shops_import_is_not_found(api: Api) -> None:
    preview = await post_file(api, b"Name,Quantity\nTea,1\n")
    other = await api.post(f"/v1/imports/{preview.json()['id']}/apply", key=api.other_key)
    assert other.status_code == 404
    missing = await api.post("/v1/imports/99999999999999999999/apply")
    assert missing.status_code in (404, 422)
