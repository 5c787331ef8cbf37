"""The replica suite's fixtures: a database of its own per test, nginx from the shipped
config in front of three ports, and the processes behind it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import migrated_postgres_database
from tests.fakes.telegram_api import FakeBotApi
from tests.replicas.cluster import SECRET, Cluster
from tests.replicas.nginx import Nginx, nginx_binary, running_nginx

REPLICAS = 3


@pytest.fixture
def cluster_db() -> Iterator[str]:
    """A fresh database, migrated once before any process starts (as `stockbot migrate`
    before a rolling start), dropped afterwards."""
    with migrated_postgres_database("stockbot_replicas") as url:
        yield url


@pytest.fixture
def upstream_ports(free_tcp_port_factory: Callable[[], int]) -> list[int]:
    return [free_tcp_port_factory() for _ in range(REPLICAS)]


@pytest.fixture
async def nginx(
    tmp_path: Path, free_tcp_port_factory: Callable[[], int], upstream_ports: list[int]
) -> AsyncIterator[Nginx]:
    """deploy/nginx/stockbot.conf on a free port, passing to the three processes' ports."""
    nginx_binary()
    async with running_nginx(tmp_path / "nginx", free_tcp_port_factory(), upstream_ports) as ng:
        yield ng


ClusterFactory = Callable[..., Cluster]


@pytest.fixture
async def make_cluster(
    tmp_path: Path,
    bot_api: FakeBotApi,
    cluster_db: str,
    nginx: Nginx,
    upstream_ports: list[int],
) -> AsyncIterator[ClusterFactory]:
    """make_cluster(webhook=True, api_only=(), **settings): the processes behind nginx, not
    started yet; in webhook mode Telegram reaches them through nginx with the secret."""
    made: list[Cluster] = []

    def make(*, webhook: bool = True, api_only: tuple[int, ...] = (), **settings: str) -> Cluster:
        values = {"DATABASE_URL": cluster_db, **settings}
        if webhook:
            values |= {"TELEGRAM_WEBHOOK_URL": nginx.url, "TELEGRAM_WEBHOOK_SECRET": SECRET}
        cluster = Cluster(tmp_path, bot_api, upstream_ports, values, api_only=api_only)
        made.append(cluster)
        return cluster

    yield make
    for cluster in made:
        cluster.kill_all()
        for replica in cluster.replicas:
            if replica.process is not None:
                await replica.process.wait()
