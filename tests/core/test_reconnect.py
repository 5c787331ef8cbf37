"""PostgreSQL closing the pool's idle connections (as a restart does) fails no command."""

from __future__ import annotations

import time
from contextlib import ExitStack

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from core.stock import changes
from tests.core.conftest import ShopFixture

POOLED = 3
GONE_TIMEOUT = 30.0


def pooled_backends(engine: Engine, count: int) -> list[int]:
    """Fill the pool with `count` connections; their server processes."""
    with ExitStack() as stack:
        connections = [stack.enter_context(engine.connect()) for _ in range(count)]
        return [int(c.execute(text("SELECT pg_backend_pid()")).scalar_one()) for c in connections]


def terminate(engine: Engine, pids: list[int]) -> None:
    """End those server processes, as a restart would, and return once they are gone.
    A bounded poll: PostgreSQL has no event to await for this."""
    # Autocommit: a transaction reads pg_stat_activity once and keeps what it saw.
    admin = create_engine(engine.url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM unnest(:pids) pid"), {"pids": pids}
            )
            deadline = time.monotonic() + GONE_TIMEOUT
            alive = "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"
            while connection.execute(text(alive), {"pids": pids}).scalar_one():
                assert time.monotonic() < deadline, "the terminated backends never went away"
                time.sleep(0.02)
    finally:
        admin.dispose()


def test_changes_after_the_server_closed_every_pooled_connection_all_succeed(
    pg_shop: ShopFixture,
) -> None:
    shop = pg_shop
    shop.add_item("Tea", 10)
    terminate(shop.db.engine, pooled_backends(shop.db.engine, POOLED))

    results = [
        shop.run(changes.remove_stock, telegram_user_id=shop.admin, name="Tea", amount=1)
        for _ in range(POOLED + 1)
    ]

    assert [result.item.quantity for result in results] == [9, 8, 7, 6]
