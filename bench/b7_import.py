"""B7: a 10,000-row spreadsheet imported (read, previewed, applied through the ledger with
each item's alert evaluated), against a bare executemany inserting the same rows, and the
importing process's peak RSS. Printed, never judged."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from sqlalchemy import text

from bench.pg import scratch_database
from bench.report import Outcome, Row, megabytes, number, progress, ratio, seconds
from bench.runner import Context
from core.db.session import create_db_engine

ID = "B7"


def rows_of(ctx: Context) -> int:
    return 200 if ctx.quick else 10_000


def bare_executemany_seconds(url: str, rows: int) -> float:
    """The same rows inserted as items by one executemany, in a fresh shop: what writing
    them costs with no reading, matching, ledger or alerts."""
    engine = create_db_engine(url)
    try:
        with engine.begin() as connection:
            shop_id = connection.execute(
                text(
                    "INSERT INTO shops (name, default_threshold, created_at) "
                    "VALUES ('bare', 5, now()) RETURNING id"
                )
            ).scalar_one()
            values = [
                {"shop": shop_id, "name": f"Bare {n:05d}", "key": f"bare {n:05d}", "qty": n % 40}
                for n in range(rows)
            ]
            started = time.perf_counter()
            connection.execute(
                text(
                    "INSERT INTO items (shop_id, name, name_key, quantity, created_at, "
                    "updated_at) VALUES (:shop, :name, :key, :qty, now(), now())"
                ),
                values,
            )
            return time.perf_counter() - started
    finally:
        engine.dispose()


def run(ctx: Context) -> Outcome:
    rows = rows_of(ctx)
    with scratch_database("b7") as url:
        child = subprocess.run(
            [sys.executable, "-m", "bench.import_child", url, str(rows)],
            capture_output=True,
            text=True,
            check=True,
        )
        measured = json.loads(child.stdout)
        bare = bare_executemany_seconds(url, rows)
    total = measured["preview_seconds"] + measured["apply_seconds"]
    progress(f"import of {rows:,} rows: {total:.2f}s; bare executemany {bare:.3f}s")
    name = f"B7 import of a {rows:,}-row CSV ({rows // 2:,} recounted, {rows - rows // 2:,} new)"
    return Outcome(
        rows=[
            Row(
                benchmark=f"{name}: wall time (preview + apply)",
                figure=f"{seconds(total)} ({seconds(measured['preview_seconds'])} + "
                f"{seconds(measured['apply_seconds'])})",
                baseline=f"bare executemany of the rows: {seconds(bare)}",
                ratio=ratio(total / bare),
            ),
            Row(
                benchmark=f"{name}: rows per second",
                figure=f"{number(rows / total)} rows/s",
                baseline=f"bare executemany: {number(rows / bare)} rows/s",
            ),
            Row(
                benchmark=f"{name}: peak RSS of the importing process",
                figure=megabytes(measured["peak_rss_kib"]),
            ),
        ]
    )
