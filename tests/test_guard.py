"""The SSRF guard: every address spelling and redirect trick is refused."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import httpcore
import pytest
from pytest_httpserver import HTTPServer

from pipelines.config import FetchSettings
from pipelines.errors import BlockedURLError
from pipelines.ingest.fetch import Fetcher
from pipelines.ingest.guard import GuardedNetworkBackend, blocked_reason, check_url


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
    import pipelines.ingest.guard as guard

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


def _rebinding_resolver(answers: list[str]):  # type: ignore[no-untyped-def]
    """A resolver that gives each lookup the next answer (the last one repeats)."""
    calls: list[str] = []

    async def fake(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        calls.append(host)
        return [ipaddress.ip_address(answers[min(len(calls), len(answers)) - 1])]

    return fake, calls


def test_dns_rebinding_between_check_and_connect_never_reaches_loopback(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first lookup (the check) says public, every later one says 127.0.0.1.

    `localhost` really resolves to the test server, so a fetch that connected by hostname
    after the check would reach it.
    """
    import pipelines.ingest.guard as guard

    fake, calls = _rebinding_resolver(["93.184.216.34", "127.0.0.1"])
    monkeypatch.setattr(guard, "resolve", fake)
    httpserver.expect_request("/x").respond_with_data("internal")

    async def go():  # type: ignore[no-untyped-def]
        async with Fetcher(FetchSettings(timeout_s=3)) as f:
            return await f.fetch(f"http://localhost:{httpserver.port}/x")

    res = asyncio.run(go())
    assert httpserver.log == []
    assert res.blocked and res.content == b""
    assert "127.0.0.1" in (res.error or "") and "loopback" in (res.error or "")
    assert len(calls) >= 2


def test_every_address_of_the_connect_time_answer_is_checked(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second answer that mixes a public and a loopback address is refused as a whole."""
    import pipelines.ingest.guard as guard

    answers = [["93.184.216.34"], ["93.184.216.34", "127.0.0.1"]]
    calls: list[str] = []

    async def fake(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        calls.append(host)
        return [ipaddress.ip_address(a) for a in answers[min(len(calls), 2) - 1]]

    monkeypatch.setattr(guard, "resolve", fake)
    httpserver.expect_request("/x").respond_with_data("internal")

    async def go():  # type: ignore[no-untyped-def]
        async with Fetcher(FetchSettings(timeout_s=3)) as f:
            return await f.fetch(f"http://localhost:{httpserver.port}/x")

    res = asyncio.run(go())
    assert res.blocked and "127.0.0.1 (loopback)" in (res.error or "")
    assert httpserver.log == []


def _resolve_to_test_server(monkeypatch: pytest.MonkeyPatch, host: str) -> list[str]:
    """Make `host` (unknown to real DNS) resolve to 127.0.0.1 and let the guard accept that
    one address, as if the test server were a public host."""
    import pipelines.ingest.guard as guard

    real_reason, real_resolve = guard.blocked_reason, guard.resolve
    lookups: list[str] = []

    async def fake(name: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        lookups.append(name)
        if name != host:
            return await real_resolve(name, port)
        return [ipaddress.ip_address("127.0.0.1")]

    monkeypatch.setattr(guard, "resolve", fake)
    monkeypatch.setattr(
        guard, "blocked_reason", lambda a: None if str(a) == "127.0.0.1" else real_reason(a)
    )
    return lookups


def test_connection_goes_to_the_checked_address_with_the_url_host(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`feeds.example` has no real DNS record: the request can only arrive if the connection
    used the guard's own answer, and the Host header still names the URL's host."""
    lookups = _resolve_to_test_server(monkeypatch, "feeds.example")
    httpserver.expect_request("/rss").respond_with_data("<rss/>")

    async def go():  # type: ignore[no-untyped-def]
        async with Fetcher(FetchSettings(timeout_s=3)) as f:
            return await f.fetch(f"http://feeds.example:{httpserver.port}/rss")

    res = asyncio.run(go())
    assert res.error is None and res.content == b"<rss/>"
    request, _ = httpserver.log[-1]
    assert request.headers["Host"] == f"feeds.example:{httpserver.port}"
    assert lookups == ["feeds.example", "feeds.example"]  # the check, then the connection


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[HTTPServer, Path]]:
    """An HTTPS test server whose certificate names only `feeds.example`."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "feeds.example")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("feeds.example")]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.start()
    try:
        yield server, cert_file
    finally:
        server.clear()
        server.stop()


def test_https_to_the_checked_address_verifies_the_url_host(
    tls_server: tuple[HTTPServer, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """TLS server name and certificate check use the URL's host, not the pinned address."""
    server, cert_file = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    _resolve_to_test_server(monkeypatch, "feeds.example")
    server.expect_request("/rss").respond_with_data("<rss/>")

    async def go(url: str):  # type: ignore[no-untyped-def]
        async with Fetcher(FetchSettings(timeout_s=5)) as f:
            return await f.fetch(url)

    ok = asyncio.run(go(f"https://feeds.example:{server.port}/rss"))
    assert ok.error is None and ok.content == b"<rss/>"
    # the same server by its address: the certificate does not name it, so TLS fails
    by_address = asyncio.run(go(f"https://127.0.0.1:{server.port}/rss"))
    assert by_address.content == b"" and "CERTIFICATE_VERIFY_FAILED" in (by_address.error or "")
    assert len(server.log) == 1


SPELLINGS_OF_LOOPBACK = [
    "2130706433",  # decimal
    "0177.0.0.1",  # octal
    "0x7f.1",  # short hex
    "0x7f000001",  # hex
    "127.1",  # short dotted
    "[::ffff:127.0.0.1]",  # IPv4-mapped IPv6
    "[::1]",
    "localhost.",  # trailing dot
    "LOCALHOST",
]


@pytest.mark.parametrize("host", SPELLINGS_OF_LOOPBACK)
def test_fetch_refuses_every_spelling_of_loopback(host: str, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/x").respond_with_data("internal")

    async def go():  # type: ignore[no-untyped-def]
        async with Fetcher(FetchSettings(timeout_s=3)) as f:
            return await f.fetch(f"http://{host}:{httpserver.port}/x")

    res = asyncio.run(go())
    assert res.blocked and res.content == b"", res.error
    assert httpserver.log == []


@pytest.mark.parametrize("host", [h.strip("[]") for h in SPELLINGS_OF_LOOPBACK])
def test_connect_time_guard_refuses_every_spelling_of_loopback(host: str) -> None:
    """The connection layer refuses on its own, without the check before the request, and
    no connection reaches the listening socket."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setblocking(False)
        port = listener.getsockname()[1]
        backend = GuardedNetworkBackend()
        with pytest.raises((BlockedURLError, httpcore.ConnectError)) as caught:
            asyncio.run(backend.connect_tcp(host, port, timeout=3))
        if not host.endswith("."):  # a trailing-dot name may not resolve at all here
            assert caught.type is BlockedURLError and "SSRF guard" in str(caught.value)
        with pytest.raises(BlockingIOError):
            listener.accept()
