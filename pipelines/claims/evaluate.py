"""Precision and recall of demand claims against a labelled JSONL set, per language.

A labelled line: {"id", "lang", "title", "text", "claims": [{"region", "action"}]}. Lines
without a "claims" key are not labelled for claims and are skipped. Triples
(article, region, action) are compared; actor and sentence are not labelled.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.claims.extract import claims_in
from pipelines.claims.lexicon import ACTIONS, ClaimRules
from pipelines.errors import NewswatchError

Triple = tuple[str, str, str]


class LabelledSetError(NewswatchError):
    """A labelled file is missing or a line is not a labelled article (names file:line)."""


@dataclass(frozen=True, slots=True)
class LabelledArticle:
    id: str
    lang: str
    title: str
    text: str
    claims: frozenset[tuple[str, str]]


@dataclass(slots=True)
class LanguageScore:
    lang: str
    articles: int = 0
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positives + self.false_negatives
        return self.true_positives / wanted if wanted else 1.0


@dataclass(slots=True)
class EvalReport:
    languages: dict[str, LanguageScore] = field(default_factory=dict)
    total: LanguageScore = field(default_factory=lambda: LanguageScore("all"))
    false_positives: list[Triple] = field(default_factory=list)
    false_negatives: list[Triple] = field(default_factory=list)
    skipped: int = 0


def read_labelled(path: Path) -> tuple[list[LabelledArticle], int]:
    """The claim-labelled articles of a JSONL file, and how many lines had no claims label."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelledSetError(f"{path}: cannot read: {exc}") from exc
    out: list[LabelledArticle] = []
    skipped = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if "claims" not in row:
                skipped += 1
                continue
            pairs = frozenset((c["region"], c["action"]) for c in row["claims"])
            bad = [a for _, a in pairs if a not in ACTIONS]
            if bad:
                raise ValueError(f"unknown action {bad[0]!r} (one of {', '.join(ACTIONS)})")
            out.append(
                LabelledArticle(
                    str(row["id"]),
                    str(row.get("lang") or "?"),
                    row.get("title") or "",
                    row.get("text") or "",
                    pairs,
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise LabelledSetError(
                f"{path}:{number}: not a labelled article: {exc}\n"
                '  hint: {"id", "lang", "title", "text", "claims": [{"region", "action"}]}'
            ) from exc
    return out, skipped


def evaluate(
    articles: list[LabelledArticle], rules: ClaimRules, learned: bool = True
) -> EvalReport:
    """Scores of the reader (with claims.yaml's model unless not `learned`: the cues alone)."""
    report = EvalReport()
    for art in articles:
        found = {
            (c.region, c.action)
            for c in claims_in(art.title, art.text, art.lang, rules, learned=learned)
        }
        score = report.languages.setdefault(art.lang, LanguageScore(art.lang))
        for s in (score, report.total):
            s.articles += 1
            s.true_positives += len(found & art.claims)
            s.false_positives += len(found - art.claims)
            s.false_negatives += len(art.claims - found)
        report.false_positives += sorted((art.id, r, a) for r, a in found - art.claims)
        report.false_negatives += sorted((art.id, r, a) for r, a in art.claims - found)
    report.languages = dict(sorted(report.languages.items()))
    return report
