"""Agreement of the second, independent labelling of blind4 (relabel.jsonl, RELABEL.md) with
the first (../blind4.jsonl): the first labels read as truth, precision and recall of the
second's (article, region, action) triples, per language. `python3 agreement.py`"""

import json
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent


def triples(path: Path) -> dict[str, set[tuple[str, str]]]:
    rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line)
    return {r["id"]: {(c["region"], c["action"]) for c in r["claims"]} for r in rows}


first, second = triples(HERE.parent / "blind4.jsonl"), triples(HERE / "relabel.jsonl")
counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
for article, truth in first.items():
    other = second[article]
    for lang in (article.split("-")[1], "all"):
        c = counts[lang]
        c[0] += len(truth & other)
        c[1] += len(other - truth)
        c[2] += len(truth - other)
for lang, (both, only_second, only_first) in sorted(counts.items()):
    print(
        f"{lang}: precision {both / (both + only_second):.3f}, recall {both / (both + only_first):.3f}"
        f" ({both} agreed, {only_second} only in the second, {only_first} only in the first)"
    )
