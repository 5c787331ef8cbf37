"""The HTTP API through a real uvicorn server on 127.0.0.1, with httpx as the client, over
PostgreSQL and SQLite: a shop with a write key and a read key, and another shop with its own."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.context import ApiContext
from api.server import ApiServer
from core.db.session import Database
from core.settings import load_settings
from core.shops.api_keys import create_api_key
from tests.core.conftest import ShopFixture, build_shop, snapshot

ADMIN = 1000
OTHER_ADMIN = 5000


@dataclass
class Api:
    """A running API, a shop's keys, and the client."""

    client: httpx.AsyncClient
    app: FastAPI
    shop: ShopFixture
    write_key: str
    read_key: str
    other_key: str

    def headers(self, key: str | None = None, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.write_key}", **extra}

    async def get(self, path: str, key: str | None = None, **params: Any) -> httpx.Response:
        return await self.client.get(path, headers=self.headers(key), params=params)

    async def post(
        self, path: str, body: Any = None, key: str | None = None, **headers: str
    ) -> httpx.Response:
        return await self.client.post(path, json=body, headers=self.headers(key, **headers))

    async def patch(self, path: str, body: Any, key: str | None = None) -> httpx.Response:
        return await self.client.patch(path, json=body, headers=self.headers(key))

    async def delete(self, path: str, key: str | None = None) -> httpx.Response:
        return await self.client.delete(path, headers=self.headers(key))


def state(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the keys' (whose last use a request records)."""
    rows = snapshot(db)
    del rows["api_keys"]
    return rows


def new_key(shop: ShopFixture, scope: str, name: str | None = None) -> str:
    made = shop.run(
        create_api_key, telegram_user_id=shop.admin, name=name or f"till {scope}", scope=scope
    )
    return str(made.secret)


@pytest.fixture
def executor() -> Iterator[ThreadPoolExecutor]:
    pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="api-test")
    yield pool
    pool.shutdown(wait=True)


async def serve(db: Database, executor: ThreadPoolExecutor) -> AsyncIterator[ApiServer]:
    """Run the API on an OS-chosen port of 127.0.0.1."""
    settings = load_settings(_env_file=None, database_url="sqlite://", telegram_bot_token=None)
    server = ApiServer(ApiContext(settings, db, executor), host="127.0.0.1", port=0)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def api(db: Database, executor: ThreadPoolExecutor) -> AsyncIterator[Api]:
    """The API on PostgreSQL and on SQLite: Ann's shop with a write and a read key, and
    another shop's write key."""
    shop = build_shop(db, admin=ADMIN, staff=1)
    other = build_shop(db, admin=OTHER_ADMIN)
    keys = (new_key(shop, "write"), new_key(shop, "read"), new_key(other, "write"))
    async for server in serve(db, executor):
        host, port = server.address
        async with httpx.AsyncClient(base_url=f"http://{host}:{port}", timeout=10) as client:
            yield Api(client, server.app, shop, *keys)
