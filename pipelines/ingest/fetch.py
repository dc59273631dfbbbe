"""One shared async HTTP client with the limits a polite, safe crawler needs.

- a global concurrency limit and a per-host limit with a minimum delay between requests;
- an overall deadline per request (connect + redirects + body), not only an inactivity timeout;
- the body is streamed and decompressed here in bounded steps, cut at `max_bytes` of *decoded*
  data, so a gzip bomb costs at most the cap;
- redirects are followed by hand, at most `max_redirects`, each hop checked by the SSRF guard,
  and every connection goes to the very address the guard checked (no DNS rebinding);
- robots.txt is honoured for article pages.

`fetch` never raises for a network, limit or guard problem: the `FetchResult` says what happened.
`fetch_one`, for a command that asks for one page, raises a `FetchError` instead.
"""

from __future__ import annotations

import asyncio
import errno
import functools
import os
import socket
import time
import urllib.request
import zlib
from collections import defaultdict
from collections.abc import Iterator
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import httpx

from pipelines.config import FetchSettings
from pipelines.errors import BlockedURLError, FetchError
from pipelines.ingest.guard import GuardedNetworkBackend, cannot_resolve, check_url
from pipelines.ingest.robots import ROBOTS_BYTES, RobotsCache
from pipelines.ingest.transport import PerOriginTransport
from pipelines.models import FetchResult

_REDIRECTS = {301, 302, 303, 307, 308}


class _BodyTooLarge(Exception):
    pass


DECODE_STEP = 64 * 1024
"""Most bytes one decompression step yields (see `Fetcher._read_capped`)."""


class _Decoder:
    """Content-Encoding gzip, deflate (zlib or raw) or none, decompressed in steps of at most
    DECODE_STEP bytes. Other encodings (br, zstd: newswatch asks for gzip and deflate only)
    are refused with a ValueError, which the fetch reports as the page's error."""

    def __init__(self, encoding: str) -> None:
        codings = [c.strip() for c in encoding.split(",") if c.strip() not in ("", "identity")]
        self._zlib: zlib._Decompress | None = None
        self._deflate = False
        if not codings:
            return
        if len(codings) > 1 or codings[0] not in ("gzip", "x-gzip", "deflate"):
            raise ValueError(f"unsupported Content-Encoding {encoding!r} (not requested)")
        self._deflate = codings[0] == "deflate"
        self._zlib = zlib.decompressobj(zlib.MAX_WBITS if self._deflate else zlib.MAX_WBITS | 16)

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._zlib is None:
            yield data
            return
        try:
            piece = self._zlib.decompress(data, DECODE_STEP)
        except zlib.error:
            if not self._deflate:
                raise ValueError("the compressed body is corrupt") from None
            # "deflate" sent as a raw deflate stream, without the zlib header
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            piece = self._step(data)
        self._deflate = False
        while True:
            if piece:
                yield piece
            tail = self._zlib.unconsumed_tail
            if not tail:
                return
            piece = self._step(tail)

    def _step(self, data: bytes) -> bytes:
        assert self._zlib is not None
        try:
            return self._zlib.decompress(data, DECODE_STEP)
        except zlib.error:
            raise ValueError("the compressed body is corrupt") from None

    def flush(self) -> Iterator[bytes]:
        if self._zlib is not None:
            rest = self._zlib.flush()
            if rest:
                yield rest


def _transport(settings: FetchSettings) -> PerOriginTransport | None:
    """A pool per origin (see pipelines/transport.py), connecting through the guard unless it
    is off; None (httpx's own transport) when a proxy from the environment connects for us:
    then the proxy resolves names and only the check before each request applies."""
    if urllib.request.getproxies():
        return None
    return PerOriginTransport(
        http2=settings.http2,
        max_connections=settings.max_connections,
        per_host_limit=settings.per_host_limit,
        network_backend=None if settings.allow_private_networks else GuardedNetworkBackend(),
    )


class Fetcher:
    def __init__(self, settings: FetchSettings) -> None:
        self.settings = settings
        self._client: httpx.AsyncClient | None = None
        self._global = asyncio.Semaphore(settings.max_connections)
        self._hosts: dict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(settings.per_host_limit)
        )
        self._last_request: dict[str, float] = {}
        self._host_locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.robots = RobotsCache(settings.user_agent)

    async def __aenter__(self) -> Fetcher:
        s = self.settings
        limits = httpx.Limits(
            max_connections=s.max_connections, max_keepalive_connections=s.max_connections
        )
        self._client = httpx.AsyncClient(
            http2=s.http2,
            follow_redirects=False,
            timeout=httpx.Timeout(s.timeout_s, connect=s.connect_timeout_s),
            limits=limits,
            transport=_transport(s),
            headers={"User-Agent": s.user_agent, "Accept-Encoding": "gzip, deflate"},
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _polite_wait(self, host: str) -> None:
        delay = self.settings.per_host_delay_s
        if delay <= 0:
            return
        async with self._host_locks[host]:
            last = self._last_request.get(host)
            now = time.monotonic()
            if last is not None and now - last < delay:
                await asyncio.sleep(delay - (now - last))
            self._last_request[host] = time.monotonic()

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        check_robots: bool = False,
        keep_bytes: int | None = None,
    ) -> FetchResult:
        """GET one URL within every limit; returns content, a 304, or an error description.
        With `keep_bytes`, a longer body is cut there rather than refused (robots.txt)."""
        started = time.monotonic()
        host = urlsplit(url).hostname or ""
        try:
            if check_robots and self.settings.respect_robots_txt:
                verdict = await self.robots.verdict(
                    url, functools.partial(self.fetch, keep_bytes=ROBOTS_BYTES)
                )
                if verdict == "disallowed":
                    return FetchResult(
                        url, url, None, error="disallowed by robots.txt", blocked=True
                    )
                if verdict == "unavailable":
                    return FetchResult(
                        url,
                        url,
                        None,
                        error="robots.txt could not be read "
                        f"({self.robots.why_unavailable(url)}): not fetched for now (RFC 9309)",
                    )
            async with self._global, self._hosts[host]:
                await self._polite_wait(host)
                async with asyncio.timeout(self.settings.timeout_s):
                    result = await self._get(url, etag, last_modified, keep_bytes)
        except TimeoutError:
            result = FetchResult(
                url,
                url,
                None,
                error=f"timed out after {self.settings.timeout_s:g}s (overall deadline)",
            )
        except BlockedURLError as exc:
            # The guard names the URL it refused; the result is already about `url`.
            error = str(exc).removeprefix(f"{url}: ")
            result = FetchResult(url, url, None, error=error, blocked=True)
        except httpx.HTTPError as exc:
            result = FetchResult(url, url, None, error=http_error_text(exc, host))
        except (OSError, ValueError, httpx.InvalidURL) as exc:
            result = FetchResult(url, url, None, error=f"{type(exc).__name__}: {exc}")
        result.elapsed_s = time.monotonic() - started
        return result

    async def _get(
        self, url: str, etag: str | None, last_modified: str | None, keep_bytes: int | None = None
    ) -> FetchResult:
        assert self._client is not None, "use `async with Fetcher(...)`"
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = url
        for _hop in range(self.settings.max_redirects + 1):
            await check_url(current, self.settings.allow_private_networks)
            async with self._client.stream("GET", current, headers=headers) as response:
                if response.status_code in _REDIRECTS and "location" in response.headers:
                    current = urljoin(current, response.headers["location"])
                    continue
                resp_headers = {k.lower(): v for k, v in response.headers.items()}
                if response.status_code == 304:
                    return FetchResult(url, current, 304, headers=resp_headers)
                try:
                    body = await self._read_capped(response, keep_bytes)
                except _BodyTooLarge:
                    return FetchResult(
                        url,
                        current,
                        response.status_code,
                        headers=resp_headers,
                        error=f"body larger than {self.settings.max_bytes} bytes; not read",
                    )
                if response.status_code >= 400:
                    return FetchResult(
                        url,
                        current,
                        response.status_code,
                        body,
                        resp_headers,
                        error=f"HTTP {response.status_code}",
                    )
                return FetchResult(url, current, response.status_code, body, resp_headers)
        return FetchResult(
            url, current, None, error=f"more than {self.settings.max_redirects} redirects"
        )

    async def _read_capped(self, response: httpx.Response, keep_bytes: int | None = None) -> bytes:
        """The decoded body, read and decompressed here in bounded steps (never by httpx,
        which inflates a whole received chunk at once: 64 KB of gzip bomb became 67 MB), so
        a body of any compression ratio costs at most `max_bytes` plus one step. With
        `keep_bytes`, its first `keep_bytes` bytes, however long it is (and whatever the cap)."""
        cap = self.settings.max_bytes if keep_bytes is None else keep_bytes
        declared = response.headers.get("content-length")
        encoding = response.headers.get("content-encoding", "").strip().lower()
        too_long = declared is not None and declared.isdigit() and int(declared) > cap
        if too_long and keep_bytes is None and not encoding:
            raise _BodyTooLarge
        decoder = _Decoder(encoding)
        chunks: list[bytes] = []
        size = 0

        def full(piece: bytes) -> bool:
            """Take a decoded piece; True once `keep_bytes` are in (the rest is not read)."""
            nonlocal size
            if keep_bytes is not None and size + len(piece) >= keep_bytes:
                chunks.append(piece[: keep_bytes - size])
                return True
            size += len(piece)
            if size > cap:
                raise _BodyTooLarge
            chunks.append(piece)
            return False

        async for raw in response.aiter_raw():
            for piece in decoder.feed(raw):
                if full(piece):
                    return b"".join(chunks)
        for piece in decoder.flush():
            if full(piece):
                break
        return b"".join(chunks)

    async def fetch_many(self, urls: list[str], check_robots: bool = True) -> list[FetchResult]:
        """Fetch many URLs concurrently within the limits; results in input order."""
        return list(await asyncio.gather(*(self.fetch(u, check_robots=check_robots) for u in urls)))


def fetch_one(url: str, settings: FetchSettings) -> FetchResult:
    """One page through a Fetcher of its own (guard, limits, deadline), for a command that
    asks for it (`newswatch rules explain URL`); raises BlockedURLError when the guard refuses
    it and FetchError when it could not be fetched."""

    async def go() -> FetchResult:
        async with Fetcher(settings) as fetcher:
            return await fetcher.fetch(url)

    result = asyncio.run(go())
    if result.blocked:
        raise BlockedURLError(result.error or f"{url}: refused")
    if result.error is not None:
        raise FetchError(f"cannot fetch {url}: {result.error}")
    return result


_UNROUTABLE = frozenset({errno.ENETUNREACH, errno.EHOSTUNREACH})


def http_error_text(exc: httpx.HTTPError, host: str) -> str:
    """An HTTP failure in one line. A name that does not resolve reads as the SSRF guard
    words it ("cannot resolve host …"), whether or not the guard is on
    (`fetch.allow_private_networks`): httpx alone said "ConnectError: [Errno -2] …"; a
    refused or unroutable connection says so, where httpx said "All connection attempts
    failed"."""
    if isinstance(exc, httpx.ReadError):
        return f"{host} closed the connection before the whole answer arrived (ReadError)"
    cause: BaseException | None = exc
    seen: set[int] = set()
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, socket.gaierror):
            return cannot_resolve(host, cause)
        if isinstance(cause, ConnectionRefusedError):
            return f"connection refused by {host}: nothing listens on that port"
        if isinstance(cause, OSError) and cause.errno in _UNROUTABLE:
            return f"cannot connect to {host}: {os.strerror(cause.errno).lower()}"
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return f"{type(exc).__name__}: {exc}".rstrip(": ")
