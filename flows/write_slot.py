"""The Prefect global concurrency slot that serialises DuckDB writes of overlapping runs.

A flow run takes the slot for each of its write steps (claim, landing, release, alerts, the
run record), so that two runs (two workers, or `serve` and a `prefect deployment run`) never
open the database for writing at once.

Why not `prefect.concurrency.asyncio.concurrency`: against `prefect server` on SQLite, its
default database, the acquisition fails about every other time with 503 while the server is
recording the flow's task-run states ("database is locked": the server reads the limit, then
updates it, in a deferred transaction whose snapshot another write has just made stale).
Prefect's client then waits out its exponential back-off, 2 s, before the next attempt, so a
run's write steps waited ~2 s each with nobody holding the slot. Here a 503 or a dropped
connection is retried after tens of milliseconds, for up to a minute; a 423 (another run
holds the slot) or a 429 waits what the server's Retry-After says, as Prefect does. The slot is
taken with a lease, renewed while it is held, and released on the way out; the
`prefect.concurrency-limit.acquired` / `released` events are emitted as Prefect emits them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any
from uuid import UUID

import httpx

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.client.schemas.responses import ConcurrencyLimitWithLeaseResponse
    from prefect.events import Event

WRITE_LIMIT = "newswatch-duckdb-writes"
"""Prefect global concurrency limit that serialises DuckDB writes of overlapping runs."""

LEASE_S = 300.0
"""The lease on a held slot; renewed while held, so a crashed holder frees it after this."""

RETRY_S = (0.02, 0.05, 0.1, 0.2, 0.5)
"""Waits before retrying a 503 or a dropped connection; then 1 s each."""

GIVE_UP_S = 60.0
"""How long 503s and dropped connections are retried before the error is raised."""

log = logging.getLogger(__name__)

_limit_exists: bool | None = None


async def write_slot() -> contextlib.AbstractAsyncContextManager[None]:
    """The slot, when the deploy step created the limit; else nothing to take.

    Without a server-side limit (ad-hoc runs on an ephemeral API) writes are still safe: the
    store retries on DuckDB's lock error.
    """
    global _limit_exists
    if _limit_exists is None:
        from prefect.client.orchestration import get_client

        try:
            async with get_client() as client:
                await client.read_global_concurrency_limit_by_name(WRITE_LIMIT)
            _limit_exists = True
        except Exception:
            _limit_exists = False
    return held_slot(WRITE_LIMIT) if _limit_exists else contextlib.nullcontext()


async def _increment_once(client: PrefectClient, name: str) -> httpx.Response:
    """One `increment-with-lease` request, without the Prefect client's retry loop.

    That loop sleeps 2 s after a 503 even when told to make no retry (it sleeps before it
    checks the count), so the request goes through httpx's own `send` on the client's
    connection pool, with the CSRF token the Prefect client would add when the server asks
    for one.
    """
    http = client._client
    request = http.build_request(
        "POST",
        "/v2/concurrency_limits/increment-with-lease",
        json={"names": [name], "slots": 1, "mode": "concurrency", "lease_duration": LEASE_S},
    )
    if http.enable_csrf_support:
        await http._add_csrf_headers(request)
    response = await httpx.AsyncClient.send(http, request)
    response.raise_for_status()
    return response


def _retry_after(exc: Exception, attempt: int, elapsed_s: float) -> float | None:
    """Seconds to wait before the next attempt, or None when `exc` is to be raised."""
    if isinstance(exc, httpx.HTTPStatusError):
        if exc.response.status_code in (423, 429):  # the slot is held; rate limited (Cloud)
            return float(exc.response.headers.get("Retry-After", 1.0))
        if exc.response.status_code != 503:
            return None
    elif not isinstance(exc, httpx.TransportError):
        return None
    if elapsed_s > GIVE_UP_S:
        return None
    return RETRY_S[attempt] if attempt < len(RETRY_S) else 1.0


async def acquire(client: PrefectClient, name: str) -> ConcurrencyLimitWithLeaseResponse:
    """One slot of limit `name`, with a lease (its `limits` is empty if no such limit)."""
    from prefect.client.schemas.responses import ConcurrencyLimitWithLeaseResponse

    since = time.monotonic()
    attempt = 0
    while True:
        try:
            response = await _increment_once(client, name)
            return ConcurrencyLimitWithLeaseResponse.model_validate(response.json())
        except (httpx.HTTPStatusError, httpx.TransportError) as exc:
            wait = _retry_after(exc, attempt, time.monotonic() - since)
            if wait is None:
                raise
            attempt += 1
            await asyncio.sleep(wait)


async def _renew(client: PrefectClient, lease_id: UUID) -> None:
    """Renew the lease while the slot is held (a landing or alerts may outlast it)."""
    while True:
        await asyncio.sleep(LEASE_S * 0.75)
        try:
            await client.renew_concurrency_lease(lease_id=lease_id, lease_duration=LEASE_S)
        except Exception as exc:
            log.warning("could not renew the write slot's lease %s: %s", lease_id, exc)


def _event(phase: str, lease: ConcurrencyLimitWithLeaseResponse, follows: Event | None) -> Any:
    """`prefect.concurrency-limit.<phase>`, as `prefect.concurrency` emits it."""
    from prefect.events import emit_event

    limit = lease.limits[0]
    return emit_event(
        f"prefect.concurrency-limit.{phase}",
        resource={
            "prefect.resource.id": f"prefect.concurrency-limit.{limit.id}",
            "prefect.resource.name": limit.name,
            "slots-acquired": "1",
            "limit": str(limit.limit),
        },
        follows=follows,
    )


@contextlib.asynccontextmanager
async def held_slot(name: str) -> AsyncIterator[None]:
    """Hold one slot of the global concurrency limit `name` for the body.

    The lease is recorded in the task's or flow's `ConcurrencyContext` while held, as Prefect
    records its own: if the run is cancelled before the release, Prefect releases it on the
    way out instead of leaving the slot taken until the lease expires."""
    from prefect.client.orchestration import get_client
    from prefect.concurrency.context import ConcurrencyContext

    async with get_client() as client:
        lease = await acquire(client, name)
        if not lease.limits:
            yield
            return
        cleanup = ConcurrencyContext.get()
        if cleanup is not None:
            cleanup.cleanup_lease_ids.append(lease.lease_id)
        acquired = _event("acquired", lease, None)
        renewal = asyncio.create_task(_renew(client, lease.lease_id))
        try:
            yield
        finally:
            renewal.cancel()
            await client.release_concurrency_slots_with_lease(lease_id=lease.lease_id)
            if cleanup is not None:
                cleanup.cleanup_lease_ids.remove(lease.lease_id)
            _event("released", lease, acquired)
