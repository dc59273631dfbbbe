"""`newswatch ui` on a large database: the time each page takes over HTTP.

python -m bench.bench_ui [--articles 100000] [--db bench/out/ui.duckdb] [--repeat 7]

Builds (or reuses, with --db) a database of N articles landed through the store's own
`land_batch`: 200 outlets over 26 weeks, a fifth of the articles matched (two topics, with
evidence naming regions), every tenth a syndicated copy of the one before, alerts for every
match, the full-text index and 300 recorded runs. Then starts the real `newswatch ui` on it
and times every page by HTTP: the first request (cold: the trends page computes its
aggregates, which it then keeps until the database file changes), then the median and the
slowest of `--repeat` more. The target is < 300 ms per page.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bench.common import emit, load_average
from pipelines import store
from pipelines.ingest.identity import article_id, canonical_url, content_hash, simhash
from pipelines.models import Article, FeedItem, FeedState, Match
from pipelines.store import search

OUTLETS = 200
WEEKS = 26
BATCH = 5_000
TARGET_MS = 300
REGIONS = ["Donetsk", "Luhansk", "Zaporizhzhia", "Kherson", "Crimea", "Kharkiv", "Sumy", "Odesa"]
WORDS = [
    "government",
    "minister",
    "said",
    "talks",
    "week",
    "city",
    "region",
    "forces",
    "statement",
    "officials",
    "people",
    "agreement",
    "ceasefire",
    "border",
    "troops",
    "delegation",
    "proposal",
    "council",
    "meeting",
    "report",
    "military",
    "support",
    "peace",
    "reporters",
    "president",
    "economy",
    "energy",
    "winter",
    "villages",
    "offensive",
    "negotiation",
]


VOCABULARY = WORDS + [f"w{i}" for i in range(5000)]
"""Real words for titles and the search; a large vocabulary so that texts are not near
duplicates of one another (they would fold into one story)."""


def _text(rng: random.Random, regions: list[str]) -> str:
    words = rng.choices(VOCABULARY, k=300)
    for r in regions:
        words[rng.randrange(len(words))] = r
    paragraphs = [" ".join(words[i : i + 60]).capitalize() + "." for i in range(0, 300, 60)]
    return "\n".join(paragraphs)


def _evidence(text: str, regions: list[str]) -> dict:
    hits = []
    for name in regions:
        start = text.find(name)
        hits.append(
            {
                "term": name,
                "query": "@ukrainian_regions",
                "field": "text",
                "start": start,
                "end": start + len(name),
                "entity": name.lower(),
                "count": text.count(name),
            }
        )
    for word in WORDS[:20]:  # real evidence lists ~20-50 terms besides the regions
        start = text.find(word)
        if start >= 0:
            hits.append(
                {"term": word, "query": f"{word}*", "field": "text", "start": start,
                 "end": start + len(word), "entity": None, "count": text.count(word)}
            )  # fmt: skip
    first = min(h["start"] for h in hits[: len(regions)])
    window = text[max(0, first - 60) : first + 180]
    snippet = "… " + re.sub("|".join(map(re.escape, regions)), r"[\g<0>]", window) + " …"
    return {"hits": hits, "entities": sorted(r.lower() for r in regions), "snippet": snippet}


def batch(start: int, n: int, end: datetime, rng: random.Random) -> store.LandingBatch:
    arts, items, matches = [], [], []
    previous: tuple[str, list[str]] | None = None
    for i in range(start, start + n):
        outlet = i % OUTLETS
        url = f"https://outlet{outlet}.example/news/{i}"
        canon = canonical_url(url)
        aid = article_id(canon)
        when = end - timedelta(seconds=rng.randrange(WEEKS * 7 * 86400))
        if i % 10 == 1 and previous is not None:
            text, regions = previous  # a syndicated copy: same text, another outlet
        else:
            regions = rng.sample(REGIONS, rng.randint(1, 3)) if i % 5 == 0 else []
            text = _text(rng, regions)
        previous = (text, regions)
        feed = f"https://outlet{outlet}.example/rss"
        title = f"{' '.join(rng.choices(WORDS, k=8)).capitalize()} {i}"
        arts.append(
            Article(
                aid, url, canon, feed, url, title, text, when,
                published_at=when, lang="en", site_name=f"Outlet {outlet}",
                content_hash=content_hash(text), simhash=simhash(text),
            )
        )  # fmt: skip
        items.append(FeedItem(feed, url, url, canon, title))
        if regions:
            topics = ["territorial_demands"] + (["istanbul_talks"] if i % 3 == 0 else [])
            for topic in topics:
                evidence = _evidence(text, regions)
                matches.append(Match(aid, topic, f"{topic}.rule", 3.0, evidence, "v1", when))
    states = [
        FeedState(
            f"https://outlet{j}.example/rss",
            name=f"Outlet {j}",
            last_polled_at=end,
            next_poll_at=end + timedelta(minutes=15),
            last_status="ok" if j % 40 else "error",
            consecutive_failures=0 if j % 40 else 3,
            last_error=None if j % 40 else "HTTP 503",
            last_new_item_at=end,
        )
        for j in range(OUTLETS)
    ]
    return store.LandingBatch(arts, items, matches, states, {"console": [], "slack": []})


def build(db: Path, articles: int) -> dict[str, float]:
    rng = random.Random(20)
    end = datetime(2025, 7, 1, tzinfo=UTC)
    started = time.perf_counter()
    with store.open_store(db) as con:
        for start in range(0, articles, BATCH):
            store.land_batch(con, batch(start, min(BATCH, articles - start), end, rng))
        landed = time.perf_counter() - started
        search.refresh_index(con)
        for r in range(300):
            at = end - timedelta(minutes=15 * r)
            summary = {
                "feeds_polled": OUTLETS, "feeds_failed": 5, "new_entries": 40,
                "articles_landed": 40, "new_match_counts": {"territorial_demands": 8},
                "alerts_sent": 16, "alerts_failed": 0, "flow_run_id": f"run-{r}",
            }  # fmt: skip
            store.record_run(con, f"run-{r}", at, summary)
        con.execute(
            "UPDATE alerts SET status = CASE WHEN hash(alert_id) % 50 = 0 THEN 'failed' "
            "WHEN hash(alert_id) % 50 = 1 THEN 'pending' ELSE 'sent' END, attempts = 1"
        )
    return {"land_s": round(landed, 1), "build_s": round(time.perf_counter() - started, 1)}


def _pages(db: Path) -> dict[str, str]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        matched = con.execute(
            "SELECT article_id FROM matches ORDER BY matched_at DESC LIMIT 1"
        ).fetchone()
        copies = con.execute(
            "SELECT a.article_id FROM articles a JOIN matches m USING (article_id) "
            "WHERE a.story_id <> a.article_id LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    assert matched and copies
    return {
        "now": "/",
        "now_topic_outlet_dates": "/?topic=istanbul_talks&outlet=Outlet+7&since=2025-04-01"
        "&until=2025-06-30",
        "now_page_20": "/?page=20",
        "search": "/?q=ceasefire+Kharkiv",
        "article": f"/article/{matched[0]}",
        "article_syndicated": f"/article/{copies[0]}",
        "trends": "/trends",
        "operations": "/operations",
    }


def _cpu_ms(pid: int) -> float:
    """CPU time (user + system) a process has used so far: on a shared machine a page's wall
    time includes waiting for a core, its CPU time does not."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def time_pages(db: Path, repeat: int) -> dict[str, dict[str, float]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "ui", "--db", str(db), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = re.search(r"http://[\d.]+:\d+", proc.stdout.readline())
        assert url, "newswatch ui printed no URL"
        out: dict[str, dict[str, float]] = {}
        with httpx.Client(base_url=url.group(0), timeout=60) as client:
            for name, path in _pages(db).items():
                start, used = time.perf_counter(), _cpu_ms(proc.pid)
                assert client.get(path).status_code == 200, path
                first = (time.perf_counter() - start) * 1000
                first_cpu = _cpu_ms(proc.pid) - used
                samples, cpu = [], []
                for _ in range(repeat):
                    start, used = time.perf_counter(), _cpu_ms(proc.pid)
                    response = client.get(path)
                    samples.append((time.perf_counter() - start) * 1000)
                    cpu.append(_cpu_ms(proc.pid) - used)
                    assert response.status_code == 200, (path, response.status_code)
                out[name] = {
                    "first_ms": round(first, 1),
                    "first_server_cpu_ms": round(first_cpu, 1),
                    "median_ms": round(statistics.median(samples), 1),
                    "max_ms": round(max(samples), 1),
                    "server_cpu_ms": round(statistics.median(cpu), 1),
                }
        return out
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="build here, or reuse when it exists")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "ui.duckdb"
        built = {} if db.exists() else build(db, args.articles)
        pages = time_pages(db, args.repeat)
        import duckdb

        con = duckdb.connect(str(db), read_only=True)
        counts = con.execute(
            "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM matches), "
            "(SELECT count(DISTINCT story_id) FROM articles)"
        ).fetchone()
        con.close()
        assert counts is not None
        slowest = max(p["median_ms"] for p in pages.values())
        slowest_first = max(p["first_ms"] for p in pages.values())
        emit(
            "ui",
            {
                "articles": counts[0],
                "matches": counts[1],
                "stories": counts[2],
                "db_mb": round(db.stat().st_size / 1e6),
                **built,
                "pages": pages,
                "slowest_median_ms": slowest,
                "slowest_first_ms": slowest_first,
                "target_ms": TARGET_MS,
                "all_under_target": slowest < TARGET_MS,
                "load_average": load_average(),
            },
        )
        print(json.dumps(pages, indent=1), file=sys.stderr)


if __name__ == "__main__":
    main()
