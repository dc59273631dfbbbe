"""Precision, recall and F1 of a rule set on labelled articles, with the errors listed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from pipelines.rules.matcher import TopicHit


class _Matches(Protocol):
    def match(self, title: str, text: str, lang: str | None = None) -> list[TopicHit]: ...


def _ratio(a: int, b: int) -> float:
    return a / b if b else 1.0


def evaluate(
    ruleset: _Matches, records: Iterable[dict[str, Any]], topics: list[str] | None = None
) -> dict[str, Any]:
    """`records` carry id, title, text, lang and labels (a list of topic ids)."""
    rows = list(records)
    predictions = []
    for rec in rows:
        hits = ruleset.match(
            str(rec.get("title") or ""), str(rec.get("text") or ""), rec.get("lang")
        )
        predictions.append({h.topic: h for h in hits})
    all_topics = topics or sorted(
        {t for rec in rows for t in rec.get("labels", [])} | {t for p in predictions for t in p}
    )
    report: dict[str, Any] = {"articles": len(rows), "topics": {}}
    for topic in all_topics:
        tp = fp = fn = 0
        misses, false_alarms = [], []
        for rec, pred in zip(rows, predictions, strict=True):
            labelled, predicted = topic in rec.get("labels", []), topic in pred
            if labelled and predicted:
                tp += 1
            elif predicted:
                fp += 1
                hit = pred[topic]
                false_alarms.append(
                    {
                        "id": rec["id"],
                        "title": rec.get("title", ""),
                        "rule": hit.rule,
                        "snippet": hit.evidence["snippet"],
                    }
                )
            elif labelled:
                fn += 1
                misses.append({"id": rec["id"], "title": rec.get("title", "")})
        precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        report["topics"][topic] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "misses": misses,
            "false_alarms": false_alarms,
        }
    return report
