"""The live OpenAPI document, tested with Schemathesis: requests generated from the schema,
sent to a real uvicorn server with a write key, never get a 5xx, and every answer matches
the schema (status codes, content types, bodies)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.auth import KeyRateLimit
from api.context import ApiContext
from api.server import ApiServer
from core.db.session import Database
from core.settings import load_settings
from tests.api.conftest import new_key
from tests.core.conftest import build_shop


class ServerThread:
    """The API on its own event loop in a thread, for tests that are not async."""

    def __init__(self, db: Database, executor: ThreadPoolExecutor) -> None:
        settings_ = load_settings(_env_file=None, database_url="sqlite://")
        self.server = ApiServer(ApiContext(settings_, db, executor), host="127.0.0.1", port=0)
        # Generated requests come fast: the per-key limit is tested elsewhere.
        self.server.app.state.rate_limit = KeyRateLimit(limit=1_000_000)
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="api-schema", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self.server.start())
        self._ready.set()
        self._loop.run_forever()

    def __enter__(self) -> str:
        self._thread.start()
        assert self._ready.wait(10), "the API did not start"
        host, port = self.server.address
        return f"http://{host}:{port}"

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


@pytest.fixture
def live_api(pg_db: Database) -> Iterator[tuple[Any, str]]:
    """The live schema of a server whose shop has items and an alert, and a write key."""
    shop = build_shop(pg_db, admin=1000)
    shop.add_item("Green tea", 3)
    shop.add_item("Black tea", 40)
    key = new_key(shop, "write")
    with ThreadPoolExecutor(max_workers=4) as executor, ServerThread(pg_db, executor) as url:
        yield schemathesis.openapi.from_url(f"{url}/v1/openapi.json"), key


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_no_request_from_the_schema_gets_a_5xx_or_an_answer_outside_it(
    live_api: tuple[Any, str],
) -> None:
    schema, key = live_api
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
        def answers_within_the_schema(case: Any) -> None:
            case.call_and_validate(headers={"Authorization": f"Bearer {key}"}, checks=CHECKS)

        answers_within_the_schema()
