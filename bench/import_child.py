"""Import one spreadsheet alone in this process, and print its times and peak RSS.

`python -m bench.import_child URL ROWS` makes a shop with ROWS/2 items, sends a CSV of ROWS
rows (every existing item recounted, as many new ones), previews and applies it, and prints
one JSON object on stdout: the preview's and Apply's wall times, and the process's peak
resident set size (getrusage's ru_maxrss), which is then the import's own."""

from __future__ import annotations

import csv
import io
import json
import resource
import sys
import time

from core.db.session import CoreConfig, Database, create_db_engine
from core.shops import onboarding
from core.shops.members import require_member_ref
from core.stock import changes, imports

ADMIN = 1


def spreadsheet(rows: int) -> bytes:
    """ROWS rows: the first half the shop's items with new counts, the rest new items."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Name", "SKU", "Quantity", "Threshold"])
    writer.writerows([f"Item {n:05d}", f"SKU-{n:05d}", n % 40, ""] for n in range(rows))
    return out.getvalue().encode()


def prepare(database: Database, existing: int) -> None:
    with database.unit_of_work() as uow:
        onboarding.start(uow, telegram_user_id=ADMIN, chat_id=ADMIN, display_name="Bench")
    with database.unit_of_work() as uow:
        shop_id = require_member_ref(uow, ADMIN).shop_id
        for n in range(existing):
            name = f"Item {n:05d}"
            changes.insert_item(uow, shop_id, name, 20, None, sku=f"SKU-{n:05d}")
        uow.commit()


def main(url: str, rows: int) -> None:
    database = Database(create_db_engine(url), CoreConfig(channels=frozenset({"telegram"})))
    try:
        prepare(database, rows // 2)
        data = spreadsheet(rows)
        started = time.perf_counter()
        with database.unit_of_work() as uow:
            preview = imports.preview_for_member(
                uow, telegram_user_id=ADMIN, data=data, file_name="bench.csv"
            )
        previewed = time.perf_counter()
        with database.unit_of_work() as uow:
            result = imports.apply_for_member(uow, telegram_user_id=ADMIN, preview_id=preview.id)
        applied = time.perf_counter()
    finally:
        database.dispose()
    assert not preview.errors, preview.errors[:3]
    assert result.created == rows - rows // 2, result
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    json.dump(
        {
            "preview_seconds": previewed - started,
            "apply_seconds": applied - previewed,
            "peak_rss_kib": peak_kib,
            "bytes": len(data),
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
