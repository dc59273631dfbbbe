"""Extraction in the process pool: metadata, legacy encodings, empty pages, hard timeout."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipelines.config import ExtractSettings
from pipelines.extract import extract_one, extract_pages, not_markup
from pipelines.extract.run_rules import RunRules
from pipelines.ingest.identity import canonical_url
from pipelines.models import FeedItem, FetchResult

BODY_RU = (
    "Во время переговоров в Стамбуле российская делегация пригрозила захватить Харьковскую и "
    "Сумскую области. Об этом сообщили источники, знакомые с ходом встречи. "
) * 6


def page(body: str, lang: str = "ru", charset_meta: str | None = None) -> str:
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    paras = "".join(f"<p>{body}</p>" for _ in range(2))
    return (
        f'<html lang="{lang}"><head>{meta}<title>Заголовок статьи</title>'
        '<meta name="author" content="Алексей Смирнов">'
        '<meta property="og:site_name" content="Независимый обозреватель">'
        '<meta property="article:published_time" content="2025-06-05T15:20:00+00:00">'
        f"</head><body><nav>Главная Мир</nav><article><h1>Заголовок статьи</h1>{paras}"
        "</article><footer>© 2025</footer></body></html>"
    )


def item(url: str = "https://ru.example/a") -> FeedItem:
    return FeedItem(
        "https://ru.example/rss",
        url,
        url,
        canonical_url(url),
        "Feed title",
        published_at=datetime(2025, 6, 1, tzinfo=UTC),
    )


def test_extract_one_keeps_metadata() -> None:
    data = extract_one(page(BODY_RU).encode(), "https://ru.example/a")
    assert "Стамбуле" in data["text"] and "Главная" not in data["text"]
    assert data["title"] == "Заголовок статьи"
    assert data["author"] == "Алексей Смирнов"
    assert data["sitename"] == "Независимый обозреватель"
    assert data["language"] == "ru"
    assert data["date"] == "2025-06-05"


def test_legacy_encodings_come_out_as_correct_text() -> None:
    pages = [
        (
            item("https://ru.example/cp1251"),
            FetchResult(
                "u",
                "https://ru.example/cp1251",
                200,
                page(BODY_RU, charset_meta="windows-1251").encode("cp1251"),
                {"content-type": "text/html"},
            ),
        ),
        (
            item("https://ru.example/koi8"),
            FetchResult(
                "u",
                "https://ru.example/koi8",
                200,
                page(BODY_RU).encode("koi8-r"),
                {"content-type": "text/html; charset=koi8-r"},
            ),
        ),
        (
            item("https://ru.example/koi8-meta"),
            FetchResult(
                "u",
                "https://ru.example/koi8-meta",
                200,
                page(BODY_RU, charset_meta="koi8-r").encode("koi8-r"),
                {"content-type": "text/html"},
            ),
        ),
    ]
    arts = extract_pages(pages, ExtractSettings(workers=2))
    for art in arts:
        assert art.extract_status == "ok", (art.url, art.extract_error)
        assert "переговоров в Стамбуле" in art.text, art.url
        assert art.title == "Заголовок статьи"


def test_empty_page_and_fetch_error_are_recorded_with_reasons() -> None:
    pages = [
        (
            item("https://x.example/empty"),
            FetchResult(
                "u", "https://x.example/empty", 200, b"<html><body><p>Hi</p></body></html>"
            ),
        ),
        (
            item("https://x.example/down"),
            FetchResult("u", "https://x.example/down", None, error="ConnectError: refused"),
        ),
        (
            item("https://x.example/robots"),
            FetchResult(
                "u",
                "https://x.example/robots",
                None,
                error="disallowed by robots.txt",
                blocked=True,
            ),
        ),
    ]
    empty, down, robots = extract_pages(pages, ExtractSettings(workers=1))
    assert empty.extract_status == "empty" and "characters of text" in (empty.extract_error or "")
    assert empty.title == "Feed title"
    assert down.extract_status == "fetch_error" and down.extract_error == "ConnectError: refused"
    assert robots.extract_status == "blocked"
    assert empty.article_id != down.article_id


def test_pool_reports_timeouts_per_page_and_keeps_order() -> None:
    huge = ("<div><p>" + "слово " * 50 + "</p></div>") * 3000
    slow = f"<html><body>{huge}</body></html>".encode()
    pages = [
        (
            item(f"https://x.example/slow{i}"),
            FetchResult("u", f"https://x.example/slow{i}", 200, slow),
        )
        for i in range(3)
    ]
    arts = extract_pages(pages, ExtractSettings(workers=2, timeout_s=0.01))
    assert [a.url for a in arts] == [f"https://x.example/slow{i}" for i in range(3)]
    assert {a.extract_status for a in arts} == {"timeout"}
    assert all("longer than 0.01s" in (a.extract_error or "") for a in arts)


def test_timeout_is_enforced_in_the_worker() -> None:
    from pipelines.extract.worker import _worker

    huge = ("<div><p>" + "слово " * 50 + "</p></div>") * 3000
    out = _worker(f"<html><body>{huge}</body></html>".encode(), "https://x/", None, 0.01)
    assert out == {"timeout": "extraction took longer than 0.01s"}


def test_pages_wait_while_the_pool_is_starting_then_go_one_per_worker_first() -> None:
    """While `warm_up`'s thread starts the pool, adding a page must not block the caller (the
    run's event loop, which is still downloading): pages wait, and go to the pool with the
    first page added once it has started, one alone for each worker, then in batches."""
    import threading

    from pipelines.extract import Extraction
    from pipelines.extract import pool as extract

    settings = ExtractSettings(workers=2)
    starting = threading.Event()
    extract._STARTING[2] = starting
    try:
        extraction = Extraction(settings, batch_size=4)
        fetched = [
            (item(f"https://ru.example/{i}"), FetchResult("u", f"https://ru.example/{i}", 200, p))
            for i, p in enumerate([page(BODY_RU).encode()] * 7)
        ]
        for it, res in fetched[:3]:
            extraction.add(it, res)
        assert not extraction._futures and extraction._waiting == [0, 1, 2]
        assert extract.ready_pool(settings) is None  # feeds are parsed here meanwhile
        starting.set()
        extraction.add(*fetched[3])
        assert extract.ready_pool(settings) is extract._POOLS[2]
        assert [len(chunk) for chunk in extraction._futures.values()] == [1, 1]
        assert extraction._waiting == [2, 3]
        for it, res in fetched[4:]:
            extraction.add(it, res)
        assert [len(chunk) for chunk in extraction._futures.values()] == [1, 1, 4]
        arts = extraction.articles()
    finally:
        extract._STARTING.pop(2, None)
    assert [a.url for a in arts] == [it.url for it, _ in fetched]
    assert {a.extract_status for a in arts} == {"ok"}


def test_no_pages_no_pool() -> None:
    assert extract_pages([], ExtractSettings()) == []


@pytest.fixture
def threaded_server() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


def test_fetch_and_extract_keeps_item_order_when_pages_arrive_out_of_order(
    threaded_server: HTTPServer,
) -> None:
    """The first page is held until the second has been served, so pages reach the pool in
    reverse order; articles still come back in the order of the items, fetch errors included."""
    import asyncio
    import threading

    from pipelines.config import Config, FetchSettings, Settings
    from pipelines.ingest.fetch import Fetcher
    from pipelines.run.steps import fetch_and_extract

    second_served = threading.Event()

    def slow(_: Request) -> Response:
        assert second_served.wait(30)
        return Response(page(BODY_RU), content_type="text/html; charset=utf-8")

    def fast(_: Request) -> Response:
        second_served.set()
        return Response(page(BODY_RU.replace("Стамбуле", "Анкаре")), content_type="text/html")

    httpserver = threaded_server
    httpserver.expect_request("/slow").respond_with_handler(slow)
    httpserver.expect_request("/fast").respond_with_handler(fast)
    httpserver.expect_request("/gone").respond_with_data("no", status=404)
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    items = [item(httpserver.url_for(p)) for p in ("/slow", "/fast", "/gone")]
    settings = Settings(fetch=FetchSettings(allow_private_networks=True))
    config = Config(Path("."), [], settings, Path("rules.yaml"), Path("entities.yaml"))

    async def run():  # type: ignore[no-untyped-def]
        async with Fetcher(settings.fetch) as fetcher:
            return await fetch_and_extract(fetcher, items, config)

    done = asyncio.run(run())
    assert [p[0].url for p in done.pages] == [i.url for i in items]
    assert [a.url for a in done.articles] == [i.url for i in items]
    assert "Стамбуле" in done.articles[0].text and "Анкаре" in done.articles[1].text
    assert [a.extract_status for a in done.articles] == ["ok", "ok", "fetch_error"]
    assert done.fetch_s > 0


def test_a_page_without_a_language_takes_its_feeds(threaded_server: HTTPServer) -> None:
    """The feed's `language` labels articles whose page declares none; a page's own wins."""
    import asyncio

    from pipelines.config import Config, FetchSettings, Settings
    from pipelines.ingest.fetch import Fetcher
    from pipelines.models import FeedSource
    from pipelines.run.steps import fetch_and_extract

    bare = page(BODY_RU).replace(' lang="ru"', "")
    threaded_server.expect_request("/bare").respond_with_data(bare, content_type="text/html")
    threaded_server.expect_request("/own").respond_with_data(
        page(BODY_RU, lang="ru"), content_type="text/html"
    )
    threaded_server.expect_request("/robots.txt").respond_with_data("", status=404)
    items = [item(threaded_server.url_for(p)) for p in ("/bare", "/own")]
    settings = Settings(fetch=FetchSettings(allow_private_networks=True))
    feeds = [FeedSource(items[0].feed_url, "feed", "uk")]
    config = Config(Path("."), feeds, settings, Path("rules.yaml"), Path("entities.yaml"))

    async def run():  # type: ignore[no-untyped-def]
        async with Fetcher(settings.fetch) as fetcher:
            return await fetch_and_extract(fetcher, items, config)

    assert [a.lang for a in asyncio.run(run()).articles] == ["uk", "ru"]


def _pages_for_matching() -> list[tuple[FeedItem, FetchResult]]:
    from seeds.articles import ARTICLES
    from seeds.build import render

    out = []
    for art in ARTICLES[:8]:
        url = f"https://ex.example/{art['slug']}.html"
        body = render(art).replace("{{BASE_URL}}", "https://ex.example").encode()
        out.append((item(url), FetchResult(url, url, 200, body, {"content-type": "text/html"})))
    return out


def test_workers_match_as_the_main_process_would(tmp_path: Path) -> None:
    """Matches found in the extraction workers equal `monitor.match` on the same articles;
    with rule files changed after the run loaded its ruleset, the workers' version differs and
    the main process matches with the run's own ruleset instead."""
    import shutil

    from pipelines.config import DEFAULT_CONFIG_DIR
    from pipelines.extract import Extraction
    from pipelines.rules import load_ruleset
    from pipelines.run.steps import match

    rules, entities = tmp_path / "rules.yaml", tmp_path / "entities.yaml"
    shutil.copy(DEFAULT_CONFIG_DIR / "rules.yaml", rules)
    shutil.copy(DEFAULT_CONFIG_DIR / "entities.yaml", entities)
    ruleset = load_ruleset(rules, entities)
    now = datetime(2025, 6, 1, tzinfo=UTC)

    def run() -> tuple[list, list]:
        extraction = Extraction(
            ExtractSettings(workers=2),
            rules=RunRules.compiled(ruleset),
            rules_files=(rules, entities),
        )
        for it, fetched in _pages_for_matching():
            extraction.add(it, fetched)
        articles = extraction.articles()
        return articles, extraction.matches(articles, now)

    articles, in_workers = run()
    expected = match(ruleset, articles, now)
    assert in_workers and in_workers == expected

    rules.write_text(rules.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    articles, fallback = run()
    assert fallback == match(ruleset, articles, now)
    assert {m.rules_version for m in fallback} == {ruleset.version}


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def test_pool_processes_end_when_their_owner_is_killed() -> None:
    """The extraction pool outlives a run (it is reused), so its owner may die without exit
    handlers (SIGKILL, OOM, a cancelled flow run): the forkserver and workers must follow."""
    import os
    import signal
    import subprocess
    import sys
    import time

    repo = Path(__file__).resolve().parent.parent
    code = (
        "import os, sys, time\n"
        "from pipelines.config import ExtractSettings\n"
        "from pipelines.extract.pool import _pool\n"
        "pool = _pool(2)\n"
        "print(sum(1 for _ in pool.map(abs, range(4))), flush=True)\n"
        "time.sleep(120)\n"
    )
    owner = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=repo,
        env={**os.environ, "PYTHONPATH": str(repo)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert owner.stdout is not None and owner.stdout.readline().strip() == "4"
        pool_processes = _descendants(owner.pid)
        assert len(pool_processes) >= 3  # the forkserver and two workers
    finally:
        owner.send_signal(signal.SIGKILL)
        owner.wait(timeout=10)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in pool_processes):
        time.sleep(0.2)
    assert not [p for p in pool_processes if Path(f"/proc/{p}").exists()]


SIDE_EFFECT_MODULE = """
import os
with open(os.environ["IMPORT_LOG"], "a") as log:
    log.write(f"{os.getpid()}\\n")
"""
ENTRY = """
import os
import sys
import time

import imported_by_main
from pipelines.extract import pool as extract


def warmed_by_forkserver():
    import sys

    return "pipelines.extract.forkserver" in sys.modules


if __name__ == "__main__":
    print(" ".join(extract.forkserver_preload()), flush=True)
    pool = extract._pool(2)
    for waited in [pool.submit(time.sleep, 0.5) for _ in range(2)]:
        waited.result()
    print(len(pool._processes))
    print(pool.submit(warmed_by_forkserver).result(), "pipelines.extract.forkserver" in sys.modules)
    extract.shutdown_pools()
"""


@pytest.mark.parametrize("how", ["script", "module"])
def test_workers_do_not_import_again_what_the_main_module_imports(tmp_path: Path, how: str) -> None:
    """multiprocessing runs the main module again in each worker; the forkserver imports what
    it imports once, so a worker that starts costs no imports (here: a module that logs each
    import of itself is imported by the parent and the forkserver only, never by a worker),
    and the forkserver warms trafilatura up for all of them (`pipelines.extract.forkserver`)."""
    import os
    import subprocess
    import sys

    (tmp_path / "imported_by_main.py").write_text(SIDE_EFFECT_MODULE)
    (tmp_path / "entrypkg").mkdir()
    (tmp_path / "entrypkg" / "__init__.py").write_text("")
    (tmp_path / "entrypkg" / "entry.py").write_text(ENTRY)
    log = tmp_path / "imports.log"
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "IMPORT_LOG": str(log), "PYTHONPATH": f"{tmp_path}{os.pathsep}{root}"}
    command = (
        [sys.executable, str(tmp_path / "entrypkg" / "entry.py")]
        if how == "script"
        else [sys.executable, "-m", "entrypkg.entry"]
    )
    done = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    out = done.stdout.split("\n")
    preload, workers = out[0].split(), int(out[1])
    # first: Ctrl-C is left to the owner from the forkserver's first import on
    assert preload[:3] == ["pipelines.forkserver_interrupt", "trafilatura", "pipelines.extract"]
    assert "imported_by_main" in preload
    assert "entrypkg.entry" not in preload  # runpy would warn in each worker that runs it
    assert (
        preload[-1] == "pipelines.extract.forkserver"
    )  # warms trafilatura up once everything is in
    assert workers == 2
    assert out[2] == "True False", "workers come warm from the forkserver; the parent is not"
    assert "Warning" not in done.stderr, done.stderr
    importers = log.read_text().split()
    assert len(importers) == 2, f"parent and forkserver only, not each worker: {importers}"


def test_downloads_wait_while_the_pages_ahead_of_extraction_fill_the_room() -> None:
    """`wait_for_room` lets `PAGES_AHEAD` pages per worker through, then holds the next
    download until one of them needs no more room (here: a failed fetch, added)."""
    from pipelines.extract import Extraction

    extraction = Extraction(ExtractSettings(workers=1))
    extraction.PAGES_AHEAD = 2

    async def scenario() -> tuple[bool, bool]:
        await extraction.wait_for_room()
        await extraction.wait_for_room()
        third = asyncio.ensure_future(extraction.wait_for_room())
        for _ in range(20):
            await asyncio.sleep(0)
        held = not third.done()
        extraction.add(
            item("https://x.example/down"),
            FetchResult("u", "https://x.example/down", None, error="ConnectError: refused"),
        )
        await asyncio.wait_for(third, 5)
        return held, third.done()

    assert asyncio.run(scenario()) == (True, True)


def test_page_bytes_are_released_once_extracted() -> None:
    """The run keeps each page's headers and outcome, not its bytes, once a worker has it."""
    fetched = FetchResult("u", "https://ru.example/a", 200, page(BODY_RU).encode("utf-8"))
    (art,) = extract_pages([(item(), fetched)], ExtractSettings(workers=1))
    assert art.extract_status == "ok" and "Стамбуле" in art.text
    assert fetched.content == b""


def test_downloads_go_on_when_the_room_fills_while_the_pool_starts(
    threaded_server: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With room for one page per worker and a pool that is not started yet, the pages held
    back for the pool are handed over once it is up, and every page comes through."""
    from pipelines.config import Config, FetchSettings, Settings
    from pipelines.extract import Extraction, shutdown_pools
    from pipelines.ingest.fetch import Fetcher
    from pipelines.run.steps import fetch_and_extract

    monkeypatch.setattr(Extraction, "PAGES_AHEAD", 1)
    shutdown_pools()
    for k in range(6):
        threaded_server.expect_request(f"/p{k}").respond_with_data(
            page(BODY_RU), content_type="text/html; charset=utf-8"
        )
    threaded_server.expect_request("/robots.txt").respond_with_data("", status=404)
    items = [item(threaded_server.url_for(f"/p{k}")) for k in range(6)]
    settings = Settings(fetch=FetchSettings(allow_private_networks=True))
    config = Config(Path("."), [], settings, Path("rules.yaml"), Path("entities.yaml"))

    async def run():  # type: ignore[no-untyped-def]
        async with Fetcher(settings.fetch) as fetcher:
            return await asyncio.wait_for(fetch_and_extract(fetcher, items, config), 120)

    try:
        done = asyncio.run(run())
    finally:
        shutdown_pools()
    assert [a.extract_status for a in done.articles] == ["ok"] * 6


def test_extraction_workers_leave_ctrl_c_to_the_process_that_owns_them() -> None:
    """Ctrl-C reaches the whole process group: each idle worker (and a forkserver still
    importing) printed a KeyboardInterrupt traceback under the run's one-line message. They
    ignore SIGINT now; the owner keeps Python's handler and stops them."""
    import signal

    from pipelines.extract import pool as extract

    try:
        pool = extract._pool(1)
        in_worker = pool.submit(signal.getsignal, signal.SIGINT).result(timeout=120)
    finally:
        extract.shutdown_pools()
    assert in_worker == signal.SIG_IGN
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_forkserver_gone_while_workers_start_ends_the_warm_up_quietly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ctrl-C while `warm_up` starts the workers: the forkserver's pipe closes under it
    (EOFError), which the warm-up thread reported as a traceback of its own."""
    import threading

    from pipelines.extract import pool as extract

    class GonePool:
        def submit(self, *args: object) -> None:
            raise EOFError("unexpected EOF")

    raised: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: raised.append(args.exc_value))
    monkeypatch.setattr(extract, "_pool", lambda workers, rules=None: GonePool())
    settings = ExtractSettings(workers=3)
    extract.warm_up(settings)
    try:
        assert extract._STARTING[3].wait(30)
    finally:
        extract._STARTING.pop(3, None)
    assert raised == []


WARM_UP_MASKS = """
import sys
from multiprocessing import forkserver

from pipelines.config import ExtractSettings
from pipelines.extract import pool as extract

extract.warm_up(ExtractSettings(workers=1))
assert extract._STARTING[1].wait(120)
pid = forkserver._forkserver._forkserver_pid
status = open(f"/proc/{pid}/status").read()
blocked = int(next(l for l in status.splitlines() if l.startswith("SigBlk:")).split()[1], 16)
print(bool(blocked & (1 << 1)), flush=True)  # bit 1: SIGINT
extract.shutdown_pools()
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_the_forkserver_starts_with_ctrl_c_blocked() -> None:
    """Ctrl-C while the forkserver's interpreter was still starting (before any preloaded
    module) printed a traceback from `site` or `multiprocessing`: `warm_up` starts it from a
    thread that blocks SIGINT, and the forkserver inherits that mask."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", WARM_UP_MASKS],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"


def test_a_worker_stuck_in_c_code_is_stopped_and_only_its_page_fails() -> None:
    """lxml on one `<p>` with 300,000 attributes runs for minutes in C code, where the page's
    alarm cannot reach it: the batch waited for its overall deadline (timeout × rounds), and
    the good pages batched with it failed as timeouts too. Now the board shows the worker on
    that page past its deadline plus the grace, the worker is stopped, the page fails as a
    timeout and the pages the pool lost with it are extracted by a new pool."""
    from pipelines.extract import watchdog

    paragraph = "<p>Delegations met in Istanbul to talk about a ceasefire and an exchange.</p>"
    good = f"<html><body><article><h1>Talks</h1>{paragraph * 20}</article></body></html>"
    attributes = " ".join(f"a{i}='x'" for i in range(300_000))
    stuck = f"<html><body><article><p>{paragraph}</p><p {attributes}>t</p></article></body></html>"
    pages = [
        (
            item(f"https://g.example/{i}"),
            FetchResult("u", f"https://g.example/{i}", 200, good.encode()),
        )
        for i in range(12)
    ]
    pages.insert(
        3,
        (
            item("https://bad.example/x"),
            FetchResult("u", "https://bad.example/x", 200, stuck.encode()),
        ),
    )
    arts = extract_pages(pages, ExtractSettings(workers=2, timeout_s=1))
    by_url = {a.url: a for a in arts}
    bad = by_url.pop("https://bad.example/x")
    assert bad.extract_status == "timeout"
    assert bad.extract_error == (
        f"extraction was still running after {1 + watchdog.GRACE_S:g}s, in a parser's C code "
        "that its deadline cannot stop: the worker was stopped"
    )
    assert {a.extract_status for a in by_url.values()} == {"ok"}, [
        (a.url, a.extract_error) for a in by_url.values() if a.extract_status != "ok"
    ]


def test_a_utf16_page_with_its_byte_order_mark_is_read() -> None:
    """It was refused as "not an HTML page (… starts with bytes ff fe 3c 00 …)"."""
    html = page(BODY_RU)
    for header in ("text/html; charset=utf-16", "text/html"):
        body = html.encode("utf-16")
        assert not_markup(body, header) is None
        assert (
            "переговоров в Стамбуле" in extract_one(body, "https://ru.example/u16", header)["text"]
        )


def test_a_stuck_worker_is_stopped_while_pages_are_still_downloading() -> None:
    """One worker, the stuck page first: the downloads waited for room its pages held, and
    nothing looked at the board until they were all in, so the run stalled for as long as
    lxml ran. The board is watched from the first page on."""
    from pipelines.extract import Extraction

    paragraph = "<p>Delegations met in Istanbul to talk about a ceasefire and an exchange.</p>"
    good = f"<html><body><article><h1>Talks</h1>{paragraph * 20}</article></body></html>"
    attributes = " ".join(f"a{i}='x'" for i in range(300_000))
    stuck = f"<html><body><article><p>{paragraph}</p><p {attributes}>t</p></article></body></html>"
    extraction = Extraction(ExtractSettings(workers=1, timeout_s=1), batch_size=4)

    async def download(i: int) -> None:
        await extraction.wait_for_room()
        body = (stuck if i == 0 else good).encode()
        extraction.add(
            item(f"https://g.example/{i}"), FetchResult("u", f"https://g.example/{i}", 200, body)
        )

    async def run() -> None:
        await asyncio.wait_for(asyncio.gather(*(download(i) for i in range(60))), 120)

    asyncio.run(run())
    arts = extraction.articles()
    assert arts[0].extract_status == "timeout" and "the worker was stopped" in (
        arts[0].extract_error or ""
    )
    assert {a.extract_status for a in arts[1:]} == {"ok"}


def test_a_page_that_kills_its_worker_fails_alone() -> None:
    """A crash (a segfault in a parser, an out-of-memory kill) on one page broke the pool,
    and every page it lost counted a death: after three, 64 good pages failed with it. The
    board tells which page a dead worker was on; only that one is blamed."""
    import threading

    from pipelines.extract import pool as extract

    settings = ExtractSettings(workers=2, timeout_s=5)
    paragraph = "<p>Delegations met in Istanbul to talk about a ceasefire and an exchange.</p>"
    good = f"<html><body><article><h1>Talks</h1>{paragraph * 20}</article></body></html>".encode()
    stop = threading.Event()

    def crash_on_page_0() -> None:  # a real SIGKILL of the worker that is on page 0
        while not stop.is_set():
            board = extract._BOARDS.get(2)
            values = board[:] if board is not None else []
            for at in range(1, len(values), 3):
                pid, page, started = values[at : at + 3]
                if started and int(page) == 0:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(int(pid), signal.SIGKILL)
            stop.wait(0.002)

    threading.Thread(target=crash_on_page_0, daemon=True).start()
    try:
        pages = [
            (item(f"https://g.example/{i}"), FetchResult("u", f"https://g.example/{i}", 200, good))
            for i in range(120)
        ]
        arts = extract_pages(pages, settings)
    finally:
        stop.set()
    assert arts[0].extract_status == "error"
    assert arts[0].extract_error == (
        "its extraction worker died on it twice: a crash in a parser, or out of memory"
    )
    assert {a.extract_status for a in arts[1:]} == {"ok"}
