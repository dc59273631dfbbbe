"""The fetcher's transport against real keep-alive servers on 127.0.0.1: a pool per origin,
connections reused within an origin, idle pools closed beyond the bound, busy ones kept."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from pipelines.config import FetchSettings
from pipelines.ingest.fetch import Fetcher
from pipelines.ingest.transport import PerOriginTransport


class _Origin(ThreadingHTTPServer):
    """An HTTP/1.1 keep-alive server that records the client port of every request."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.client_ports: list[int] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Origin

    def do_GET(self) -> None:
        self.server.client_ports.append(self.client_address[1])
        body = f"{self.path} from {self.server.server_address[1]}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def origins() -> Iterator[list[_Origin]]:
    servers = [_Origin() for _ in range(3)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield servers
    for server in servers:
        server.shutdown()
        server.server_close()


def _transport(max_pools: int | None = None) -> PerOriginTransport:
    return PerOriginTransport(
        http2=False, max_connections=10, per_host_limit=2, max_pools=max_pools
    )


def test_one_pool_per_origin_and_connections_reused_within_it(origins: list[_Origin]) -> None:
    transport = _transport()

    async def go() -> list[str]:
        async with httpx.AsyncClient(transport=transport) as client:
            bodies = []
            for _round in range(3):
                for origin in origins:
                    bodies.append((await client.get(f"{origin.url}/page")).text)
            assert transport.pools == len(origins)
            return bodies

    bodies = asyncio.run(go())
    assert bodies[:3] == [f"/page from {o.server_address[1]}" for o in origins]
    for origin in origins:
        assert len(origin.client_ports) == 3
        assert len(set(origin.client_ports)) == 1, "requests in turn share one connection"
    assert transport.pools == 0, "closing the client closes every pool"


def test_least_recently_used_idle_pools_are_closed_beyond_the_bound(
    origins: list[_Origin],
) -> None:
    transport = _transport(max_pools=2)

    async def go() -> None:
        async with httpx.AsyncClient(transport=transport) as client:
            first, second, third = (o.url for o in origins)
            await client.get(f"{first}/a")
            await client.get(f"{second}/a")
            await client.get(f"{first}/b")  # the first origin is now the most recent
            await client.get(f"{third}/a")  # over the bound: the second origin's pool goes
            assert transport.pools == 2
            await client.get(f"{first}/c")
            await client.get(f"{second}/b")

    asyncio.run(go())
    first, second, _third = origins
    assert len(set(first.client_ports)) == 1, "the first origin kept its pool and connection"
    assert len(set(second.client_ports)) == 2, "the second origin's pool was closed, then new"


def test_a_pool_with_a_response_in_flight_is_never_closed(origins: list[_Origin]) -> None:
    transport = _transport(max_pools=1)

    async def go() -> bytes:
        async with httpx.AsyncClient(transport=transport) as client:
            first, second, third = (o.url for o in origins)
            async with client.stream("GET", f"{first}/held") as held:
                await client.get(f"{second}/a")
                await client.get(f"{third}/a")
                assert transport.pools >= 2, "the busy pool stays open beyond the bound"
                body = await held.aread()
            await client.get(f"{second}/b")
            assert transport.pools == 1, "idle pools closed once the bound allows"
            return body

    assert asyncio.run(go()) == f"/held from {origins[0].server_address[1]}".encode()


def test_failed_request_releases_its_pool() -> None:
    transport = _transport(max_pools=1)

    async def go() -> None:
        async with httpx.AsyncClient(transport=transport) as client:
            with pytest.raises(httpx.ConnectError):
                await client.get("http://127.0.0.1:9/refused")
            with pytest.raises(httpx.ConnectError):
                await client.get("http://127.0.0.1:7/refused")
            assert transport.pools == 1, "the first pool had nothing in flight and was closed"

    asyncio.run(go())


def test_fetcher_uses_a_pool_per_origin(origins: list[_Origin]) -> None:
    settings = FetchSettings(allow_private_networks=True, respect_robots_txt=False)

    async def go() -> list[str]:
        async with Fetcher(settings) as fetcher:
            urls = [f"{o.url}/story-{i}" for i in range(4) for o in origins]
            results = await fetcher.fetch_many(urls)
            return [r.content.decode() for r in results]

    bodies = asyncio.run(go())
    assert bodies[0] == f"/story-0 from {origins[0].server_address[1]}"
    for origin in origins:
        assert len(origin.client_ports) == 4
        assert len(set(origin.client_ports)) <= settings.per_host_limit
