"""Hostile and broken feeds (see hostile_feeds.py): each one is parsed in a fresh child process
under a 1 GiB address-space cap and a 20 s wall deadline. parse_feed must return — items or a
clear error — without a crash, without memory growth beyond a bound, without reading a local
file or requesting a URL named by the feed."""

from __future__ import annotations

import multiprocessing
import re
import resource
import secrets
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from pipelines.ingest.feeds import parse_feed
from tests.reliability.hostile_feeds import HostileFeed, build_corpus

ADDRESS_SPACE_CAP = 1 << 30
MAX_GROWTH = 256 << 20
DEADLINE_S = 20.0
FEED_URL = "https://hostile.example/feed"
NAMES = tuple(build_corpus("http://127.0.0.1:1", "/nonexistent"))
PASSWD_FIRST_LINE = Path("/etc/passwd").read_text(encoding="utf-8").splitlines()[0]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a child process reports back: the parse result flattened to strings, and costs."""

    crash: str | None
    texts: list[str]
    titles: list[str]
    urls: list[str]
    prose_chars: int
    error: str | None
    warning: str | None
    wall_s: float
    rss_growth: int


def _rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _parse_capped(conn: Any, feed: HostileFeed) -> None:
    """Child side: cap the address space, parse, send an Outcome."""
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_CAP, ADDRESS_SPACE_CAP))
    before, start = _rss_bytes(), time.perf_counter()
    try:
        parsed = parse_feed(feed.content, feed.headers, FEED_URL)
    except BaseException as exc:  # any escape is the failure being tested for
        conn.send(Outcome(f"{type(exc).__name__}: {exc}", [], [], [], 0, None, None, 0.0, 0))
        return
    wall = time.perf_counter() - start
    texts = [parsed.title or "", parsed.error or "", parsed.warning or ""]
    for i in parsed.items:
        texts += [i.title, i.summary, i.author or "", i.guid, i.url]
    conn.send(
        Outcome(
            crash=None,
            texts=texts,
            titles=[i.title for i in parsed.items],
            urls=[i.url for i in parsed.items],
            prose_chars=sum(len(i.title) + len(i.summary) for i in parsed.items),
            error=parsed.error,
            warning=parsed.warning,
            wall_s=wall,
            rss_growth=_rss_bytes() - before,
        )
    )


def run_isolated(feed: HostileFeed) -> Outcome:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["pipelines.ingest.feeds", __name__])
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_parse_capped, args=(sender, feed), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(DEADLINE_S):
            pytest.fail(f"parse_feed did not return within {DEADLINE_S:.0f} s (or the child died)")
        outcome: Outcome = receiver.recv()
    finally:
        child.kill()
        child.join()
        receiver.close()
    return outcome


@pytest.fixture(scope="module")
def canary_server() -> Iterator[HTTPServer]:
    """A loopback server that answers anything with a DTD defining &leak; — and logs it."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request(re.compile(".*")).respond_with_data(
        '<!ENTITY leak "LEAKED-OVER-HTTP">', content_type="application/xml-dtd"
    )
    server.start()
    with urllib.request.urlopen(server.url_for("/probe"), timeout=5) as probe:
        assert b"LEAKED-OVER-HTTP" in probe.read()
    assert len(server.log) == 1, "the canary server must see requests for the test to mean much"
    server.clear_log()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def canary_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("xxe") / "secret.txt"
    path.write_text(f"SECRET-{secrets.token_hex(8)}\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def corpus(canary_server: HTTPServer, canary_file: Path) -> dict[str, HostileFeed]:
    return build_corpus(canary_server.url_for("/xxe").rstrip("/"), str(canary_file))


@pytest.mark.parametrize("name", NAMES)
def test_hostile_feed_is_parsed_safely_and_explained(
    name: str, corpus: dict[str, HostileFeed], canary_server: HTTPServer, canary_file: Path
) -> None:
    feed = corpus[name]
    out = run_isolated(feed)
    assert out.crash is None, f"parse_feed raised {out.crash}"
    assert out.wall_s < (feed.expect.within_s or DEADLINE_S)
    assert out.rss_growth < MAX_GROWTH, f"peak memory grew by {out.rss_growth >> 20} MiB"
    # No entity was expanded: the items' prose is never longer than the bytes received.
    assert out.prose_chars <= len(feed.content)
    leaked = [canary_file.read_text(encoding="utf-8").strip(), "LEAKED-OVER-HTTP"]
    leaked.append(PASSWD_FIRST_LINE)
    assert not [s for s in leaked if any(s in text for text in out.texts)]
    assert canary_server.log == [], "a feed made the parser request a URL"
    assert all(u.startswith(("http://", "https://")) for u in out.urls)

    expect = feed.expect
    assert len(out.titles) == expect.items
    message = out.warning if expect.items else out.error
    if expect.items:
        assert out.error is None
    if expect.says:
        assert message, "a broken feed must say what was wrong"
        missing = [s for s in expect.says if s.lower() not in message.lower()]
        assert not missing, f"{message!r} does not mention {missing}"
    else:
        assert out.warning is None
    if expect.first_title is not None:
        assert out.titles[0] == expect.first_title


def test_corpus_is_reproducible_and_small_to_build() -> None:
    start = time.perf_counter()
    first = build_corpus("http://127.0.0.1:9/x", "/tmp/canary")
    second = build_corpus("http://127.0.0.1:9/x", "/tmp/canary")
    assert time.perf_counter() - start < 5
    assert first == second
    assert len(first["huge_100k_items"].content) < 5_000_000
    assert first["huge_100k_items"].content.count(b"<item>") == 100_000
    assert first["deeply_nested"].content.count(b"<a>") == 100_000
    quadratic = first["quadratic_blowup"].content
    assert quadratic.count(b"&a;") == 50_000 and b"A" * 50_000 in quadratic
    laughs = first["billion_laughs"].content
    assert laughs.count(b"<!ENTITY lol") == 10 and laughs.count(b"&lol8;") == 10
