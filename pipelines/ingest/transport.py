"""The fetcher's HTTP transport: one small connection pool per origin (scheme, host, port).

httpx keeps a client's connections in one httpcore pool, and httpcore walks that whole pool on
every request and every response closed: each connection is checked for expiry (an idle one by
polling its socket) and, for each, every connection is asked whether it is idle. With the
fetcher's 50 connections spread over many outlets that walk is quadratic, and it was the
largest part of the CPU a page download costs (py-spy on bench/bench_e2e.py). A pool per origin
holds about `per_host_limit` connections (the fetcher never sends more at once to one host),
so the walk stays short however many outlets a run reaches.

Pools are kept in least-recently-used order; beyond `max_pools` the oldest pools with no request
in flight are closed, so idle keep-alive connections stay bounded as a run moves from outlet to
outlet. All pools share one TLS context, built once per process (building one is not cheap).
"""

from __future__ import annotations

import functools
import os
import ssl
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpcore
import httpx


def _tls_context() -> ssl.SSLContext:
    """httpx's default TLS context, which reads SSL_CERT_FILE / SSL_CERT_DIR when set."""
    return _tls_context_for(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.cache
def _tls_context_for(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    return httpx.create_ssl_context()


@dataclass(slots=True)
class _OriginPool:
    transport: httpx.AsyncHTTPTransport
    in_flight: int = 0


class _ReleaseOnClose(httpx.AsyncByteStream):
    """A response body that marks its request done in its pool when closed."""

    def __init__(self, stream: httpx.AsyncByteStream, pool: _OriginPool) -> None:
        self._stream = stream
        self._pool: _OriginPool | None = pool

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            if self._pool is not None:
                self._pool.in_flight -= 1
                self._pool = None


class PerOriginTransport(httpx.AsyncBaseTransport):
    def __init__(
        self,
        *,
        http2: bool,
        max_connections: int,
        per_host_limit: int,
        keepalive_expiry: float = 5.0,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
        max_pools: int | None = None,
    ) -> None:
        self._http2 = http2
        self._limits = httpx.Limits(
            max_connections=max_connections,
            max_keepalive_connections=per_host_limit,
            keepalive_expiry=keepalive_expiry,
        )
        self._backend = network_backend
        self.max_pools = max_pools or max(1, max_connections // per_host_limit)
        self._pools: OrderedDict[tuple[bytes, bytes, int | None], _OriginPool] = OrderedDict()

    @property
    def pools(self) -> int:
        """How many origins have a pool open now."""
        return len(self._pools)

    def _new_transport(self) -> httpx.AsyncHTTPTransport:
        transport = httpx.AsyncHTTPTransport(
            verify=_tls_context(), http2=self._http2, limits=self._limits
        )
        if self._backend is not None:
            # httpx has no option for the network backend: the pool it built is replaced by
            # one with the same settings on ours.
            transport._pool = httpcore.AsyncConnectionPool(
                ssl_context=_tls_context(),
                max_connections=self._limits.max_connections,
                max_keepalive_connections=self._limits.max_keepalive_connections,
                keepalive_expiry=self._limits.keepalive_expiry,
                http1=True,
                http2=self._http2,
                network_backend=self._backend,
            )
        return transport

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        key = (request.url.raw_scheme, request.url.raw_host, request.url.port)
        pool = self._pools.get(key)
        if pool is None:
            pool = self._pools[key] = _OriginPool(self._new_transport())
        else:
            self._pools.move_to_end(key)
        pool.in_flight += 1
        try:
            if len(self._pools) > self.max_pools:
                await self._close_idle_pools()
            response = await pool.transport.handle_async_request(request)
        except BaseException:
            pool.in_flight -= 1
            raise
        response.stream = _ReleaseOnClose(response.stream, pool)  # type: ignore[arg-type]
        return response

    async def _close_idle_pools(self) -> None:
        """Close the least recently used pools with nothing in flight, down to `max_pools`."""
        for key in [k for k, p in self._pools.items() if p.in_flight == 0]:
            if len(self._pools) <= self.max_pools:
                break
            await self._pools.pop(key).transport.aclose()

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), OrderedDict()
        for pool in pools:
            await pool.transport.aclose()
