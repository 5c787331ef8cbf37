"""B1: stock changes a second through the core on PostgreSQL, against pgbench's simple update."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass

from bench import dataset, pgbench
from bench.pg import scratch_database
from bench.report import Outcome, Row, number, progress, ratio
from bench.runner import Context
from core.db.session import CoreConfig, Database, create_db_engine
from core.stock.changes import remove_stock

ID = "B1"
WORKERS = 4
MIN_RATIO = 0.5
WARM_UP_SECONDS = 2.0


@dataclass(frozen=True)
class Load:
    """How many changes the workers made in how long, and how many alerts they opened."""

    changes: int
    seconds: float
    alerts_opened: int

    @property
    def rate(self) -> float:
        """Changes a second."""
        return self.changes / self.seconds


def shape(ctx: Context) -> dataset.Shape:
    """Many shops; every 5th item sits at its threshold of 20 or just above it, so that one to
    three removals open its alert; the others have plenty."""
    return dataset.Shape(
        shops=50 if ctx.quick else 200,
        items_per_shop=40 if ctx.quick else 50,
        quantity_sql="CASE WHEN g % 5 = 0 THEN 20 + g % 3 ELSE 1000000 END",
        threshold_sql="CASE WHEN g % 5 = 0 THEN 20 END",
    )


def run(ctx: Context) -> Outcome:
    """Run pgbench, then the core's removals, for the same time against the same server."""
    duration = 5 if ctx.quick else 30
    chosen = shape(ctx)
    with scratch_database("b1") as url:
        dataset.load(url, chosen)
        pgbench.initialise(url)
        dataset.vacuum_analyze(url)
        baseline = pgbench.simple_update_tps(url, clients=WORKERS, threads=2, seconds=duration)
        progress(f"pgbench: {baseline:,.0f} tps")
        load = remove_in_threads(url, chosen, seconds=duration)
    progress(f"core: {load.changes:,} changes in {load.seconds:.1f}s, {load.alerts_opened} alerts")
    achieved = load.rate / baseline
    return Outcome(
        rows=[
            Row(
                benchmark=f"B1 stock changes/s through the core, {WORKERS} threads, "
                f"{chosen.shops:,} shops of 3 members on 3 channels",
                figure=f"{number(load.rate)}/s",
                baseline=f"pgbench -N -c {WORKERS} -j 2: {number(baseline)} tps",
                ratio=ratio(achieved),
                target=f"≥ {MIN_RATIO}",
                met=achieved >= MIN_RATIO,
            )
        ]
    )


def remove_in_threads(url: str, chosen: dataset.Shape, *, seconds: float) -> Load:
    """Remove 1 of random items of random shops, from WORKERS threads, for `seconds`."""
    engine = create_db_engine(url, pool_size=WORKERS, max_overflow=0)
    database = Database(engine, CoreConfig(channels=frozenset(dataset.CHANNELS)))
    try:
        _hammer(database, chosen, seconds=WARM_UP_SECONDS, seed=1)
        return _hammer(database, chosen, seconds=seconds, seed=2)
    finally:
        database.dispose()


def _hammer(database: Database, chosen: dataset.Shape, *, seconds: float, seed: int) -> Load:
    counts = [(0, 0)] * WORKERS
    failures: list[BaseException] = []
    start = threading.Barrier(WORKERS + 1)
    deadline = [0.0]

    def work(index: int) -> None:
        rng = random.Random(seed * 100 + index)
        changes = opened = 0
        start.wait()
        try:
            while time.perf_counter() < deadline[0]:
                shop = rng.randint(1, chosen.shops)
                with database.unit_of_work() as uow:
                    change = remove_stock(
                        uow,
                        telegram_user_id=dataset.member_telegram_id(shop, rng.randrange(3)),
                        name=dataset.item_name(rng.randint(1, chosen.items_per_shop)),
                        amount=1,
                    )
                changes += 1
                opened += change.alert_opened is not None
        except BaseException as exc:  # re-raised by the main thread after joining
            failures.append(exc)
        counts[index] = (changes, opened)

    threads = [threading.Thread(target=work, args=(index,)) for index in range(WORKERS)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if failures:
        raise failures[0]
    return Load(
        changes=sum(changes for changes, _ in counts),
        seconds=elapsed,
        alerts_opened=sum(opened for _, opened in counts),
    )
