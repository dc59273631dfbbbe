"""Page bytes → Article, with trafilatura, in a process pool with a hard per-page timeout.

trafilatura has no timeout of its own and some pathological pages take very long, so each page
runs in a worker under a SIGALRM deadline, and the whole batch under an overall deadline after
which stuck workers are killed. Charset detection: the HTTP charset when given, else trafilatura
detects it from the bytes (meta charset, then statistics), which handles cp1251 and KOI8-R.
"""

from __future__ import annotations

import contextlib
import gc
import inspect
import multiprocessing
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor, wait
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.config import ExtractSettings
from pipelines.identity import article_id, canonical_url, signatures
from pipelines.models import (
    Article,
    EvidenceJSON,
    ExtractStatus,
    FeedItem,
    FetchResult,
    Match,
    evidence_json,
)
from pipelines.rules.matcher import TopicHit

if TYPE_CHECKING:
    from pipelines.rules import RuleSet

_HTML_LANG = re.compile(rb"<html[^>]*\blang=[\"']?([A-Za-z]{2,3})", re.IGNORECASE)
_CHARSET = re.compile(r"charset=([\w-]+)", re.IGNORECASE)
TRAFILATURA_OPTIONS: dict[str, Any] = {
    "with_metadata": True,
    "include_comments": False,
    "include_tables": False,
    "favor_precision": True,
}
"""How every page is extracted (bench/bench_e2e.py measures bare trafilatura with the same)."""


class _PageTimeout(BaseException):
    """Raised by the alarm; a BaseException so that trafilatura's own `except Exception`
    blocks cannot swallow it and return a half-extracted page."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise _PageTimeout


def _decode(content: bytes, content_type: str | None) -> bytes | str:
    """Decode with the HTTP charset when the server declared one; else let trafilatura detect."""
    match = _CHARSET.search(content_type or "")
    if match:
        try:
            return content.decode(match.group(1))
        except (LookupError, UnicodeDecodeError):
            pass
    return content


def extract_one(content: bytes, url: str, content_type: str | None = None) -> dict[str, Any]:
    """Extract text and metadata from one page. Pure; used in the worker processes."""
    import trafilatura

    doc = trafilatura.bare_extraction(
        _decode(content, content_type), url=url, **TRAFILATURA_OPTIONS
    )
    if doc is None:
        return {"text": ""}
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    lang = data.get("language")
    if not lang:
        found = _HTML_LANG.search(content[:4096])
        lang = found.group(1).decode().lower() if found else None
    return {
        "text": data.get("text") or "",
        "title": data.get("title"),
        "author": data.get("author"),
        "date": data.get("date"),
        "language": lang,
        "sitename": data.get("sitename"),
    }


Job = tuple[bytes, str, str | None, str]
"""(page bytes, final URL, Content-Type, the feed item's title)."""
RulesFiles = tuple[str, str]
"""(rules.yaml, entities.yaml): workers load the ruleset themselves, once."""


def _rules_files(paths: tuple[Path, Path] | None) -> RulesFiles | None:
    return (str(paths[0]), str(paths[1])) if paths else None


def _worker_batch(jobs: list[Job], timeout_s: float, rules: RulesFiles | None = None) -> list[dict]:
    """Extract (and match) several pages in one task (fewer round trips); each keeps its own
    deadline."""
    ruleset = _worker_ruleset(rules) if rules else None
    return [
        _worker(content, url, ctype, timeout_s, title, ruleset)
        for content, url, ctype, title in jobs
    ]


_RULESETS: dict[RulesFiles, tuple[tuple[int, int], Any]] = {}


def _worker_ruleset(rules: RulesFiles) -> Any:
    """The ruleset, loaded once per worker process and again when a file changes. A ruleset
    that fails to load here matches nothing: the main process, which validated the same files,
    notices the missing version and matches those articles itself."""
    try:
        stamp = (os.stat(rules[0]).st_mtime_ns, os.stat(rules[1]).st_mtime_ns)
        cached = _RULESETS.get(rules)
        if cached is None or cached[0] != stamp:
            from pipelines.rules import load_ruleset

            cached = _RULESETS[rules] = (stamp, load_ruleset(Path(rules[0]), Path(rules[1])))
        return cached[1]
    except Exception:
        return None


def _worker(
    content: bytes,
    url: str,
    content_type: str | None,
    timeout_s: float,
    item_title: str = "",
    ruleset: Any = None,
) -> dict:
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout_s)
    try:
        data = extract_one(content, url, content_type)
        text = data.get("text") or ""
        data["content_hash"], data["simhash"] = signatures(text) if text else ("", 0)
        if ruleset is not None and text:
            title = (data.get("title") or item_title or "").strip()
            hits = ruleset.match(title, text, data.get("language"))
            data["hits"] = [(h.topic, h.rule, h.score, evidence_json(h.evidence)) for h in hits]
            data["rules_version"] = ruleset.version
        return {"ok": data}
    except _PageTimeout:
        return {"timeout": f"extraction took longer than {timeout_s:g}s"}
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


_MARKUP = re.compile(rb"<(?:!doctype|html|head|body|article|div|p|meta|title)\b", re.IGNORECASE)


def not_markup(content: bytes, content_type: str | None) -> str | None:
    """Why a fetched body is not worth extracting (an image, a PDF, binary data served as an
    article), or None. Decided on the bytes, not the header alone: servers often label HTML
    as text/plain or application/octet-stream."""
    if _MARKUP.search(content[:4096]):
        return None
    kind = (content_type or "unknown").split(";")[0].strip() or "unknown"
    head = content[:8].hex(" ")
    return (
        f"not an HTML page (Content-Type {kind}, no HTML tag in the first 4 KB; starts with "
        f"bytes {head}): not extracted"
    )


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _article(
    item: FeedItem,
    fetched: FetchResult,
    outcome: dict[str, Any],
    settings: ExtractSettings,
    now: datetime,
) -> Article:
    canon = canonical_url(item.url)
    status: ExtractStatus = "ok"
    error: str | None = None
    meta: dict[str, Any] = {}
    if fetched.error is not None:
        status = "blocked" if fetched.blocked else "fetch_error"
        error = fetched.error
    elif "timeout" in outcome:
        status, error = "timeout", outcome["timeout"]
    elif "error" in outcome:
        status, error = "error", outcome["error"]
    else:
        meta = outcome["ok"]
        if len(meta.get("text", "")) < settings.min_text_chars:
            status = "empty"
            error = (
                f"extracted {len(meta.get('text', ''))} characters of text "
                f"(< {settings.min_text_chars}): not an article page, or a layout trafilatura "
                "cannot read"
            )
    text = meta.get("text", "") if status == "ok" else ""
    return Article(
        article_id=article_id(canon),
        url=item.url,
        canonical_url=canon,
        feed_url=item.feed_url,
        guid=item.guid,
        title=(meta.get("title") or item.title or "").strip(),
        text=text,
        fetched_at=now,
        author=meta.get("author") or item.author,
        published_at=item.published_at or _parse_date(meta.get("date")),
        lang=meta.get("language"),
        site_name=meta.get("sitename"),
        content_hash=meta.get("content_hash", "") if text else "",
        simhash=meta.get("simhash", 0) if text else 0,
        extract_status=status,
        extract_error=error,
    )


_POOLS: dict[int, ProcessPoolExecutor] = {}
_STARTING: dict[int, threading.Event] = {}
"""Pools `warm_up` is starting from its thread: set once all their workers are started."""


def _started(workers: int) -> bool:
    """False while `warm_up`'s thread is still starting the pool of `workers` processes."""
    starting = _STARTING.get(workers)
    return starting is None or starting.is_set()


def _pool(workers: int, rules: RulesFiles | None = None) -> ProcessPoolExecutor:
    """The extraction pool for `workers` processes, started once and reused across runs.

    Workers fork from a server that has already imported and warmed up trafilatura (see
    `forkserver_preload`): no per-worker import or warm-up cost, and no fork of this (possibly
    threaded) process. Each worker loads the ruleset as it starts (see `_init_worker`); `rules`
    are the rules files it loads then."""
    pool = _POOLS.get(workers)
    if pool is None:
        pool = _POOLS[workers] = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=forkserver_context(),
            initializer=_init_worker,
            initargs=(os.getpid(), rules),
        )
    return pool


def ready_pool(settings: ExtractSettings) -> ProcessPoolExecutor | None:
    """The extraction pool when its workers are up (`warm_up`), else None: a run hands it
    other CPU work while the workers have no page yet (parsing the polled feeds). None while
    the pool is still starting: a task submitted then would block the caller until it is."""
    workers = _workers(settings)
    pool = _POOLS.get(workers)
    return pool if pool is not None and _started(workers) else None


def forkserver_context() -> multiprocessing.context.ForkServerContext:
    """The multiprocessing context extraction workers start from: the process's forkserver,
    with the modules of `forkserver_preload` imported in it once."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(forkserver_preload())
    return ctx


def forkserver_preload() -> list[str]:
    """Modules the forkserver imports once, before it forks any extraction worker.

    multiprocessing runs the parent's main module again in every worker it starts (in case a
    task refers to something defined there), so each worker imported all that the main module
    imports: 0.13 s of CPU for the `newswatch` script, 0.2 s for a benchmark, the whole of
    Prefect for a flow run (`python -m prefect.engine`), and that while the run polls its
    feeds. Imported once in the forkserver, those modules are loaded in every worker it forks,
    and running the main module again costs next to nothing. The main module itself is not
    named: for `python -m package.module`, runpy warns in every worker when the module it is
    about to run is already imported. Only modules this process has already imported are
    named: they are known to import. `pipelines.forkserver` comes last: it warms the
    forkserver up (see `warm_up_process`), so that every worker it forks starts warm."""
    names = ["trafilatura", "pipelines.extract"]
    main = sys.modules.get("__main__")
    if main is None:
        return names
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.parent:
        names.append(spec.parent)  # python -m package.module: runpy imports the package first
    for name, value in vars(main).items():
        if name.startswith("__"):
            continue
        module = value.__name__ if inspect.ismodule(value) else getattr(value, "__module__", "")
        if (
            isinstance(module, str)
            and module in sys.modules
            and module not in ("__main__", "__mp_main__")
            and not (spec is not None and module == spec.name)
        ):
            names.append(module)
    # Last, once everything else is loaded: warms trafilatura up in the forkserver itself.
    return [*dict.fromkeys(names), "pipelines.forkserver"]


def warm_up_process() -> None:
    """Extract a small built-in page once, then freeze what is loaded.

    A process's first page costs ~30 ms more than the next ones (trafilatura and its helpers
    build caches on first use). The forkserver does this once (`pipelines.forkserver`), and
    every worker forked from it inherits the caches. What is loaded then lives as long as the
    process: out of the garbage collector's sight (`gc.freeze`), full collections stop walking
    it again and again while pages are extracted (0.06 ms a page on an idle machine)."""
    with contextlib.suppress(Exception):  # a warm-up: the first real page reports any problem
        extract_one(_WARM_UP_PAGE, "http://localhost/warm-up.html", None)
    gc.collect()
    gc.freeze()


def _init_worker(owner: int, rules: RulesFiles | None) -> None:
    """Worker initializer: watch the owner (`_exit_with_owner`), then load the ruleset and
    match once, which takes ~20 ms off the first real page; the pool is started before a run
    polls its feeds (`warm_up`), so that happens while the run polls."""
    _exit_with_owner(owner)
    try:
        ruleset = _worker_ruleset(rules) if rules else None
        if ruleset is not None:
            ruleset.match("Warm-up", _WARM_UP_PARAGRAPH, "en")
    except Exception:
        pass
    gc.collect()
    gc.freeze()


_WARM_UP_PARAGRAPH = (
    "<p>Delegations met in Istanbul on Friday to discuss a ceasefire, an exchange of "
    "prisoners and the regions Moscow demands that Kyiv withdraw from.</p>"
)
_WARM_UP_PAGE = (
    "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Warm-up</title>"
    "<meta name='author' content='newswatch'><script type='application/ld+json'>"
    '{"@type": "NewsArticle", "datePublished": "2025-05-16"}</script></head><body><header>'
    "<nav><ul><li><a href='/world'>World</a></li><li><a href='/politics'>Politics</a></li>"
    "</ul></nav></header><article><h1>Warm-up</h1><time datetime='2025-05-16'>16 May</time>"
    + _WARM_UP_PARAGRAPH * 6
    + "</article><footer><p>newswatch</p></footer></body></html>"
).encode()
"""A small news page the forkserver extracts once (`warm_up_process`)."""


def _exit_with_owner(owner: int) -> None:
    """End this worker when the process that owns the pool is gone.

    The pool lives as long as its owner; an owner killed without running its exit handlers
    (SIGKILL, OOM killer, a cancelled flow run) would otherwise leave the workers and their
    forkserver running, orphaned. Checked every second from a daemon thread."""

    def watch() -> None:
        while True:
            time.sleep(1)
            try:
                os.kill(owner, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:
                continue

    threading.Thread(target=watch, name="newswatch-owner-watch", daemon=True).start()


def _discard_pool(workers: int) -> None:
    """Kill a pool whose workers are stuck (a page that never returned to Python)."""
    pool = _POOLS.pop(workers, None)
    _STARTING.pop(workers, None)
    if pool is None:
        return
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        proc.kill()
    pool.shutdown(wait=False, cancel_futures=True)


def shutdown_pools() -> None:
    """Stop every extraction pool of this process (the next extraction starts a new one)."""
    for workers in list(_POOLS):
        pool = _POOLS.pop(workers)
        _STARTING.pop(workers, None)
        pool.shutdown(wait=True, cancel_futures=True)


def _workers(settings: ExtractSettings) -> int:
    return max(1, settings.workers or os.cpu_count() or 1)


def warm_up(settings: ExtractSettings, rules_files: tuple[Path, Path] | None = None) -> None:
    """Start the extraction workers now, in the background, so that they are ready (and warm,
    with the ruleset of `rules_files` loaded) when the first pages arrive: a run calls this
    before polling. A pool that already exists is left as it is: its workers are running.

    Starting the first worker waits for the forkserver to import its modules (0.3 s or more),
    so the workers are started from a thread, and the run goes on polling meanwhile."""
    workers = _workers(settings)
    if workers in _POOLS:
        return
    pool = _pool(workers, _rules_files(rules_files))
    started = _STARTING[workers] = threading.Event()

    def start() -> None:
        try:
            for _ in range(workers):
                pool.submit(os.getpid)
        except RuntimeError:  # the pool was shut down meanwhile; the next run starts another
            pass
        finally:
            started.set()

    threading.Thread(target=start, name="newswatch-warm-up", daemon=True).start()


class Extraction:
    """Pages handed to the pool as they arrive (`add`), in batches; `articles()` waits for
    them and returns one Article per page added, in order.

    Batching amortises the round trip to a worker; handing pages over as they are fetched lets
    extraction run while the rest are still downloading."""

    def __init__(
        self,
        settings: ExtractSettings,
        batch_size: int = 4,
        ruleset: RuleSet | None = None,
        rules_files: tuple[Path, Path] | None = None,
    ) -> None:
        self.settings = settings
        self.ruleset = ruleset
        self._rules = _rules_files(rules_files) if ruleset else None
        self.batch_size = max(1, batch_size)
        self.now = datetime.now(UTC)
        self._pages: list[tuple[FeedItem, FetchResult]] = []
        self._waiting: list[int] = []
        self._futures: dict[Future[list[dict[str, Any]]], list[int]] = {}
        self._decided: dict[int, dict[str, Any]] = {}
        self._outcomes: dict[int, dict[str, Any]] = {}

    def add(self, item: FeedItem, fetched: FetchResult) -> None:
        self._pages.append((item, fetched))
        if fetched.error is not None:
            return
        refused = not_markup(fetched.content, fetched.headers.get("content-type"))
        if refused:
            self._decided[len(self._pages) - 1] = {"error": refused}
            return
        self._waiting.append(len(self._pages) - 1)
        self._flush()

    def _flush(self, final: bool = False) -> None:
        """Hand the waiting pages to the pool: the first page for each worker alone, so that
        every worker starts at once, then in batches (fewer round trips); with `final`, all
        that are left. Not while `warm_up` is still starting the pool: submitting then would
        block the caller (the run's event loop, which goes on downloading meanwhile) until
        the forkserver is up, ~0.3 s or more in a new process."""
        workers = _workers(self.settings)
        if not final and not _started(workers):
            return
        while self._waiting:
            size = 1 if len(self._futures) < workers else self.batch_size
            if len(self._waiting) < size and not final:
                return
            chunk, self._waiting = self._waiting[:size], self._waiting[size:]
            self._submit(chunk)

    def _submit(self, chunk: list[int]) -> None:
        jobs = [
            (
                self._pages[i][1].content,
                self._pages[i][1].final_url,
                self._pages[i][1].headers.get("content-type"),
                self._pages[i][0].title,
            )
            for i in chunk
        ]
        pool = _pool(_workers(self.settings), self._rules)
        self._futures[pool.submit(_worker_batch, jobs, self.settings.timeout_s, self._rules)] = (
            chunk
        )

    def articles(self) -> list[Article]:
        """Wait for every page (bounded: see below) and build the articles."""
        self._flush(final=True)
        outcomes: dict[int, dict[str, Any]] = dict(self._decided)
        if self._futures:
            # Each page is bounded by its alarm; this deadline only catches a worker stuck in
            # C code that never returns to Python to receive the signal.
            pages = sum(len(c) for c in self._futures.values())
            rounds = -(-pages // _workers(self.settings))
            done, not_done = wait(
                self._futures, timeout=self.settings.timeout_s * (rounds + 1) + 10
            )
            for fut in done:
                chunk = self._futures[fut]
                try:
                    for i, out in zip(chunk, fut.result(), strict=True):
                        outcomes[i] = out
                except Exception as exc:
                    for i in chunk:
                        outcomes[i] = {"error": f"worker failed: {exc}"}
            for fut in not_done:
                for i in self._futures[fut]:
                    outcomes[i] = {"timeout": "extraction worker did not finish in time"}
            if not_done:
                _discard_pool(_workers(self.settings))
            self._futures = {}
        self._outcomes = outcomes
        return [
            _article(item, fetched, outcomes.get(i, {}), self.settings, self.now)
            for i, (item, fetched) in enumerate(self._pages)
        ]

    def matches(self, articles: Sequence[Article], now: datetime) -> list[Match]:
        """The matches of the articles `articles()` returned (same order), found by the workers
        with the ruleset; an article a worker did not match with this ruleset's version is
        matched here."""
        if self.ruleset is None:
            raise ValueError("this extraction was started without a ruleset")
        version = self.ruleset.version
        out: list[Match] = []
        for i, art in enumerate(articles):
            if art.extract_status != "ok":
                continue
            data = self._outcomes.get(i, {}).get("ok", {})
            if data.get("rules_version") == version:
                hits = [TopicHit(t, r, s, EvidenceJSON(e)) for t, r, s, e in data["hits"]]
            else:
                hits = self.ruleset.match(art.title, art.text, art.lang)
            out += [
                Match(art.article_id, h.topic, h.rule, h.score, h.evidence, version, now)
                for h in hits
            ]
        return out


def extract_pages(
    pages: Sequence[tuple[FeedItem, FetchResult]], settings: ExtractSettings
) -> list[Article]:
    """One Article per page (status ok/empty/timeout/error/fetch_error/blocked), input order."""
    todo = sum(1 for _, fetched in pages if fetched.error is None)
    workers = _workers(settings)
    extraction = Extraction(settings, batch_size=max(1, min(8, todo // (workers * 4))))
    for item, fetched in pages:
        extraction.add(item, fetched)
    return extraction.articles()
