"""Files in the chat: /export's documents, a spreadsheet sent back and its preview, Apply
once, Cancel, and hostile files refused with the reason and nothing changed."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import Workbook

from tests.bot.harness import ADMIN, STAFF, STRANGER, Shopfront
from tests.conftest import Clock
from tests.fakes.telegram_api import SentMessage

MB = 1024 * 1024


async def send_file(
    shopfront: Shopfront, user: int, data: bytes, file_name: str, **extra: object
) -> SentMessage:
    marker = shopfront.api.mark()
    shopfront.api.send_document(user, data, file_name=file_name, **extra)  # type: ignore[arg-type]
    return await shopfront.api.await_message(user, after=marker)


async def exported(shopfront: Shopfront) -> list[SentMessage]:
    marker = shopfront.api.mark()
    shopfront.send(ADMIN, "/export")
    return await shopfront.api.await_messages(ADMIN, 3, after=marker)


def rows_of(document: SentMessage) -> list[list[str]]:
    assert document.file_bytes is not None
    return list(csv.reader(io.StringIO(document.file_bytes.decode("utf-8-sig"), newline="")))


def as_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode()


async def test_export_edit_send_back_apply_once(shopfront: Shopfront) -> None:
    await shopfront.shop_with_staff()
    await shopfront.say(ADMIN, "/additem Green tea 10")
    await shopfront.say(ADMIN, "/additem Mint 2 1")
    workbook, items, movements = await exported(shopfront)
    assert workbook.method == "sendDocument"
    assert (workbook.file_name or "").endswith(".xlsx")
    assert workbook.plain_text == (
        "📦 2 items and 2 movements. Edit the Items sheet (or the items CSV) and send it "
        "back to import it."
    )
    assert [row[:5] for row in rows_of(items)] == [
        ["Name", "SKU", "Quantity", "Threshold", "Threshold from"],
        ["Green tea", "", "10", "5", "default"],
        ["Mint", "", "2", "1", "own"],
    ]
    assert rows_of(movements)[1][3:6] == ["create", "10", "10"]

    edited = rows_of(items)
    edited[1][2] = "3"
    edited.append(["Oolong", "OO-1", "12", "", ""])
    preview = await send_file(shopfront, STAFF, as_csv(edited), "items.csv")
    assert (preview.plain_text or "").splitlines()[:6] == [
        "📄 items.csv: 3 rows read.",
        "New items (1):",
        "• Oolong: 12",
        "Quantities (1):",
        "• Green tea: 10 → 3",
        "Unchanged: 1",
    ]
    assert shopfront.quantity("Green tea") == 10

    answer = await shopfront.press(STAFF, preview, "Apply")
    assert answer.get("text") is None
    applied = shopfront.api.current(STAFF, preview.message_id)
    assert applied["text"].splitlines() == [
        "✅ Imported: 1 new item, 1 quantity, 0 thresholds.",
        "Alerts: 1 raised, 0 resolved.",
    ]
    assert (shopfront.quantity("Green tea"), shopfront.quantity("Oolong")) == (3, 12)
    before = shopfront.state()
    data = preview.callback_data("Apply")
    await shopfront.press_data(STAFF, preview.message_id, data, chat_id=STAFF)
    again = shopfront.api.current(STAFF, preview.message_id)["text"]
    assert again.startswith("✅ Already imported: 1 new item, 1 quantity")
    assert shopfront.state() == before


async def test_cancel_changes_nothing(shopfront: Shopfront) -> None:
    await shopfront.open_shop()
    await shopfront.say(ADMIN, "/additem Tea 10")
    before = shopfront.state()
    preview = await send_file(shopfront, ADMIN, b"Name,Quantity\nTea,4\n", "tea.csv")
    await shopfront.press(ADMIN, preview, "Cancel")
    cancelled = shopfront.api.current(ADMIN, preview.message_id)
    assert cancelled["text"] == "✖️ Import cancelled: nothing was changed."
    assert "reply_markup" not in cancelled
    assert shopfront.state() == before


async def test_many_errors_come_with_an_errors_csv(shopfront: Shopfront) -> None:
    await shopfront.open_shop()
    rows = [["Name", "Quantity"]] + [[f"Item {n}", "lots"] for n in range(25)]
    marker = shopfront.api.mark()
    shopfront.api.send_document(ADMIN, as_csv(rows), file_name="bad.csv")
    preview, errors = await shopfront.api.await_messages(ADMIN, 2, after=marker)
    lines = (preview.plain_text or "").splitlines()
    assert lines[1] == "⚠️ Rows not imported (25):"
    assert lines[2] == "• Row 2: Quantity “lots” is not a whole number."
    assert lines[22] == "…and 5 more (all in the errors CSV)."
    assert lines[-1] == "Nothing to change."
    assert preview.buttons == []
    assert errors.file_name == "import-errors.csv"
    assert len(rows_of(errors)) == 26


def zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("[Content_Types].xml", "<Types/>")
        bomb.writestr("xl/worksheets/sheet1.xml", b"\0" * (100 * MB))
    return out.getvalue()


def formula_book() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Name", "Quantity"])
    sheet.append(["Tea", "=2+2"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


TOO_MANY = b"Name,Quantity\n" + b"".join(b"Item %d,1\n" % n for n in range(10_001))

HOSTILE = [
    ("report.pdf", b"%PDF-1.4", {}, "I can import only .csv and .xlsx files"),
    (
        "huge.csv",
        b"Name,Quantity\n",
        {"file_size": 6 * MB},
        "The file is 6.0 MB; I can import up to 5 MB.",
    ),
    ("big.csv", TOO_MANY, {}, "The file has more than 10,000 rows; split it into parts."),
    ("bomb.xlsx", zip_bomb(), {}, "unpacks to far more than a sheet of 10,000 rows"),
    ("broken.xlsx", b"PK\x03\x04 not really a zip", {}, "The .xlsx file is damaged"),
    ("fake.xlsx", b"Name,Quantity\nTea,4\n", {}, "This .xlsx file is not an Excel workbook"),
    ("binary.csv", b"\x00\x01\x02Name", {}, "I can import only .csv and .xlsx files"),
    ("empty.csv", b" \r\n", {}, "The file is empty."),
    ("noheader.csv", b"Tea,4\n", {}, "The first row must name the columns"),
    ("formula.xlsx", formula_book(), {}, "Row 2: Quantity is a formula; type the number itself."),
    ("semi.csv", b"Name;Quantity\r\nTea;4,0\r\n", {}, "• Tea: 10 → 4"),
    ("bom.csv", "\ufeffName,Quantity\r\nTea,4\r\n".encode(), {}, "• Tea: 10 → 4"),
    (
        "ansi.csv",
        "Name;Quantity\r\nTea;4\r\nThé;2,5\r\n".encode("cp1252"),
        {},
        "Row 3: Quantity “2,5” is not a whole number.",
    ),
]


@pytest.mark.parametrize(
    ("file_name", "data", "extra", "said"), HOSTILE, ids=[h[0] for h in HOSTILE]
)
async def test_hostile_files_are_refused_or_read_and_change_nothing(
    shopfront: Shopfront, file_name: str, data: bytes, extra: dict[str, object], said: str
) -> None:
    await shopfront.open_shop()
    await shopfront.say(ADMIN, "/additem Tea 10")
    before = shopfront.state()
    answer = await send_file(shopfront, ADMIN, data, file_name, **extra)
    assert said in (answer.plain_text or "")
    assert shopfront.state() == before
    if "file_size" in extra:
        assert shopfront.api.downloads == []


async def test_a_stranger_is_told_to_start_and_nothing_is_downloaded(
    shopfront: Shopfront,
) -> None:
    answer = await send_file(shopfront, STRANGER, b"Name,Quantity\nTea,1\n", "tea.csv")
    assert "You are not in a shop yet" in (answer.plain_text or "")
    assert shopfront.api.downloads == []


async def test_apply_after_an_hour_says_the_preview_expired(
    shopfront: Shopfront, clock: Clock
) -> None:
    await shopfront.open_shop()
    await shopfront.say(ADMIN, "/additem Tea 10")
    preview = await send_file(shopfront, ADMIN, b"Name,Quantity\nTea,4\n", "tea.csv")
    clock.advance(minutes=61)
    before = shopfront.state()
    answer = await shopfront.press(ADMIN, preview, "Apply")
    assert answer["text"].startswith("This preview has expired")
    assert shopfront.api.current(ADMIN, preview.message_id)["text"] == (
        "⚠️ This preview has expired (previews last an hour); send the file again."
    )
    assert shopfront.state() == before
