"""An experiment, not part of matching: a second opinion on borderline rule decisions, a
small logistic regression per topic over the rules' own evidence (which rules matched,
points, salience, where the evidence sits, why a topic was suppressed) and hashed stem
unigrams and bigrams of the article.

It is an experiment measured by leave-one-set-out (`bench/loso_rules.py`): trained on every
labelled set but one and scored on the one left out, beside the rules alone. It only ever
changes a *borderline* decision, one where a rule of the topic matched but the decision was
close (suppressed by salience or threshold, or fired with salience below 1), and only when the
model is confident the other way; an article no rule matched is never added, and a clear rule
decision is never overturned. Pure Python, no numeric libraries: the labelled sets are small.

Measured, it does not beat the rules alone on held-out sets (docs/RULES.md), so the matcher
does not use it; it stays here so the measurement can be repeated when the sets grow.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipelines.rules.matcher import TopicHit
from pipelines.rules.text import tokenize

BUCKETS = 1 << 14
"""Hashed n-gram feature space (collisions are harmless at this data size)."""


def _bucket(name: str) -> int:
    return zlib.crc32(name.encode("utf-8")) % BUCKETS


def features(topic: str, hit: TopicHit | None, title: str, text: str) -> dict[int, float]:
    """Sparse features of one article for one topic: rule evidence plus n-grams."""
    out: dict[int, float] = {}

    def add(name: str, value: float = 1.0) -> None:
        key = _bucket(name)
        out[key] = out.get(key, 0.0) + value

    if hit is None:
        add("rule:none")
    else:
        ev = hit.evidence
        score = ev.get("score", {})
        for rule in ev.get("rules", [hit.rule]):
            add(f"rule:{rule}")
        add("rule:salience", float(score.get("salience", 0.0)))
        add("rule:points", math.log1p(float(score.get("points", 0.0))))
        add("rule:in_title", float(bool(score.get("in_title"))))
        add("rule:in_lead", float(bool(score.get("in_lead"))))
        suppressed = str(ev.get("suppressed") or "")
        add("rule:suppressed:" + (suppressed.split(" ")[0] if suppressed else "no"))
    stems = [t.stem for t in tokenize(f"{title}\n{text}")]
    seen: set[str] = set()
    for i, s in enumerate(stems):
        seen.add(f"u:{s}")
        if i:
            seen.add(f"b:{stems[i - 1]} {s}")
    scale = 1.0 / math.sqrt(len(seen) or 1)
    for name in seen:
        add(name, scale)
    return out


@dataclass
class LogisticModel:
    """L2-regularised logistic regression trained by plain gradient descent."""

    weights: dict[int, float] = field(default_factory=dict)
    bias: float = 0.0

    def probability(self, x: dict[int, float]) -> float:
        z = self.bias + sum(self.weights.get(k, 0.0) * v for k, v in x.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    @classmethod
    def fit(
        cls,
        rows: Sequence[dict[int, float]],
        labels: Sequence[bool],
        epochs: int = 60,
        rate: float = 0.5,
        l2: float = 1e-3,
    ) -> LogisticModel:
        model = cls()
        n = len(rows) or 1
        for _ in range(epochs):
            grad: dict[int, float] = {}
            gbias = 0.0
            for x, y in zip(rows, labels, strict=True):
                err = model.probability(x) - (1.0 if y else 0.0)
                gbias += err
                for k, v in x.items():
                    grad[k] = grad.get(k, 0.0) + err * v
            model.bias -= rate * gbias / n
            for k in set(grad) | set(model.weights):
                w = model.weights.get(k, 0.0)
                model.weights[k] = w - rate * (grad.get(k, 0.0) / n + l2 * w)
        return model


def borderline(hit: TopicHit | None) -> bool:
    """A rule matched and the decision was close: suppressed by salience or threshold (not by
    an exclusion), or fired on evidence that is not fully salient."""
    if hit is None:
        return False
    suppressed = str(hit.evidence.get("suppressed") or "")
    if suppressed:
        return not suppressed.startswith("excluded")
    return float(hit.evidence.get("score", {}).get("salience", 1.0)) < 1.0


@dataclass(frozen=True)
class Decision:
    """The rules' decision, the model's probability and the final decision, for evidence."""

    rules: bool
    probability: float
    final: bool

    @property
    def changed(self) -> bool:
        return self.rules != self.final


def decide(
    model: LogisticModel,
    rules_fired: bool,
    hit: TopicHit | None,
    x: dict[int, float],
    margin: float,
) -> Decision:
    """Overturn a borderline rule decision only when the model is at least `margin` away from
    0.5 on the other side."""
    p = model.probability(x)
    final = rules_fired
    if borderline(hit):
        if rules_fired and p < 0.5 - margin:
            final = False
        elif not rules_fired and p > 0.5 + margin:
            final = True
    return Decision(rules_fired, p, final)


def train(topic: str, examples: Iterable[tuple[TopicHit | None, str, str, bool]]) -> LogisticModel:
    """`examples`: (the topic's hit or None, title, text, labelled with the topic)."""
    rows, labels = [], []
    for hit, title, text, label in examples:
        rows.append(features(topic, hit, title, text))
        labels.append(label)
    return LogisticModel.fit(rows, labels)


def summary(decisions: Iterable[tuple[Decision, bool]]) -> dict[str, Any]:
    """How many decisions the model changed, and how many of those were right."""
    changed = [(d, y) for d, y in decisions if d.changed]
    return {"changed": len(changed), "right": sum(1 for d, y in changed if d.final == y)}
