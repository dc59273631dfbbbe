"""The SSRF guard: every address spelling and redirect trick is refused."""

from __future__ import annotations

import asyncio
import ipaddress

import pytest
from pytest_httpserver import HTTPServer

from pipelines.config import FetchSettings
from pipelines.errors import BlockedURLError
from pipelines.fetch import Fetcher
from pipelines.guard import blocked_reason, check_url


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost/",
        "http://2130706433/",  # decimal 127.0.0.1
        "http://0x7f000001/",  # hex
        "http://0x7f.1/",  # mixed short hex
        "http://127.1/",  # short form
        "http://0177.0.0.1/",  # octal
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",  # IPv4-mapped IPv6
        "http://[::ffff:7f00:1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://10.0.0.1/",
        "http://172.16.5.4/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata, link-local
        "http://100.64.0.1/",  # CGNAT
        "http://[64:ff9b::a00:1]/",  # NAT64 of 10.0.0.1
        "http://224.0.0.1/",  # multicast
        "http://0.0.0.0/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
    ],
)
def test_private_and_special_addresses_are_refused(url: str) -> None:
    with pytest.raises(BlockedURLError, match="SSRF guard"):
        asyncio.run(check_url(url, allow_private=False))


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/", "gopher://x/"])
def test_other_schemes_are_refused(url: str) -> None:
    with pytest.raises(BlockedURLError, match="only http and https"):
        asyncio.run(check_url(url, allow_private=True))


def test_public_addresses_pass() -> None:
    assert blocked_reason(ipaddress.ip_address("93.184.216.34")) is None
    assert blocked_reason(ipaddress.ip_address("2606:2800:220:1:248:1893:25c8:1946")) is None


def test_fetch_refuses_loopback_when_guard_is_on(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/x").respond_with_data("secret")

    async def go():  # type: ignore[no-untyped-def]
        async with Fetcher(FetchSettings()) as f:
            return await f.fetch(httpserver.url_for("/x"))

    res = asyncio.run(go())
    assert res.blocked and res.content == b"" and "SSRF guard" in (res.error or "")
    assert httpserver.log == []


def test_redirect_to_a_private_address_is_refused_before_connecting(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A public-looking first hop that redirects to the metadata address is stopped at the hop.

    The loopback test server stands in for a public host: the guard is told to accept exactly
    its address, while every other private range stays refused.
    """
    import pipelines.guard as guard

    real = guard.blocked_reason

    def allow_test_server(addr):  # type: ignore[no-untyped-def]
        return None if str(addr) == "127.0.0.1" else real(addr)

    monkeypatch.setattr(guard, "blocked_reason", allow_test_server)
    httpserver.expect_request("/start").respond_with_data(
        "", status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}
    )

    async def go():  # type: ignore[no-untyped-def]
        async with Fetcher(FetchSettings(timeout_s=3)) as f:
            return await f.fetch(httpserver.url_for("/start"))

    res = asyncio.run(go())
    assert res.blocked and "169.254.169.254" in (res.error or "")
    assert "link-local" in (res.error or "")
