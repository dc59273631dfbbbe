"""Store landing and reading, per backend: one batch of N articles with matches, alerts, seen
entries, feed states landed into a new store; then the README's ten queries on a store of
`--query-articles` articles, opened as the README says (issue 23: a DuckLake with a SQLite
catalog, the default, against the single DuckDB file; and the scale-out store, a DuckLake with
a PostgreSQL catalog, on a throwaway local cluster of Debian's postgresql like the tests').

python -m bench.bench_store [--articles 10000] [--query-articles 100000] [--backend lake]
python -m bench.bench_store --backend postgres
"""

from __future__ import annotations

import argparse
import contextlib
import random
import re
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from bench.common import emit, load_average
from pipelines import store
from pipelines.ingest.identity import article_id, canonical_url, content_hash, simhash
from pipelines.models import Article, FeedItem, FeedState, Match
from pipelines.store import search
from pipelines.store.backend import parse_location

SUFFIX = {"lake": ".sqlite", "duckdb": ".duckdb"}
_CLUSTER: list[Any] = []
"""The PostgreSQL cluster of `--backend postgres`, started on first use."""


def new_store(backend: str, tmp: str, name: str) -> str:
    """The location of a new, empty store of `backend` (files under `tmp`)."""
    if backend != "postgres":
        return str(Path(tmp) / f"{name}{SUFFIX[backend]}")
    dbname = f"bench_{name}_{Path(tmp).name.lower()}"
    dsn = _CLUSTER[0].create_database(re.sub(r"[^a-z0-9_]", "_", dbname))
    return f"ducklake:postgres:{dsn} data_path={Path(tmp) / name}.files"


README = Path(__file__).resolve().parent.parent / "README.md"


def readme_queries() -> list[str]:
    """The ten queries of the README's "Query the data" (tests/test_readme_queries.py too)."""
    text = README.read_text(encoding="utf-8")
    block = text.split("Ten useful queries:", 1)[1].split("```sql", 1)[1].split("```", 1)[0]
    parts = re.split(r"^-- \d+\..*$", block, flags=re.MULTILINE)
    return [p.strip().rstrip(";") for p in parts if p.strip()]


def open_as_analyst(db: str) -> duckdb.DuckDBPyConnection:
    """The store opened with the README's line (a DuckDB file: read-only, as before)."""
    if db.endswith(".duckdb"):
        return duckdb.connect(str(db), read_only=True)
    con = duckdb.connect()
    con.execute(parse_location(db).reader_sql())
    return con


def batch(n: int, seed: int, words_per_text: int = 600) -> store.LandingBatch:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    words = [f"w{i}" for i in range(5000)]
    arts, items, matches = [], [], []
    for i in range(n):
        url = f"https://outlet{i % 50}.example/{seed}/story-{i}"
        canon = canonical_url(url)
        text = " ".join(rng.choices(words, k=words_per_text))
        aid = article_id(canon)
        feed = f"https://outlet{i % 50}.example/rss"
        arts.append(
            Article(
                aid,
                url,
                canon,
                feed,
                url,
                f"Title {i}",
                text,
                now,
                site_name=f"Outlet {i % 50}",
                content_hash=content_hash(text),
                simhash=simhash(text),
            )
        )
        items.append(FeedItem(feed, url, url, canon, f"Title {i}"))
        if i % 3 == 0:
            matches.append(
                Match(
                    aid,
                    "territorial_demands",
                    "t.r",
                    3.0,
                    {"hits": [], "snippet": "…", "entities": ["kharkiv"]},
                    "v",
                    now,
                )
            )
    states = [FeedState(f"https://outlet{j}.example/rss", name=f"Outlet {j}") for j in range(50)]
    return store.LandingBatch(arts, items, matches, states, {"console": []})


def land(backend: str, articles: int, repeat: int) -> dict[str, Any]:
    samples, index_samples = [], []
    data = batch(articles, 0)
    for r in range(repeat):
        data = batch(articles, r)
        with tempfile.TemporaryDirectory() as tmp:
            db = new_store(backend, tmp, "b")
            with store.open_store(db):
                pass  # a store that exists, as before a run: the landing is what is timed
            with store.open_store(db) as con:
                start = time.perf_counter()
                report = store.land_batch(con, data)
                samples.append(time.perf_counter() - start)
                start = time.perf_counter()
                search.refresh_index(con)
                index_samples.append(time.perf_counter() - start)
            assert report.articles_inserted == articles
    samples.sort()
    index_samples.sort()
    landing = samples[len(samples) // 2]
    return {
        "articles": articles,
        "matches": len(data.matches),
        "landing_s": round(landing, 3),
        "rows_per_s": round((articles * 2 + len(data.matches) * 2) / landing),
        "fts_refresh_s": round(index_samples[len(index_samples) // 2], 3),
        "samples_s": [round(x, 3) for x in samples],
    }


def query(backend: str, articles: int, repeat: int) -> dict[str, Any]:
    """The README's queries on a store of `articles` articles (100-word texts, landed in
    batches of 10,000): the median of `repeat` runs of each, in one open connection."""
    sqls = readme_queries()
    with tempfile.TemporaryDirectory() as tmp:
        db = new_store(backend, tmp, "q")
        start = time.perf_counter()
        for k in range(0, articles, 10_000):
            with store.open_store(db) as con:
                store.land_batch(con, batch(min(10_000, articles - k), 100 + k, 100))
        filled_s = time.perf_counter() - start
        per_query = []
        with open_as_analyst(db) as con:
            assert con.execute("SELECT count(*) FROM articles").fetchone() == (articles,)
            for sql in sqls:
                times = []
                for _ in range(repeat):
                    t0 = time.perf_counter()
                    con.execute(sql).fetchall()
                    times.append(time.perf_counter() - t0)
                times.sort()
                per_query.append(round(times[len(times) // 2] * 1000, 1))
    return {
        "articles": articles,
        "fill_s": round(filled_s, 1),
        "query_ms": per_query,
        "slowest_ms": max(per_query),
        "total_ms": round(sum(per_query), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--query-articles", type=int, default=100_000, help="0: skip")
    parser.add_argument(
        "--backend", choices=["lake", "duckdb", "postgres", "both", "all"], default="both"
    )
    args = parser.parse_args()
    backends = {"both": ["lake", "duckdb"], "all": ["lake", "duckdb", "postgres"]}.get(
        args.backend, [args.backend]
    )
    figures: dict[str, Any] = {"load_average_start": load_average()}
    with contextlib.ExitStack() as stack:
        if "postgres" in backends:
            from tests.pgcluster import running_cluster

            _CLUSTER.append(stack.enter_context(running_cluster()))
        for backend in backends:
            figures[backend] = {"landing": land(backend, args.articles, args.repeat)}
            if args.query_articles:
                figures[backend]["readme_queries"] = query(
                    backend, args.query_articles, args.repeat
                )
    figures["load_average_end"] = load_average()
    emit("store", figures)


if __name__ == "__main__":
    main()
