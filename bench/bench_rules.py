"""Rule matching throughput: 1,000 generated rules over ~5 KB articles, one core.

python -m bench.bench_rules [--rules 1000] [--articles 2000]
                           [--workload typical|dense|scoped|both]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
from pathlib import Path

from bench.common import emit, median_seconds
from pipelines.config import DEFAULT_CONFIG_DIR
from pipelines.rules import TopicHit, load_ruleset

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


BROAD_ENTITIES = ["@russia", "@ukraine", "@occupied_regions"]
SPECIFIC_ENTITIES = ["@kharkiv", "@sumy", "@istanbul", "@medinsky", "@zaporizhzhia"]


def generate_rules(n: int, rng: random.Random, workload: str = "typical") -> str:
    """`n` rules in topics of ten, in four query shapes (AND/OR/prefix, phrase + entity,
    NEAR with NOT, title: or entity).

    - typical: what monitoring rules look like: every rule requires a specific term (a word
      as rare as a name or a jargon term: each article carries a few of the 2,000 such
      words), combined with common words and entities, so most articles match no topic.
    - dense: terms drawn from the commonest news words and broad entities (Russia, Ukraine)
      that every article names: about a quarter of all topics fire on every article, so
      evidence is built some thirty times per article. A stress case.
    - scoped: the typical rules inside SENTENCE(…) and PARA(…), with lead: fields, and every
      topic measuring salience on a focus query with a min_salience: the structure of issue 22
      at the same scale.
    """
    vocab = vocabulary()
    topics = []
    per_topic = 10
    for t in range(n // per_topic):
        rules = []
        for r in range(per_topic):
            b, c = rng.sample(vocab, 2)
            if workload == "dense":
                a = rng.choice(vocab)
                entity = rng.choice(SPECIFIC_ENTITIES + BROAD_ENTITIES)
                queries = [
                    f"{a} AND ({b} OR {c}*)",
                    f'"{a} {b}" AND {entity}',
                    f"{a} NEAR/5 {b} NOT {c}",
                    f"title:{a} OR ({entity} AND {b})",
                ]
            elif workload == "scoped":
                a = rng.choice(specific_terms())
                entity = rng.choice(SPECIFIC_ENTITIES)
                queries = [
                    f"SENTENCE({a} AND ({b} OR {c}*))",
                    f"PARA(({a} OR {a}s) AND {entity})",
                    f"SENTENCE({a} NEAR/5 {b} NOT {c})",
                    f"(lead:{b} OR {entity}) AND {a}",
                ]
            else:
                a = rng.choice(specific_terms())
                entity = rng.choice(SPECIFIC_ENTITIES)
                queries = [
                    f"{a} AND ({b} OR {c}*)",
                    f"({a} OR {a}s) AND {entity}",
                    f"{a} NEAR/5 {b} NOT {c}",
                    f"(title:{b} OR {entity}) AND {a}",
                ]
            rules.append({"id": f"r{r}", "query": rng.choice(queries)})
        topic: dict[str, object] = {"id": f"topic{t}", "rules": rules}
        if workload == "scoped":
            topic["focus"] = " OR ".join(rng.sample(vocabulary()[:60], 3))
            topic["min_salience"] = 0.5
        topics.append(topic)
    return json.dumps({"topics": topics})


def _filler(rng: random.Random, n: int = 3000) -> list[str]:
    """A pseudo-vocabulary standing in for the ordinary words of news prose."""
    letters = "abcdefghijklmnoprstuvwy"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(4, 10))) for _ in range(n)]


FILLER: list[str] = []
SPECIFIC: list[str] = []


def vocabulary() -> list[str]:
    """News-like vocabulary: the topic words first (frequent), then 3,000 ordinary ones."""
    if not FILLER:
        FILLER.extend(WORDS + _filler(random.Random(7)))
    return FILLER


def specific_terms() -> list[str]:
    """2,000 rare words (names, jargon) that appear in few articles; none is in vocabulary()."""
    if not SPECIFIC:
        SPECIFIC.extend("z" + w for w in _filler(random.Random(11), 2000))
    return SPECIFIC


def generate_article(rng: random.Random, size: int = 5000) -> tuple[str, str]:
    """~5 KB of prose drawn from the vocabulary with Zipf-like frequencies, plus names and
    five specific terms."""
    vocab = vocabulary()
    weights = [1 / (rank + 10) for rank in range(len(vocab))]
    names = ["Kharkiv", "Sumy", "Istanbul", "Russia", "Ukraine", "Donetsk", "Medinsky"]
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < size:
        words.extend(rng.choices(vocab, weights, k=50))
        words.append(rng.choice(names))
        if rng.random() < 0.08:
            words[-1] += "."
    for term in rng.sample(specific_terms(), 5):
        words.insert(rng.randrange(len(words)), term)
    return " ".join(rng.sample(vocab[:500], 6)), " ".join(words)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rules", type=int, default=1000)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument(
        "--workload",
        choices=["typical", "dense", "scoped", "both"],
        default="both",
        help="rule sets to measure (see generate_rules)",
    )
    args = parser.parse_args()
    workloads = ["typical", "dense"] if args.workload == "both" else [args.workload]
    for workload in workloads:
        measure(args.rules, args.articles, workload)


def measure(n_rules: int, n_articles: int, workload: str) -> None:
    rng = random.Random(42)
    with tempfile.TemporaryDirectory() as tmp:
        rules_path = Path(tmp) / "rules.yaml"
        rules_path.write_text(generate_rules(n_rules, rng, workload))
        ruleset = load_ruleset(rules_path, DEFAULT_CONFIG_DIR / "entities.yaml")
    articles = [generate_article(rng) for _ in range(n_articles)]
    results: list[list[TopicHit]] = []

    def run() -> None:
        results[:] = [ruleset.match(t, x) for t, x in articles]

    seconds, samples = median_seconds(run)
    emit(
        "rules",
        {
            "workload": workload,
            "rules": n_rules,
            "articles": n_articles,
            "article_chars": sum(len(x) for _, x in articles) // len(articles),
            "articles_per_s": round(n_articles / seconds, 1),
            "topic_hits_per_article": round(sum(map(len, results)) / n_articles, 2),
            "articles_matching": round(sum(1 for r in results if r) / n_articles, 3),
            "evidence_rows": sum(len(h.evidence["hits"]) for r in results for h in r),
            "samples_s": [round(s, 3) for s in samples],
            "cores_used": 1,
        },
    )


if __name__ == "__main__":
    main()
