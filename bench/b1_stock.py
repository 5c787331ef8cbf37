"""B1: stock changes a second through the core on PostgreSQL, against pgbench's simple update."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass

from bench import dataset, pgbench
from bench.pg import scratch_database
from bench.report import TIMES, Outcome, Row, Table, number, progress, ratio
from bench.runner import Context
from core.db.session import CoreConfig, Database, create_db_engine
from core.stock.changes import remove_stock

ID = "B1"
WORKERS = 4
# The thread counts of the scaling table.
SCALING = (1, 2, 4, 8)
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
    """Run pgbench, then the core's removals, for the same time against the same server; then
    both again at each other number of clients for the scaling table."""
    duration = 5 if ctx.quick else 30
    chosen = shape(ctx)
    with scratch_database("b1") as url:
        dataset.load(url, chosen)
        pgbench.initialise(url)
        dataset.vacuum_analyze(url)
        main = _point(url, chosen, WORKERS, seconds=duration, warm_up=WARM_UP_SECONDS)
        scaling = [
            main
            if workers == WORKERS
            else _point(url, chosen, workers, seconds=1 if ctx.quick else 10, warm_up=0.5)
            for workers in SCALING
        ]
    achieved = main.ratio
    return Outcome(
        rows=[
            Row(
                benchmark=f"B1 stock changes/s through the core, {WORKERS} threads, "
                f"{chosen.shops:,} shops of 3 members on 3 channels",
                figure=f"{number(main.load.rate)}/s",
                baseline=f"pgbench -N -c {WORKERS} -j 2: {number(main.pgbench_tps)} tps",
                ratio=ratio(achieved),
                target=f"≥ {MIN_RATIO}",
                met=achieved >= MIN_RATIO,
            )
        ],
        tables=[_scaling_table(scaling, main_seconds=duration)],
    )


@dataclass(frozen=True)
class Point:
    """The core's changes and pgbench's transactions with the same number of clients."""

    workers: int
    load: Load
    pgbench_tps: float

    @property
    def ratio(self) -> float:
        """The core's rate as a share of pgbench's."""
        return self.load.rate / self.pgbench_tps


def _point(url: str, chosen: dataset.Shape, workers: int, *, seconds: int, warm_up: float) -> Point:
    tps = pgbench.simple_update_tps(url, clients=workers, threads=min(workers, 2), seconds=seconds)
    progress(f"pgbench -c {workers}: {tps:,.0f} tps")
    load = remove_in_threads(url, chosen, workers=workers, seconds=seconds, warm_up=warm_up)
    progress(
        f"core, {workers} threads: {load.changes:,} changes in {load.seconds:.1f}s, "
        f"{load.alerts_opened} alerts"
    )
    return Point(workers, load, tps)


def _scaling_table(points: list[Point], *, main_seconds: int) -> Table:
    one = points[0].load.rate
    return Table(
        title=f"B1 scaling with threads (pgbench -N with as many clients, -j up to 2; "
        f"{WORKERS} threads for {main_seconds} s, the others for less)",
        header=("threads", "changes/s", "scaling", "pgbench tps", "ratio"),
        rows=tuple(
            (
                str(point.workers),
                number(point.load.rate),
                f"{number(point.load.rate / one)} {TIMES}",
                number(point.pgbench_tps),
                ratio(point.ratio),
            )
            for point in points
        ),
    )


def remove_in_threads(
    url: str, chosen: dataset.Shape, *, workers: int, seconds: float, warm_up: float
) -> Load:
    """Remove 1 of random items of random shops, from `workers` threads, for `seconds`."""
    engine = create_db_engine(url, pool_size=workers, max_overflow=0)
    database = Database(engine, CoreConfig(channels=frozenset(dataset.CHANNELS)))
    try:
        _hammer(database, chosen, workers, seconds=warm_up, seed=workers * 10 + 1)
        return _hammer(database, chosen, workers, seconds=seconds, seed=workers * 10 + 2)
    finally:
        database.dispose()


def _hammer(
    database: Database, chosen: dataset.Shape, workers: int, *, seconds: float, seed: int
) -> Load:
    counts = [(0, 0)] * workers
    failures: list[BaseException] = []
    start = threading.Barrier(workers + 1)
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

    threads = [threading.Thread(target=work, args=(index,)) for index in range(workers)]
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
