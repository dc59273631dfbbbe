"""`Extraction`: pages handed to the extraction pool as they arrive, in batches, and their
outcomes collected, with a worker stuck in C code on one page stopped (`watchdog`)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
import time
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.config import ExtractSettings
from pipelines.extract import watchdog
from pipelines.extract.page import _article, not_markup
from pipelines.extract.pool import _BOARDS, _POOLS, _discard_pool, _pool, _started, _workers
from pipelines.extract.worker import Job, _rules_files, _worker_batch
from pipelines.models import Article, EvidenceJSON, FeedItem, FetchResult, Match
from pipelines.rules.matcher import TopicHit

if TYPE_CHECKING:
    from pipelines.extract.run_rules import RunRules


MAX_BREAKS = 6
"""Times the pool may break in one batch before the pages it loses fail instead of going to
yet another pool (when no page could be blamed)."""


class Extraction:
    """Pages handed to the pool as they arrive (`add`), in batches; `articles()` waits for
    them and returns one Article per page added, in order.

    Batching amortises the round trip to a worker; handing pages over as they are fetched lets
    extraction run while the rest are still downloading. Downloads wait for room
    (`wait_for_room`) while `PAGES_AHEAD` pages per worker are in but not yet extracted, and
    a page's bytes are released once its extraction is done (the `FetchResult` keeps its
    headers, not its content): a run holds that many pages, not a whole batch of them."""

    PAGES_AHEAD = 32
    """Pages per worker downloaded ahead of extraction (enough to keep every worker busy)."""

    def __init__(
        self,
        settings: ExtractSettings,
        batch_size: int = 4,
        rules: RunRules | None = None,
        rules_files: tuple[Path, ...] | None = None,
    ) -> None:
        self.settings = settings
        self.rules = rules
        self._rules = _rules_files(rules_files) if rules else None
        self.batch_size = max(1, batch_size)
        self.now = datetime.now(UTC)
        self._pages: list[tuple[FeedItem, FetchResult]] = []
        self._waiting: list[int] = []
        self._futures: dict[Future[list[dict[str, Any]]], list[int]] = {}
        self._jobs: dict[Future[list[dict[str, Any]]], list[Job]] = {}
        self._pool_of: dict[Future[list[dict[str, Any]]], ProcessPoolExecutor] = {}
        self._stopped: dict[int, dict[str, Any]] = {}
        """Pages whose worker `_watch` stopped, stuck in C code, with their outcome."""
        self._watching: threading.Thread | None = None
        self._watched = threading.Event()
        self._decided: dict[int, dict[str, Any]] = {}
        self._outcomes: dict[int, dict[str, Any]] = {}
        self._room: asyncio.Semaphore | None = None
        """One slot per page downloaded ahead of extraction (see `wait_for_room`)."""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._hand_over: asyncio.Task[None] | None = None
        self._closed = False

    async def wait_for_room(self) -> None:
        """Wait until fewer than `PAGES_AHEAD` pages per worker are ahead of extraction, then
        take a slot: call it before downloading a page that `add` will get. Each waiter is
        woken once, in turn, as a page's slot comes back (`room_back`)."""
        if self._room is None:
            self._loop = asyncio.get_running_loop()
            self._room = asyncio.Semaphore(self.PAGES_AHEAD * _workers(self.settings))
            self._hand_over = asyncio.ensure_future(self._hand_over_held_pages())
        await self._room.acquire()

    async def _hand_over_held_pages(self) -> None:
        """While downloads wait for room, hand the pool the pages `_flush` holds back (the
        pool still starting, or fewer than a batch): no new page can arrive to do it."""
        while not self._closed:
            held = self._waiting and self._room is not None and self._room.locked()
            if held and _started(_workers(self.settings)):
                self._flush(final=True)
            await asyncio.sleep(0.05)

    def room_back(self, count: int) -> None:
        """`count` pages need no more room (extracted, failed or refused); on the loop."""
        if self._room is not None:
            for _ in range(count):
                self._room.release()

    def _release_later(self, count: int) -> None:
        """`room_back` from the pool's thread, when a batch of pages comes back."""
        if self._loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed: nobody waits
                self._loop.call_soon_threadsafe(self.room_back, count)

    def add(self, item: FeedItem, fetched: FetchResult) -> None:
        self._pages.append((item, fetched))
        if fetched.error is not None:
            self.room_back(1)
            return
        refused = not_markup(fetched.content, fetched.headers.get("content-type"))
        if refused:
            self._decided[len(self._pages) - 1] = {"error": refused}
            fetched.content = b""
            self.room_back(1)
            return
        self._waiting.append(len(self._pages) - 1)
        self._flush()

    def _flush(self, final: bool = False) -> None:
        """Hand the waiting pages to the pool: the first page for each worker alone, so that
        every worker starts at once, then in batches (fewer round trips); with `final`, all
        that are left. Not while `warm_up` is still starting the pool: submitting then would
        block the caller (the run's event loop, which goes on downloading meanwhile) until
        the forkserver is up, which in a new process takes a while."""
        workers = _workers(self.settings)
        if not final and not _started(workers):
            return
        while self._waiting:
            size = 1 if len(self._futures) < workers else self.batch_size
            if len(self._waiting) < size and not final:
                return
            chunk, self._waiting = self._waiting[:size], self._waiting[size:]
            self._submit(chunk)

    def _submit(self, chunk: list[int], jobs: list[Job] | None = None) -> None:
        if jobs is None:
            jobs = [
                (
                    self._pages[i][1].content,
                    self._pages[i][1].final_url,
                    self._pages[i][1].headers.get("content-type"),
                    self._pages[i][0].title,
                    self._pages[i][0].published_at,
                )
                for i in chunk
            ]
        workers = _workers(self.settings)
        pool = _pool(workers, self._rules)
        try:
            future = pool.submit(_worker_batch, jobs, self.settings.timeout_s, self._rules, chunk)
        except (BrokenProcessPool, RuntimeError):  # a worker was stopped: a pool of new ones
            _discard_pool(workers)
            pool = _pool(workers, self._rules)
            future = pool.submit(_worker_batch, jobs, self.settings.timeout_s, self._rules, chunk)
        self._pool_of[future] = pool
        if self._watching is None:
            self._watching = threading.Thread(
                target=self._watch, name="newswatch-extraction-watch", daemon=True
            )
            self._watching.start()
        self._futures[future] = chunk
        self._jobs[future] = jobs  # to hand over again should the pool break before it is done
        for i in chunk:
            self._pages[i][1].content = b""
        future.add_done_callback(self._forget_jobs)
        future.add_done_callback(lambda _: self._release_later(len(chunk)))

    def _forget_jobs(self, future: Future[list[dict[str, Any]]]) -> None:
        """Drop a done task's pages unless the pool broke under it (then `_settle` hands them
        over again): kept until the batch ends, a batch's pages stayed in memory whole."""
        if future.cancelled() or not isinstance(future.exception(), BrokenProcessPool):
            self._jobs.pop(future, None)

    def _watch(self) -> None:
        """Every second, for as long as pages are out (downloads may be waiting for the room
        a stuck worker's pages hold): stop each worker the board shows on one page past the
        page's deadline plus `watchdog.GRACE_S`, and fail that page as a timeout."""
        workers = _workers(self.settings)
        limit = self.settings.timeout_s + watchdog.GRACE_S
        while not self._watched.wait(1.0):
            board = _BOARDS.get(workers)
            for pid, page in watchdog.stuck(board, limit) if board is not None else []:
                self._stopped[page] = {
                    "timeout": f"extraction was still running after {limit:g}s, in a parser's "
                    "C code that its deadline cannot stop: the worker was stopped"
                }
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                watchdog.let_go(board, pid)

    def articles(self) -> list[Article]:
        """Wait for every page (bounded: see below) and build the articles."""
        self._closed = True
        self._flush(final=True)
        outcomes: dict[int, dict[str, Any]] = dict(self._decided)
        if self._futures:
            try:
                outcomes.update(self._settle())
            finally:
                self._watched.set()
        self._outcomes = outcomes
        return [
            _article(item, fetched, outcomes.get(i, {}), self.settings, self.now)
            for i, (item, fetched) in enumerate(self._pages)
        ]

    def _settle(self) -> dict[int, dict[str, Any]]:
        """The outcome of every page handed to the pool. Each page is bounded by its alarm,
        and a worker stuck in C code past it by `_watch`. When the pool breaks (a worker
        stopped, or dead of a crash), the pages it lost go to a new pool; a page its worker
        died on twice fails, the others are not blamed. The overall deadline stays as the
        last resort."""
        workers = _workers(self.settings)
        pages = sum(len(c) for c in self._futures.values())
        deadline = time.monotonic() + self.settings.timeout_s * (-(-pages // workers) + 1) + 10
        out: dict[int, dict[str, Any]] = {}
        deaths: dict[int, int] = {}
        breaks = 0
        while self._futures:
            done, _ = wait(self._futures, timeout=1.0, return_when=FIRST_COMPLETED)
            lost: list[tuple[list[int], list[Job]]] = []
            broken: set[ProcessPoolExecutor | None] = set()
            for fut in done:
                chunk, jobs = self._futures.pop(fut), self._jobs.pop(fut, [])
                pool = self._pool_of.pop(fut, None)
                try:
                    out.update(zip(chunk, fut.result(), strict=True))
                except BrokenProcessPool:
                    lost.append((chunk, jobs))
                    broken.add(pool)
                except Exception as exc:
                    out.update((i, {"error": f"worker failed: {exc}"}) for i in chunk)
            out.update(self._stopped)
            if workers in _POOLS and _POOLS[workers] in broken:  # the pool new pages go to
                board = _BOARDS.get(workers)
                for page in watchdog.dead_on(board) if board is not None else []:
                    deaths[page] = deaths.get(page, 0) + 1
                _discard_pool(workers)
            breaks += bool(lost)
            for chunk, jobs in lost:
                again = [(i, j) for i, j in zip(chunk, jobs, strict=True) if i not in out]
                for i, _ in again:
                    if deaths.get(i, 0) >= 2:
                        out[i] = {"error": "its extraction worker died on it twice: a crash "
                                  "in a parser, or out of memory"}  # fmt: skip
                    elif breaks > MAX_BREAKS:
                        out[i] = {"error": f"the extraction pool broke {breaks} times in this "
                                  "batch, under pages it could not tell apart"}  # fmt: skip
                again = [(i, j) for i, j in again if i not in out]
                if again:
                    self._submit([i for i, _ in again], [j for _, j in again])
            if self._futures and time.monotonic() > deadline:
                for chunk in self._futures.values():
                    out.update(
                        (i, {"timeout": "extraction worker did not finish in time"}) for i in chunk
                    )
                self._futures, self._jobs, self._pool_of = {}, {}, {}
                _discard_pool(workers)
        out.update(self._stopped)
        return out

    def matches(self, articles: Sequence[Article], now: datetime) -> list[Match]:
        """The matches of the articles `articles()` returned (same order), found by the workers
        with the run's rules; an article a worker did not match with their version is
        matched here (`RunRules.ruleset`). So are its claims (`Article.claims`, set by
        `articles()` from the workers' reading) when the workers read none with the run's
        claims version."""
        if self.rules is None:
            raise ValueError("this extraction was started without rules")
        rules = self.rules
        out: list[Match] = []
        for i, art in enumerate(articles):
            if art.extract_status != "ok":
                continue
            data = self._outcomes.get(i, {}).get("ok", {})
            version = rules.version
            if data.get("rules_version") == version:
                hits = [TopicHit(t, r, s, EvidenceJSON(e)) for t, r, s, e in data["hits"]]
            else:
                ruleset = rules.ruleset()
                version = ruleset.version
                hits = ruleset.match(art.title, art.text, art.lang, art.published_at)
            wanted = rules.claims_version
            if wanted is not None and data.get("claims_version") != wanted:
                from pipelines.claims import article_claims

                art.claims = article_claims(
                    (h.topic for h in hits), art.title, art.text, art.lang, rules.claim_rules()
                )
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
