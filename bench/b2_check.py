"""B2: the daily check over many shops, against a bare scan and the original per-alert loop;
and how the check scales with the number of items."""

from __future__ import annotations

from bench.check_runs import (
    CheckRun,
    bare_scan_seconds,
    measure_alone,
    prepare,
    run_check_process,
)
from bench.per_alert_loop import per_alert_loop_seconds
from bench.pg import scratch_database
from bench.report import TIMES, Outcome, Row, Table, megabytes, progress, ratio, seconds
from bench.runner import Context

ID = "B2"
LOOP_SLICE = 10_000
MAX_SCAN_RATIO = 10
MIN_SPEEDUP = 50
MAX_RSS_MB = 200


def sizes(ctx: Context) -> tuple[int, tuple[int, ...]]:
    """The benchmark's number of items, and the sizes of the scaling report."""
    if ctx.quick:
        return 20_000, (5_000, 10_000, 20_000)
    return 1_000_000, (10_000, 100_000, 1_000_000)


def run(ctx: Context) -> Outcome:
    """Measure the check and its baselines on one data set, then the scaling sizes."""
    items, scaling = sizes(ctx)
    with scratch_database("b2") as url:
        shops = prepare(url, items).shops
        scan = bare_scan_seconds(url)
        progress(f"bare scan: {scan:.3f}s")
        loop = per_alert_loop_seconds(url, last_item_id=min(LOOP_SLICE, items))
        progress(f"per-alert loop over {min(LOOP_SLICE, items):,} items: {loop:.2f}s")
        check = run_check_process(url, items, shops)
    runs = [check if size == items else measure_alone(size) for size in scaling]
    return Outcome(rows=_rows(check, scan, loop / min(LOOP_SLICE, items)), tables=[_scaling(runs)])


def _rows(check: CheckRun, scan: float, loop_per_item: float) -> list[Row]:
    name = f"B2 daily check, {check.items:,} items in {check.shops:,} shops"
    per_item = check.seconds / check.items
    scan_ratio = check.seconds / scan
    speedup = loop_per_item / per_item
    peak_mb = check.peak_rss_kib * 1024 / 1e6
    return [
        Row(
            benchmark=f"{name}: wall time",
            figure=seconds(check.seconds),
            baseline=f"bare scan of low items: {seconds(scan)}",
            ratio=ratio(scan_ratio),
            target=f"≤ {MAX_SCAN_RATIO} {TIMES}",
            met=scan_ratio <= MAX_SCAN_RATIO,
        ),
        Row(
            benchmark=f"{name}: time per item",
            figure=seconds(per_item),
            baseline=f"per-alert loop ({LOOP_SLICE:,}-item slice): {seconds(loop_per_item)}",
            ratio=f"{ratio(speedup)} faster",
            target=f"≥ {MIN_SPEEDUP} {TIMES} faster",
            met=speedup >= MIN_SPEEDUP,
        ),
        Row(
            benchmark=f"{name}: peak RSS of the check's process",
            figure=megabytes(check.peak_rss_kib),
            target=f"≤ {MAX_RSS_MB} MB",
            met=peak_mb <= MAX_RSS_MB,
        ),
    ]


def _scaling(runs: list[CheckRun]) -> Table:
    rows = tuple(
        (
            f"{run.items:,}",
            f"{run.shops:,}",
            seconds(run.seconds),
            seconds(run.seconds / run.items),
            megabytes(run.peak_rss_kib),
        )
        for run in runs
    )
    return Table(
        title="How the daily check scales",
        header=("items", "shops", "wall time", "time per item", "peak RSS"),
        rows=rows,
    )
