"""DuckDB landing: one batch of N articles with matches, alerts, seen entries, feed states.

python -m bench.bench_store [--articles 10000]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.common import emit
from pipelines import store
from pipelines.ingest.identity import article_id, canonical_url, content_hash, simhash
from pipelines.models import Article, FeedItem, FeedState, Match
from pipelines.store import search


def batch(n: int, seed: int) -> store.LandingBatch:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    words = [f"w{i}" for i in range(5000)]
    arts, items, matches = [], [], []
    for i in range(n):
        url = f"https://outlet{i % 50}.example/{seed}/story-{i}"
        canon = canonical_url(url)
        text = " ".join(rng.choices(words, k=600))
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    samples, index_samples = [], []
    for r in range(args.repeat):
        data = batch(args.articles, r)
        with tempfile.TemporaryDirectory() as tmp, store.open_store(Path(tmp) / "b.duckdb") as con:
            start = time.perf_counter()
            report = store.land_batch(con, data)
            samples.append(time.perf_counter() - start)
            start = time.perf_counter()
            search.refresh_index(con)
            index_samples.append(time.perf_counter() - start)
            assert report.articles_inserted == args.articles
    samples.sort()
    index_samples.sort()
    landing = samples[len(samples) // 2]
    emit(
        "store",
        {
            "articles": args.articles,
            "matches": len(data.matches),
            "landing_s": round(landing, 3),
            "rows_per_s": round((args.articles * 2 + len(data.matches) * 2) / landing),
            "fts_refresh_s": round(index_samples[len(index_samples) // 2], 3),
            "samples_s": [round(s, 3) for s in samples],
        },
    )


if __name__ == "__main__":
    main()
