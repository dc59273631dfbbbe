"""Precision, recall and F1 of a rule set on labelled articles, per topic and per rule, with
the errors and their evidence, and which articles change label between two rule sets."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from pipelines.rules.matcher import TopicHit


class _Matches(Protocol):
    def match(
        self,
        title: str,
        text: str,
        lang: str | None = None,
        published: date | datetime | None = None,
        keep_suppressed: bool = False,
    ) -> list[TopicHit]: ...


def _ratio(a: int, b: int) -> float:
    return a / b if b else 1.0


def published_of(record: dict[str, Any]) -> date | None:
    """The record's publication date from `published` or `published_at` (ISO date or
    date-time); None when absent or unreadable."""
    value = record.get("published") or record.get("published_at")
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def predict(ruleset: _Matches, record: dict[str, Any]) -> dict[str, TopicHit]:
    """Every topic a rule matched for the record, fired or suppressed (see
    TopicHit.evidence["suppressed"])."""
    hits = ruleset.match(
        str(record.get("title") or ""),
        str(record.get("text") or ""),
        record.get("lang"),
        published_of(record),
        keep_suppressed=True,
    )
    return {h.topic: h for h in hits}


def fired(prediction: dict[str, TopicHit], topic: str) -> bool:
    hit = prediction.get(topic)
    return hit is not None and not hit.evidence.get("suppressed")


def _why(hit: TopicHit) -> dict[str, Any]:
    return {
        "rule": hit.rule,
        "rules": hit.evidence.get("rules", [hit.rule]),
        "score": hit.evidence.get("score", {}),
        "suppressed": hit.evidence.get("suppressed", ""),
        "terms": sorted({f"{h['term']} ← {h['query']}" for h in hit.evidence["hits"]}),
        "snippet": hit.evidence["snippet"],
    }


def evaluate(
    ruleset: _Matches, records: Iterable[dict[str, Any]], topics: list[str] | None = None
) -> dict[str, Any]:
    """`records` carry id, title, text, lang, labels (a list of topic ids) and optionally
    published. Per topic: P/R/F1, misses (with the evidence of a rule that matched but was
    suppressed, if any) and false alarms with their evidence; per rule: how often it was among
    the rules of a fired topic and how often that topic was labelled."""
    rows = list(records)
    predictions = [predict(ruleset, rec) for rec in rows]
    all_topics = topics or sorted(
        {t for rec in rows for t in rec.get("labels", [])}
        | {t for p in predictions for t in p if fired(p, t)}
    )
    report: dict[str, Any] = {"articles": len(rows), "topics": {}, "rules": {}}
    per_rule: dict[str, list[int]] = {}
    for topic in all_topics:
        tp = fp = fn = 0
        misses, false_alarms = [], []
        for rec, pred in zip(rows, predictions, strict=True):
            labelled, predicted = topic in rec.get("labels", []), fired(pred, topic)
            if predicted:
                for rule in pred[topic].evidence.get("rules", [pred[topic].rule]):
                    counts = per_rule.setdefault(rule, [0, 0])
                    counts[0] += 1
                    counts[1] += labelled
            if labelled and predicted:
                tp += 1
            elif predicted:
                fp += 1
                false_alarms.append(
                    {"id": rec["id"], "title": rec.get("title", ""), **_why(pred[topic])}
                )
            elif labelled:
                fn += 1
                miss: dict[str, Any] = {"id": rec["id"], "title": rec.get("title", "")}
                if topic in pred:
                    miss.update(_why(pred[topic]))
                misses.append(miss)
        precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        report["topics"][topic] = {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "misses": misses,
            "false_alarms": false_alarms,
        }
    for rule, (times, right) in sorted(per_rule.items()):
        report["rules"][rule] = {
            "fired": times,
            "correct": right,
            "precision": _ratio(right, times),
        }
    return report


@dataclass(frozen=True, slots=True)
class LabelChange:
    """An article whose predicted topics differ between two rule sets."""

    id: str
    title: str
    topic: str
    before: bool
    after: bool
    labelled: bool | None

    @property
    def better(self) -> bool | None:
        """True when the change agrees with the label, None for unlabelled articles."""
        return None if self.labelled is None else self.after == self.labelled


def diff(before: _Matches, after: _Matches, records: Sequence[dict[str, Any]]) -> list[LabelChange]:
    """Per article and topic, where `before` and `after` disagree on whether it fires."""
    out = []
    for rec in records:
        old, new = predict(before, rec), predict(after, rec)
        topics = sorted({t for t in old if fired(old, t)} | {t for t in new if fired(new, t)})
        for topic in topics:
            if fired(old, topic) != fired(new, topic):
                labels = rec.get("labels")
                out.append(
                    LabelChange(
                        str(rec["id"]),
                        str(rec.get("title") or ""),
                        topic,
                        fired(old, topic),
                        fired(new, topic),
                        None if labels is None else topic in labels,
                    )
                )
    return out
