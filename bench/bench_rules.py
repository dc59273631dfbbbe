"""Rule matching throughput: 1,000 generated rules over ~5 KB articles, one core.

python -m bench.bench_rules [--rules 1000] [--articles 2000]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
from pathlib import Path

from bench.common import emit, median_seconds
from pipelines.config import DEFAULT_CONFIG_DIR
from pipelines.rules import load_ruleset

WORDS = [
    w
    for w in [
        "talks",
        "delegation",
        "ceasefire",
        "memorandum",
        "prisoner",
        "exchange",
        "region",
        "withdraw",
        "demand",
        "threat",
        "seize",
        "capture",
        "border",
        "buffer",
        "zone",
        "army",
        "forces",
        "troops",
        "president",
        "minister",
        "envoy",
        "summit",
        "agreement",
        "proposal",
        "sanctions",
        "energy",
        "drone",
        "missile",
        "strike",
        "city",
        "village",
        "front",
        "line",
        "offensive",
        "defence",
        "negotiation",
        "round",
        "meeting",
        "palace",
        "statement",
        "official",
        "spokesman",
        "parliament",
        "economy",
        "budget",
        "inflation",
        "market",
        "export",
        "grain",
        "port",
        "shipping",
        "court",
        "ruling",
    ]
]


def generate_rules(n: int, rng: random.Random) -> str:
    entities = [
        "@kharkiv",
        "@sumy",
        "@istanbul",
        "@russia",
        "@ukraine",
        "@occupied_regions",
        "@medinsky",
        "@zaporizhzhia",
    ]
    topics = []
    per_topic = 10
    for t in range(n // per_topic):
        rules = []
        for r in range(per_topic):
            a, b, c = rng.sample(vocabulary(), 3)
            shape = rng.randrange(4)
            query = [
                f"{a} AND ({b} OR {c}*)",
                f'"{a} {b}" AND {rng.choice(entities)}',
                f"{a} NEAR/5 {b} NOT {c}",
                f"title:{a} OR ({rng.choice(entities)} AND {b})",
            ][shape]
            rules.append({"id": f"r{r}", "query": query})
        topics.append({"id": f"topic{t}", "rules": rules})
    return json.dumps({"topics": topics})


def _filler(rng: random.Random, n: int = 3000) -> list[str]:
    """A pseudo-vocabulary standing in for the ordinary words of news prose."""
    letters = "abcdefghijklmnoprstuvwy"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(4, 10))) for _ in range(n)]


FILLER: list[str] = []


def vocabulary() -> list[str]:
    """News-like vocabulary: the topic words first (frequent), then 3,000 ordinary ones."""
    if not FILLER:
        FILLER.extend(WORDS + _filler(random.Random(7)))
    return FILLER


def generate_article(rng: random.Random, size: int = 5000) -> tuple[str, str]:
    """~5 KB of prose drawn from the vocabulary with Zipf-like frequencies, plus names."""
    vocab = vocabulary()
    weights = [1 / (rank + 10) for rank in range(len(vocab))]
    names = ["Kharkiv", "Sumy", "Istanbul", "Russia", "Ukraine", "Donetsk", "Medinsky"]
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < size:
        words.extend(rng.choices(vocab, weights, k=50))
        words.append(rng.choice(names))
        if rng.random() < 0.08:
            words[-1] += "."
    return " ".join(rng.sample(vocab[:500], 6)), " ".join(words)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rules", type=int, default=1000)
    parser.add_argument("--articles", type=int, default=2000)
    args = parser.parse_args()
    rng = random.Random(42)
    with tempfile.TemporaryDirectory() as tmp:
        rules_path = Path(tmp) / "rules.yaml"
        rules_path.write_text(generate_rules(args.rules, rng))
        ruleset = load_ruleset(rules_path, DEFAULT_CONFIG_DIR / "entities.yaml")
    articles = [generate_article(rng) for _ in range(args.articles)]
    hits = 0

    def run() -> None:
        nonlocal hits
        hits = sum(len(ruleset.match(t, x)) for t, x in articles)

    seconds, samples = median_seconds(run)
    emit(
        "rules",
        {
            "rules": args.rules,
            "articles": args.articles,
            "article_chars": sum(len(x) for _, x in articles) // len(articles),
            "articles_per_s": round(args.articles / seconds, 1),
            "topic_hits": hits,
            "samples_s": [round(s, 3) for s in samples],
            "cores_used": 1,
        },
    )


if __name__ == "__main__":
    main()
