"""SSRF guard: refuse URLs that resolve to addresses a public news feed never lives on.

Checked after DNS resolution and again on every redirect hop. Private, loopback, link-local,
CGNAT, multicast, reserved, NAT64 and IPv4-mapped/compatible forms are refused. Odd spellings
of IPv4 (decimal `2130706433`, hex `0x7f.1`, short `127.1`) are normalised by the resolver first,
so they are caught like the dotted form.

A check before the request is not enough on its own: connecting by hostname afterwards
resolves the name again, and a DNS answer that changes in between (DNS rebinding) would
reach an internal address. `GuardedNetworkBackend` closes that gap: it is the network layer
of the fetcher's connections, and every connection resolves its host once, checks every
address and connects to exactly those checked addresses.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

import httpcore

from pipelines.errors import BlockedURLError

_EXTRA_BLOCKED = [
    ipaddress.ip_network("100.64.0.0/10"),  # CGNAT
    ipaddress.ip_network("64:ff9b::/96"),  # NAT64
    ipaddress.ip_network("64:ff9b:1::/48"),  # local-use NAT64
    ipaddress.ip_network("2002::/16"),  # 6to4
    ipaddress.ip_network("2001::/32"),  # Teredo
    ipaddress.ip_network("0.0.0.0/8"),
]

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def blocked_reason(addr: Address) -> str | None:
    """Why an address must not be fetched, or None if it is a public unicast address."""
    if isinstance(addr, ipaddress.IPv6Address):
        embedded = addr.ipv4_mapped or addr.sixtofour or (addr.teredo[1] if addr.teredo else None)
        if embedded is None and addr.packed[:12] == bytes(12) and int(addr) > 1:
            embedded = ipaddress.IPv4Address(addr.packed[12:])  # IPv4-compatible ::a.b.c.d
        if embedded is not None:
            inner = blocked_reason(embedded)
            return f"embeds {embedded} which is {inner}" if inner else "an IPv4-embedding form"
    for label, test in (
        ("loopback", addr.is_loopback),
        ("link-local", addr.is_link_local),
        ("multicast", addr.is_multicast),
        ("unspecified", addr.is_unspecified),
        ("reserved", addr.is_reserved),
        ("private", addr.is_private),
    ):
        if test:
            return label
    for net in _EXTRA_BLOCKED:
        if addr.version == net.version and addr in net:
            return f"in {net}"
    return None


def cannot_resolve(host: str, reason: object) -> str:
    """How a fetch's error names a host that does not resolve (guarded or not)."""
    return f"cannot resolve host {host!r}: {reason}"


async def resolve(host: str, port: int) -> list[Address]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


async def check_url(url: str, allow_private: bool) -> None:
    """Raise BlockedURLError if the URL's scheme or any resolved address is not allowed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise BlockedURLError(f"{url}: only http and https URLs are fetched")
    host = parts.hostname
    if not host:
        raise BlockedURLError(f"{url}: no host in URL")
    if allow_private:
        return
    try:
        addrs = await resolve(host, parts.port or (443 if parts.scheme == "https" else 80))
    except (OSError, UnicodeError) as exc:
        raise BlockedURLError(f"{url}: {cannot_resolve(host, exc)}") from exc
    refuse_blocked(url, host, addrs)


def refuse_blocked(where: str, host: str, addrs: Iterable[Address]) -> None:
    """Raise BlockedURLError if any of the addresses `host` resolved to is not allowed."""
    for addr in addrs:
        reason = blocked_reason(addr)
        if reason:
            raise BlockedURLError(
                f"{where}: refused by the SSRF guard: {host} resolves to {addr} ({reason}); "
                "set fetch.allow_private_networks (or NEWSWATCH_FETCH__ALLOW_PRIVATE_NETWORKS=1) "
                "only for local testing"
            )


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network layer with the guard at connect time (see the module docstring).

    The TLS server name and the Host header still come from the URL; only the TCP
    connection goes to the checked address.
    """

    def __init__(self, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addrs = await resolve(host, port)
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(cannot_resolve(host, exc)) from exc
        if not addrs:
            raise httpcore.ConnectError(cannot_resolve(host, "no address"))
        refuse_blocked(f"{host}:{port}", host, addrs)
        error: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for addr in dict.fromkeys(addrs):
            try:
                return await self._inner.connect_tcp(
                    str(addr), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedURLError(f"{path}: the fetcher never connects to Unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
