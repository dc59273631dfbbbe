"""What reading demand claims adds to matching, per article, on one core.

python -m bench.bench_claims [--repeat 5] [--pages 400]

The extraction worker matches every article and then reads claims from those matched on a
claims topic (claims.yaml `topics`): the cost it adds is `article_claims` after `match`.
Two corpora, both far richer in demand articles than a real feed: `labelled` (every
labelled article of tests/data/labelled/ and the demo corpus: short texts) and `pages` (the
article texts of the end-to-end benchmark's generated pages, built from the demo corpus).
Per corpus: matching and claims time per article, the share of articles on a claims topic,
the claims time per such article, and `break_even_share`: the share of articles on a
claims topic up to which reading claims adds less than `target_ratio` to matching.

Times are process CPU time, the least of `--repeat` rounds, matching and claims run in turn
within each round: on a shared machine other work would otherwise skew one side of the
ratio more than the other. `load_average` is reported alongside.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import PageMaker, emit, load_average
from pipelines.claims import article_claims, load_claim_rules
from pipelines.config import DEFAULT_CONFIG_DIR
from pipelines.rules import load_ruleset
from seeds.articles import ARTICLES

LABELLED = Path(__file__).resolve().parent.parent / "tests" / "data" / "labelled"
TARGET_RATIO = 0.10


def corpus() -> list[tuple[str, str, str | None]]:
    out = [(a["title"], a["body"], a["lang"]) for a in ARTICLES]
    for path in sorted(LABELLED.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                out.append((row.get("title") or "", row.get("text") or "", row.get("lang")))
    return out


def measure(
    name: str, articles: list[tuple[str, str, str | None]], ruleset: Any, rules: Any, repeat: int
) -> dict[str, Any]:
    topics = [[h.topic for h in ruleset.match(t, x, lang)] for t, x, lang in articles]

    def matching() -> None:
        for title, text, lang in articles:
            ruleset.match(title, text, lang)

    def claims() -> None:
        for (title, text, lang), hit in zip(articles, topics, strict=True):
            article_claims(hit, title, text, lang, rules)

    for fn in (matching, claims):
        fn()  # warm the memo caches, as a worker's are
    match_s, claims_s = least_cpu_seconds((matching, claims), repeat)
    n = len(articles)
    on_topic = sum(not rules.topics.isdisjoint(t) for t in topics)
    per_on_topic = claims_s / max(1, on_topic)
    return {
        "articles": n,
        "mean_chars": round(sum(len(t) + len(x) for t, x, _ in articles) / n),
        "claims_topic_share": round(on_topic / n, 3),
        "match_ms_per_article": round(1000 * match_s / n, 3),
        "claims_ms_per_article": round(1000 * claims_s / n, 3),
        "claims_ms_per_claims_topic_article": round(1000 * per_on_topic, 3),
        "ratio": round(claims_s / match_s, 3),
        "break_even_share": round(TARGET_RATIO * (match_s / n) / per_on_topic, 3),
    }


def least_cpu_seconds(fns: tuple[Callable[[], None], ...], repeat: int) -> list[float]:
    """The least process CPU time of each function over `repeat` rounds, run in turn."""
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            start = time.process_time()
            fn()
            best[i] = min(best[i], time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pages", type=int, default=400)
    args = parser.parse_args()
    ruleset = load_ruleset(DEFAULT_CONFIG_DIR / "rules.yaml", DEFAULT_CONFIG_DIR / "entities.yaml")
    rules = load_claim_rules(DEFAULT_CONFIG_DIR / "claims.yaml", ruleset.loaded)
    maker = PageMaker(seed=1)
    pages = [maker.article(i) for i in range(args.pages)]
    emit(
        "claims",
        {
            "labelled": measure("labelled", corpus(), ruleset, rules, args.repeat),
            "pages": measure(
                "pages",
                [(p["title"], p["body"], p["lang"]) for p in pages],
                ruleset,
                rules,
                args.repeat,
            ),
            "target_ratio": TARGET_RATIO,
            "load_average": load_average(),
        },
    )


if __name__ == "__main__":
    main()
