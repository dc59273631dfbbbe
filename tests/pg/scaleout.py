"""Two monitors on one store: a corpus on a real 127.0.0.1 server whose every article is in two
feeds, one of each monitor's, so both land every article at the same time; the real
`newswatch run` in subprocesses; a reader that queries the store all along.

The pages are the demo corpus's (`seeds/site/articles`), whose expected topics are known
(`seeds/expected.yaml`).
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import yaml

from flows.seed_server import SEEDS_DIR
from tests.reliability.newsroom import (
    HTML,
    REPO,
    RSS,
    Answer,
    Site,
    newswatch_command,
    newswatch_env,
    rss,
    write_config,
)

FEEDS = 6
"""Feeds 0-2 are the first monitor's, 3-5 the second's; article k is in feeds k % 3 and
k % 3 + 3, so each monitor has every article."""

PAGES = [
    "isw-territorial-demands.html",
    "kremlin-four-regions-april.html",
    "putin-buffer-zone-sumy.html",
    "obmin-polonenymy-stambul.html",
    "moskva-trebuet-vyvesti-voyska.html",
    "kharkiv-drone-strike.html",
    "essequibo-dispute.html",
    "turkey-syria-trade-istanbul.html",
    "kyiv-book-festival.html",
]
"""Nine of the demo's pages (three languages, both topics, demands that escalate, look-alikes
that must not match): enough for every guarantee, few enough that the runs stay short."""
EXPECTED: dict[str, Any] = {
    name: spec
    for name, spec in yaml.safe_load((SEEDS_DIR / "expected.yaml").read_text("utf-8"))[
        "articles"
    ].items()
    if name in PAGES
}


def serve_corpus(site: Site) -> None:
    """Route the feeds and pages on `site` (its base URL known)."""
    articles_dir = SEEDS_DIR / "site" / "articles"
    for name in PAGES:
        body = (articles_dir / name).read_bytes().replace(b"{{BASE_URL}}", site.base.encode())
        site.route(f"/a/{name}", Answer(200, body, HTML))
    for f in range(FEEDS):
        items = [
            {"title": name.removesuffix(".html"), "link": site.url(f"/a/{name}")}
            for k, name in enumerate(PAGES)
            if k % 3 == f % 3
        ]
        site.route(f"/feed{f}", Answer(200, rss(items, f"Desk {f}"), RSS))
    site.route("/robots.txt", Answer(404))


def monitor_config(site: Site, root: Path, which: int, settings: str) -> Path:
    """The config directory of monitor `which` (0 or 1): its three feeds, a console channel,
    landing two pages at a time (many landings per run, so that the two interleave)."""
    feeds = [site.url(f"/feed{f}") for f in range(3 * which, 3 * which + 3)]
    extra = (
        "extract:\n  batch_pages: 2\n  workers: 1\n"
        "alerts:\n  channels:\n    console:\n      url: console://\n" + settings
    )
    return write_config(root / f"config{which}", feeds, extra)


def expected_matches() -> dict[str, int]:
    per_topic: dict[str, int] = {}
    for spec in EXPECTED.values():
        for topic in spec["topics"] or []:
            per_topic[topic] = per_topic.get(topic, 0) + 1
    return per_topic


def kill_leftovers() -> None:
    """Kill the monitors a failed test left running."""
    while STARTED:
        monitor = STARTED.pop()
        if monitor.proc.poll() is None:
            monitor.kill()


@dataclass
class Monitor:
    """One `newswatch run` subprocess (its own session, so kill -9 takes its workers too)."""

    proc: subprocess.Popen[str]
    out: str = ""

    @classmethod
    def start(cls, config: Path, store: str) -> Monitor:
        proc = subprocess.Popen(
            newswatch_command(config, Path(store)),
            cwd=REPO,
            env=newswatch_env(Path(store)),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        monitor = cls(proc)
        STARTED.append(monitor)
        return monitor

    def finish(self, timeout: float = 240) -> tuple[int, str]:
        """Wait for the run to end; one still running after `timeout` is killed, then fails."""
        try:
            self.out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise
        return self.proc.returncode, err

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.communicate(timeout=60)


STARTED: list[Monitor] = []


@dataclass
class ReaderLoop:
    """Queries the store over and over while monitors write, as an analyst's notebook would:
    each read sees one consistent snapshot (no article twice, counts never going down)."""

    open_reader: Callable[[], duckdb.DuckDBPyConnection]
    reads: int = 0
    seen_articles: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def once(self, con: duckdb.DuckDBPyConnection) -> None:
        row = con.execute("SELECT count(*), count(DISTINCT canonical_url) FROM articles").fetchone()
        assert row is not None
        articles, distinct = row
        if articles != distinct:
            self.problems.append(f"read {self.reads}: {articles} articles, {distinct} distinct")
        if self.seen_articles and articles < self.seen_articles[-1]:
            self.problems.append(f"read {self.reads}: articles went from {self.seen_articles[-1]}")
        self.seen_articles.append(articles)
        self.reads += 1

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                con = self.open_reader()
            except duckdb.Error as exc:
                # Until the first monitor has created the lake there is none to open; any
                # other failure to open is a problem.
                self.errors.append(str(exc).splitlines()[0])
                self._stop.wait(0.2)
                continue
            try:
                for _ in range(5):
                    if self._stop.is_set():
                        break
                    with tables_not_made_yet():
                        self.once(con)
                    self._stop.wait(0.02)  # an analyst's pace, not a busy loop
            finally:
                con.close()

    @contextmanager
    def running(self) -> Iterator[ReaderLoop]:
        thread = threading.Thread(target=self.run, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join(timeout=60)


@contextmanager
def tables_not_made_yet() -> Iterator[None]:
    """Before the first monitor has created the tables, a read finds none: not a problem."""
    try:
        yield
    except duckdb.CatalogException:
        return
