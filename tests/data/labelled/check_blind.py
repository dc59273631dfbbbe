"""Check the form of `blind.jsonl` and print its counts (it does not score anything).

Run: python tests/data/labelled/check_blind.py [path]. Exits 1 with one line per problem.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

LABELS = frozenset({"istanbul_talks", "territorial_demands"})
REGIONS = frozenset(
    {
        "donetsk",
        "luhansk",
        "zaporizhzhia",
        "kherson",
        "crimea",
        "kharkiv",
        "sumy",
        "dnipropetrovsk",
        "odesa",
        "mykolaiv",
        "donbas",
    }
)
ACTIONS = frozenset({"withdraw", "recognise", "seize_threat", "buffer_zone", "other"})
KEYS = ["id", "lang", "published", "title", "text", "labels", "claims", "source", "note"]
MINIMUMS = {
    "total": 180,
    "en": 80,
    "uk": 50,
    "ru": 50,
    "talks": 40,
    "demands": 40,
    "with_claims": 40,
}


@dataclass(frozen=True)
class Article:
    id: str
    lang: str
    labels: tuple[str, ...]
    claims: tuple[tuple[str, str], ...]
    source: str
    words: int


def problems_in(line_no: int, row: dict) -> list[str]:
    """Return what is wrong with one parsed line, each as a one-line message."""
    where = f"line {line_no} ({row.get('id', '?')})"
    if list(row) != KEYS:
        return [f"{where}: keys are {list(row)}, expected {KEYS}"]
    found = []
    if row["lang"] not in {"en", "uk", "ru"}:
        found.append(f"{where}: lang {row['lang']!r} is not en, uk or ru")
    if not re.fullmatch(rf"bl-{row['lang']}-\d{{3}}", row["id"]):
        found.append(f"{where}: id should look like bl-{row['lang']}-001")
    if not re.fullmatch(r"20\d\d-\d\d-\d\d", row["published"]):
        found.append(f"{where}: published should be YYYY-MM-DD")
    if not set(row["labels"]) <= LABELS or len(set(row["labels"])) != len(row["labels"]):
        found.append(
            f"{where}: labels {row['labels']} must be distinct topic ids from {sorted(LABELS)}"
        )
    pairs = [(c.get("region"), c.get("action")) for c in row["claims"]]
    for claim, (region, action) in zip(row["claims"], pairs):
        if set(claim) != {"region", "action"} or region not in REGIONS or action not in ACTIONS:
            found.append(f"{where}: claim {claim} needs a known region and action")
    if len(set(pairs)) != len(pairs):
        found.append(f"{where}: a (region, action) claim is listed twice")
    if row["claims"] and "territorial_demands" not in row["labels"]:
        found.append(f"{where}: has claims but no territorial_demands label")
    if not all(row[key] for key in ("title", "text", "source", "note")):
        found.append(f"{where}: title, text, source and note must not be empty")
    if row["source"] != "written" and not row["source"].startswith("http"):
        found.append(f"{where}: source must be a URL or 'written'")
    return found


def load(path: Path) -> tuple[list[Article], list[str]]:
    articles, found = [], []
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            found.append(f"line {line_no}: not valid JSON ({error.msg})")
            continue
        line_problems = problems_in(line_no, row)
        found.extend(line_problems)
        if line_problems:
            continue
        articles.append(
            Article(
                id=row["id"],
                lang=row["lang"],
                labels=tuple(row["labels"]),
                claims=tuple((c["region"], c["action"]) for c in row["claims"]),
                source=row["source"],
                words=len(f"{row['title']} {row['text']}".split()),
            )
        )
    repeated = sorted(i for i, n in Counter(a.id for a in articles).items() if n > 1)
    if repeated:
        found.append(f"ids used more than once: {repeated}")
    return articles, found


def kind(article: Article) -> str:
    if len(article.labels) == 2:
        return "both"
    return article.labels[0] if article.labels else "none"


def report(articles: list[Article]) -> dict[str, int]:
    """Print the counts and return the figures the minimums are checked against."""
    print("| lang | istanbul_talks only | territorial_demands only | both | none | total |")
    print("|---|---|---|---|---|---|")
    for lang in ("en", "uk", "ru", "all"):
        chosen = [a for a in articles if lang in ("all", a.lang)]
        kinds = Counter(kind(a) for a in chosen)
        cells = [kinds[k] for k in ("istanbul_talks", "territorial_demands", "both", "none")]
        print(f"| {lang} | " + " | ".join(map(str, cells)) + f" | {len(chosen)} |")
    figures = {
        "total": len(articles),
        **Counter(a.lang for a in articles),
        "talks": sum("istanbul_talks" in a.labels for a in articles),
        "demands": sum("territorial_demands" in a.labels for a in articles),
        "negatives": sum(not a.labels for a in articles),
        "with_claims": sum(bool(a.claims) for a in articles),
        "real": sum(a.source != "written" for a in articles),
    }
    print({k: v for k, v in figures.items() if k not in ("en", "uk", "ru")})
    claims = [c for a in articles for c in a.claims]
    print("claims by action:", dict(Counter(action for _, action in claims).most_common()))
    print("claims by region:", dict(Counter(region for region, _ in claims).most_common()))
    words = sorted(a.words for a in articles)
    bands = {
        "<40": (0, 40),
        "40-79": (40, 80),
        "80-250": (80, 251),
        "251-399": (251, 400),
        ">=400": (400, 10**6),
    }
    print(
        "words (title+text):",
        {name: sum(lo <= w < hi for w in words) for name, (lo, hi) in bands.items()},
    )
    return figures


def main() -> int:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).with_name("blind.jsonl"))
    if not path.is_file():
        print(f"{path}: no such file; pass the path of blind.jsonl")
        return 1
    articles, found = load(path)
    figures = report(articles)
    found += [
        f"{key}: {figures.get(key, 0)} is below {least}"
        for key, least in MINIMUMS.items()
        if figures.get(key, 0) < least
    ]
    if figures["negatives"] * 3 < figures["total"]:
        found.append(
            f"negatives: {figures['negatives']} of {figures['total']} is less than a third"
        )
    print("\n".join(found) if found else "ok")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
