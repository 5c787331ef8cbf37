"""The daily check's data set, its measured runs, and its bare-scan baseline."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from bench import dataset
from bench.pg import scratch_database
from bench.report import progress
from core.db.session import create_db_engine

LOW_EVERY = 10  # 10 % of items are low, each with its open alert
DUE_EVERY = 50  # 2 % of items have a reminder due
ITEMS_PER_SHOP = 100

BARE_SCAN = (
    "SELECT count(*) FROM items JOIN shops ON shops.id = items.shop_id "
    "WHERE items.deleted_at IS NULL "
    "AND items.quantity < coalesce(items.threshold, shops.default_threshold)"
)


@dataclass(frozen=True)
class CheckRun:
    """One daily check over `items` items: its wall time, its process's peak RSS, its report."""

    items: int
    shops: int
    seconds: float
    peak_rss_kib: int
    report: dict[str, int]


def shape(items: int) -> dataset.Shape:
    """Shops of 100 items; every 10th item low (some with their own threshold of 10)."""
    return dataset.Shape(
        shops=items // ITEMS_PER_SHOP,
        items_per_shop=ITEMS_PER_SHOP,
        quantity_sql=f"CASE WHEN g % {LOW_EVERY} = 0 THEN 2 ELSE 50 + g % 17 END",
        threshold_sql="CASE WHEN g % 3 = 0 THEN 10 END",
    )


def prepare(url: str, items: int) -> dataset.Shape:
    """Load the check's data set: items, open alerts of low items, due reminders."""
    chosen = shape(items)
    started = time.perf_counter()
    dataset.load(url, chosen)
    dataset.open_alerts(url, every=LOW_EVERY, due_every=DUE_EVERY)
    dataset.vacuum_analyze(url)
    elapsed = time.perf_counter() - started
    progress(f"loaded {items:,} items in {chosen.shops:,} shops in {elapsed:.1f}s")
    return chosen


def run_check_process(url: str, items: int, shops: int) -> CheckRun:
    """Run the daily check in a fresh Python process and check that it did what it should."""
    completed = subprocess.run(
        [sys.executable, "-m", "bench.check_child", url],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(completed.stdout)
    run = CheckRun(items, shops, result["seconds"], result["peak_rss_kib"], result["report"])
    _expect_report(run)
    progress(f"check over {items:,} items: {run.seconds:.2f}s, report {run.report}")
    return run


def _expect_report(run: CheckRun) -> None:
    # A check that did less work than the data set calls for would be fast for the wrong reason.
    due = run.items // DUE_EVERY
    expected = {
        "items_low": run.items // LOW_EVERY,
        "alerts_opened": 0,
        "alerts_resolved": 0,
        "alerts_reminded": due,
        "reminder_messages": min(run.shops, due) * dataset.MEMBERS_PER_SHOP * 3,
    }
    if run.report != expected:
        raise RuntimeError(f"the check reported {run.report}, expected {expected}")


def bare_scan_seconds(url: str, *, repeats: int = 3) -> float:
    """The median time of a bare count of low items: the least any check must read."""
    engine = create_db_engine(url)
    timings = []
    try:
        with engine.connect() as connection:
            connection.execute(text(BARE_SCAN)).scalar_one()  # warm the cache, as for the check
            for _ in range(repeats):
                started = time.perf_counter()
                connection.execute(text(BARE_SCAN)).scalar_one()
                timings.append(time.perf_counter() - started)
    finally:
        engine.dispose()
    return statistics.median(timings)


def measure_alone(items: int) -> CheckRun:
    """Load a fresh database with `items` items and run the check once over it."""
    with scratch_database(f"check{items}") as url:
        chosen = prepare(url, items)
        return run_check_process(url, items, chosen.shops)
