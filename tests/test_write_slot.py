"""The DuckDB write slot (`flows.write_slot`) against a real Prefect API."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from flows.deployments import aensure_write_limit
from flows.write_slot import GIVE_UP_S, RETRY_S, WRITE_LIMIT, _retry_after, acquire, held_slot


def _status(code: int, headers: dict[str, str] | None = None) -> httpx.HTTPStatusError:
    request = httpx.Request("POST", "http://127.0.0.1/api/v2/concurrency_limits/x")
    response = httpx.Response(code, headers=headers, request=request)
    return httpx.HTTPStatusError("status", request=request, response=response)


def test_retry_waits() -> None:
    """A 503 (the server's SQLite busy) and a dropped connection are retried at once, then
    less often; a 423 or 429 waits the server's Retry-After; anything else is raised."""
    assert _retry_after(_status(503), 0, 0.0) == RETRY_S[0]
    assert _retry_after(_status(503), len(RETRY_S) + 3, 0.0) == 1.0
    assert _retry_after(httpx.ReadError("reset"), 1, 0.0) == RETRY_S[1]
    assert _retry_after(_status(423, {"Retry-After": "2.5"}), 0, 0.0) == 2.5
    assert _retry_after(_status(429, {"Retry-After": "4"}), 0, 0.0) == 4.0
    assert _retry_after(_status(500), 0, 0.0) is None
    assert _retry_after(_status(404), 0, 0.0) is None
    assert _retry_after(_status(503), 0, GIVE_UP_S + 1) is None


async def _active_slots() -> int:
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        return (await client.read_global_concurrency_limit_by_name(WRITE_LIMIT)).active_slots


@pytest.mark.usefixtures("prefect_harness")
def test_slot_is_exclusive_and_released_in_task_runs() -> None:
    """Task after task takes and frees the slot; while one holds it, nobody else gets it."""
    from prefect import flow, task
    from prefect.client.orchestration import get_client

    @task
    async def write(i: int) -> tuple[int, bool]:
        async with held_slot(WRITE_LIMIT):
            held = await _active_slots()
            async with get_client() as client:
                try:
                    await asyncio.wait_for(acquire(client, WRITE_LIMIT), timeout=0.5)
                    other_got_it = True
                except TimeoutError:
                    other_got_it = False
        return held, other_got_it

    @flow
    async def writes() -> list[tuple[int, bool]]:
        return [await write(i) for i in range(3)]

    asyncio.run(aensure_write_limit())
    assert asyncio.run(writes()) == [(1, False)] * 3
    assert asyncio.run(_active_slots()) == 0


@pytest.mark.usefixtures("prefect_harness")
def test_no_limit_no_slot() -> None:
    """A limit that does not exist is nothing to wait for (as with Prefect's own)."""

    async def body() -> bool:
        async with held_slot("newswatch-no-such-limit"):
            return True

    assert asyncio.run(body())
