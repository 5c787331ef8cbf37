"""Imports by spreadsheet in the core: export → edit → import round trips on PostgreSQL and
SQLite, previews that expire, Apply once, Cancel, and the rows a preview refuses."""

from __future__ import annotations

import csv
import io
import threading

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from core.alerts import check
from core.db.session import Database
from core.db.statements import CHUNK
from core.errors import InvalidInput, NotFound
from core.shops.members import require_member_ref
from core.stock import changes, export, imports, skus, thresholds
from core.stock.import_plan import Change, NewItem
from tests.conftest import Clock
from tests.core.conftest import ShopFixture, build_shop, snapshot
from tests.core.locks import until_waiting


def exported_csv(shop: ShopFixture) -> list[list[str]]:
    files = shop.run(export.export_for_member, telegram_user_id=shop.admin)
    text = files.items_csv[1].decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def as_csv(rows: list[list[str]], delimiter: str = ",") -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode()


def preview(shop: ShopFixture, data: bytes, name: str = "stock.csv", user: int | None = None):
    return shop.run(
        imports.preview_for_member,
        telegram_user_id=user or shop.admin,
        data=data,
        file_name=name,
    )


def apply(shop: ShopFixture, preview_id: int, user: int | None = None) -> imports.ImportResult:
    return shop.run(
        imports.apply_for_member, telegram_user_id=user or shop.admin, preview_id=preview_id
    )


def quantities(shop: ShopFixture) -> dict[str, tuple[int, int | None]]:
    return {row[0]: (int(row[2]), row[3]) for row in exported_csv(shop)[1:]}


def test_an_edited_csv_export_imports_cleanly(shop: ShopFixture) -> None:
    shop.add_item("Green tea", 10)
    shop.add_item("=Sneaky", 3, threshold=2)
    rows = exported_csv(shop)
    assert rows[0] == list(export.ITEM_HEADERS)
    assert rows[1][0] == "'=Sneaky"  # a spreadsheet shows it as text, never runs it
    rows[2][2] = "4"  # Green tea counted: 4, below the default 5
    rows.append(["Oolong", "OO-1", "12", "3", "own"])
    seen = preview(shop, as_csv(rows))
    assert seen.rows_read == 3
    assert seen.quantity_changes == (Change("Green tea", 10, 4),)
    assert seen.new_items == (NewItem("Oolong", 12, 3),)
    assert seen.errors == ()
    assert seen.unchanged == 1
    done = apply(shop, seen.id, user=shop.staff[0])
    assert (done.created, done.quantities_changed, done.alerts_opened) == (1, 1, 1)
    assert quantities(shop) == {"'=Sneaky": (3, "2"), "Green tea": (4, "5"), "Oolong": (12, "3")}
    reasons = [m[3] for m in csv.reader(io.StringIO(export_movements(shop)))][1:]
    assert reasons == ["create", "create", "import", "import"]
    # the same file again changes nothing
    again = preview(shop, as_csv(rows))
    assert (again.unchanged, again.has_changes, again.errors) == (3, False, ())


def export_movements(shop: ShopFixture) -> str:
    files = shop.run(export.export_for_member, telegram_user_id=shop.admin)
    return files.movements_csv[1].decode("utf-8-sig")


def test_an_edited_xlsx_export_imports_cleanly(shop: ShopFixture) -> None:
    shop.add_item("Green tea", 10)
    shop.add_item("Mint", 7, threshold=4)
    files = shop.run(export.export_for_member, telegram_user_id=shop.admin)
    book = load_workbook(io.BytesIO(files.xlsx[1]))
    sheet = book["Items"]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.b
    assert sheet["C2"].value == 10
    assert sheet["C2"].data_type == "n"
    sheet["C2"] = 2  # Green tea
    sheet["D3"] = 9  # Mint's own threshold
    edited = io.BytesIO()
    book.save(edited)
    seen = preview(shop, edited.getvalue(), "stock.xlsx")
    assert seen.quantity_changes == (Change("Green tea", 10, 2),)
    assert seen.threshold_changes == (Change("Mint", 4, 9),)
    done = apply(shop, seen.id)
    assert (done.quantities_changed, done.thresholds_changed, done.alerts_opened) == (1, 1, 2)
    assert quantities(shop) == {"Green tea": (2, "5"), "Mint": (7, "9")}


def test_a_semicolon_csv_in_windows_1252_with_decimal_commas_reads(shop: ShopFixture) -> None:
    shop.add_item("Thé vert", 10)
    data = "Name;Quantity\r\nThé vert;12,0\r\nCafé;3,5\r\nKakao;1 200\r\n".encode("cp1252")
    seen = preview(shop, data)
    assert seen.quantity_changes == (Change("Thé vert", 10, 12),)
    assert seen.new_items == (NewItem("Kakao", 1200, 5),)
    assert [(e.row, e.reason) for e in seen.errors] == [
        (3, "Quantity “3,5” is not a whole number.")
    ]


def test_rows_that_cannot_be_taken_say_why(shop: ShopFixture) -> None:
    shop.add_item("Tea", 10)
    shop.run(skus.set_sku, telegram_user_id=shop.admin, name="Tea", sku="T-1")
    rows = [
        ["Name", "SKU", "Quantity", "Threshold"],
        ["Tea", "X-9", "3", ""],
        ["", "NOPE", "3", ""],
        ["Tea", "", "-2", ""],
        ["Coffee", "", "", "4"],
        ["tea", "", "4", ""],
        ["Tea", "", "5", ""],
    ]
    seen = preview(shop, as_csv(rows))
    assert [(e.row, e.reason) for e in seen.errors] == [
        (2, "“Tea” has another SKU (“T-1”), not “X-9”; change SKUs with /sku."),
        (3, "No item has the SKU “NOPE”; give a name to add one."),
        (4, "Quantity cannot be negative (-2)."),
        (5, "“Coffee” is new: give its quantity."),
        (7, "The same item is in row 6 already."),
    ]
    assert seen.quantity_changes == (Change("Tea", 10, 4),)


def test_apply_twice_changes_things_once_and_cancel_and_expiry(
    shop: ShopFixture, clock: Clock
) -> None:
    shop.add_item("Tea", 10)
    seen = preview(shop, as_csv([["Name", "Quantity"], ["Tea", "3"]]))
    first = apply(shop, seen.id)
    before = snapshot(shop.db)
    second = apply(shop, seen.id)
    assert second.already_applied
    assert second.quantities_changed == first.quantities_changed
    assert snapshot(shop.db) == before
    with pytest.raises(InvalidInput, match="applied already"):
        shop.run(imports.cancel_for_member, telegram_user_id=shop.admin, preview_id=seen.id)

    cancelled = preview(shop, as_csv([["Name", "Quantity"], ["Tea", "8"]]))
    shop.run(imports.cancel_for_member, telegram_user_id=shop.admin, preview_id=cancelled.id)
    with pytest.raises(InvalidInput, match="cancelled"):
        apply(shop, cancelled.id)

    late = preview(shop, as_csv([["Name", "Quantity"], ["Tea", "9"]]))
    clock.advance(minutes=61)
    before = snapshot(shop.db)
    with pytest.raises(InvalidInput, match="expired"):
        apply(shop, late.id)
    assert snapshot(shop.db) == before
    assert quantities(shop)["Tea"][0] == 3


def test_another_shops_preview_is_not_found(shop: ShopFixture) -> None:
    other = build_shop(shop.db, admin=7000)
    seen = preview(shop, as_csv([["Name", "Quantity"], ["Tea", "3"]]))
    with pytest.raises(NotFound):
        apply(other, seen.id, user=other.admin)


def test_apply_is_all_or_nothing(shop: ShopFixture) -> None:
    shop.add_item("Tea", 10)
    seen = preview(shop, as_csv([["Name", "Quantity"], ["Tea", "3"], ["Mint", "4"]]))
    shop.add_item("Mint", 1)  # taken meanwhile: the new item cannot be created
    before = snapshot(shop.db)
    with pytest.raises(Exception, match="already an item called “Mint”"):
        apply(shop, seen.id)
    assert snapshot(shop.db) == before


def test_thresholds_follow_threshold_from(shop: ShopFixture) -> None:
    shop.add_item("Tea", 10, threshold=3)
    shop.add_item("Mint", 10)
    rows = exported_csv(shop)
    rows[2][4] = "default"  # Tea: back to the shop's default (5)
    rows[2][3] = "5"
    rows[1][3] = "7"  # Mint: an own threshold of 7
    seen = preview(shop, as_csv(rows))
    assert set(seen.threshold_changes) == {Change("Tea", 3, 5), Change("Mint", 5, 7)}
    apply(shop, seen.id)
    assert quantities(shop) == {"Mint": (10, "7"), "Tea": (10, "5")}
    assert exported_csv(shop)[2][4] == "default"
    shop.run(thresholds.set_default_threshold, telegram_user_id=shop.admin, threshold=6)
    assert exported_csv(shop)[2][3] == "6"


@pytest.mark.postgres
def test_two_threads_pressing_apply_at_once_change_things_once(pg_db: Database) -> None:
    shop = build_shop(pg_db, admin=1000, staff=1)
    shop.add_item("Tea", 10)
    seen = preview(shop, as_csv([["Name", "Quantity"], ["Tea", "3"], ["Mint", "4"]]))
    start = threading.Barrier(2)
    results: list[imports.ImportResult] = []

    def press(user: int) -> None:
        start.wait()
        results.append(apply(shop, seen.id, user=user))

    threads = [threading.Thread(target=press, args=(user,)) for user in (1000, 1001)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(result.already_applied for result in results) == [False, True]
    movements = [line for line in export_movements(shop).splitlines()[1:] if ",import," in line]
    assert len(movements) == 2
    assert quantities(shop) == {"Mint": (4, "5"), "Tea": (3, "5")}


@pytest.mark.postgres
def test_a_change_made_while_apply_waits_for_the_item_is_not_lost(pg_db: Database) -> None:
    shop = build_shop(pg_db, admin=1000)
    shop.add_item("Tea", 10)
    seen = preview(shop, as_csv([["Name", "Quantity"], ["Tea", "3"], ["Mint", "4"]]))
    results: list[imports.ImportResult] = []
    # Hold Tea's row while changing it: Apply waits for the lock, then counts its movement
    # from the quantity the change left, not from the one the preview read.
    with pg_db.engine.connect() as holder, holder.begin():
        holder.execute(text("SELECT id FROM items WHERE name = 'Tea' FOR UPDATE"))
        holder.execute(text("UPDATE items SET quantity = 12 WHERE name = 'Tea'"))
        thread = threading.Thread(target=lambda: results.append(apply(shop, seen.id)))
        thread.start()
        until_waiting(pg_db, 1)
    thread.join()
    assert results[0].quantities_changed == 1
    assert quantities(shop) == {"Mint": (4, "5"), "Tea": (3, "5")}
    tea = [line for line in export_movements(shop).splitlines() if "Tea" in line]
    assert ",import,-9,3," in tea[-1]


def test_an_item_deleted_since_the_preview_refuses_the_whole_apply(shop: ShopFixture) -> None:
    shop.add_item("Tea", 10)
    shop.add_item("Mint", 10)
    seen = preview(shop, as_csv([["Name", "Quantity"], ["Tea", "3"], ["Mint", "2"]]))
    shop.run(changes.delete_item, telegram_user_id=shop.admin, name="Mint")
    before = snapshot(shop.db)
    with pytest.raises(NotFound, match="no item called “Mint”"):
        apply(shop, seen.id)
    assert snapshot(shop.db) == before


def test_an_import_of_more_items_than_a_chunk_evaluates_every_one(shop: ShopFixture) -> None:
    count = CHUNK + 50
    with shop.db.unit_of_work() as uow:
        shop_id = require_member_ref(uow, shop.admin).shop_id
        for n in range(count):
            changes.insert_item(uow, shop_id, f"Item {n:04d}", 3 if n % 2 else 20, None)
        uow.commit()
    shop.run(check.run_check)  # the odd ones are low, with open alerts
    rows = [["Name", "Quantity"]]
    rows += [[f"Item {n:04d}", "30" if n % 2 else "1"] for n in range(count)]  # all swap
    rows += [[f"New {n:04d}", str(n % 10)] for n in range(count)]
    result = apply(shop, preview(shop, as_csv(rows)).id)
    assert (result.created, result.quantities_changed) == (count, count)
    low_new = sum(1 for n in range(count) if n % 10 < 5)
    assert (result.alerts_opened, result.alerts_resolved) == (count // 2 + low_new, count // 2)
    open_alerts = shop.alerts(resolved_at=None)
    assert len(open_alerts) == count // 2 + low_new
    assert len(shop.alerts(resolution="restocked")) == count // 2
    assert len({alert.item_id for alert in open_alerts}) == len(open_alerts)
