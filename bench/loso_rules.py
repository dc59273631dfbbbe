"""Leave-one-set-out: how the shipped rules, and rules plus the second-opinion model, do on
each labelled set when that set is left out of the model's training.

python -m bench.loso_rules [--margin 0.3] [--json]

The rules themselves are hand-written, so their figure on a set is the same with or without
the others; what leave-one-set-out measures is the model (trained on every other set) and
whether it beats the rules alone on a set it has never seen. dev3.jsonl and dev4.jsonl count
as two sets each, their `tune` and `test` halves.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bench.second_opinion import decide, features, summary, train
from pipelines.config import DEFAULT_CONFIG_DIR
from pipelines.rules import load_ruleset
from pipelines.rules.evaluate import fired, predict

LABELLED = Path(__file__).resolve().parent.parent / "tests" / "data" / "labelled"
SETS = ["articles", "heldout", "independent", "fresh", "dev22", "blind", "long3", "dev5"]
TOPICS = ["istanbul_talks", "territorial_demands"]


def load_sets() -> dict[str, list[dict[str, Any]]]:
    out = {name: _read(LABELLED / f"{name}.jsonl") for name in SETS}
    dev3 = _read(LABELLED / "dev3.jsonl")
    out["dev3-tune"] = [r for r in dev3 if r.get("split") == "tune"]
    out["dev3-test"] = [r for r in dev3 if r.get("split") == "test"]
    dev4 = _read(LABELLED / "dev4.jsonl")
    out["dev4-tune"] = [r for r in dev4 if r.get("split") == "tune"]
    out["dev4-test"] = [r for r in dev4 if r.get("split") == "test"]
    return out


def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _prf(pairs: list[tuple[bool, bool]]) -> dict[str, float]:
    tp = sum(1 for p, y in pairs if p and y)
    fp = sum(1 for p, y in pairs if p and not y)
    fn = sum(1 for p, y in pairs if not p and y)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3)}


def run(margin: float) -> dict[str, Any]:
    ruleset = load_ruleset(DEFAULT_CONFIG_DIR / "rules.yaml", DEFAULT_CONFIG_DIR / "entities.yaml")
    sets = load_sets()
    predictions = {
        name: [(rec, predict(ruleset, rec)) for rec in rows] for name, rows in sets.items()
    }
    report: dict[str, Any] = {}
    for held in sets:
        report[held] = {}
        for topic in TOPICS:
            examples = [
                (
                    pred.get(topic),
                    str(rec.get("title") or ""),
                    str(rec.get("text") or ""),
                    topic in rec.get("labels", []),
                )
                for name, rows in predictions.items()
                if name != held
                for rec, pred in rows
            ]
            model = train(topic, examples)
            rules_pairs, model_pairs, decisions = [], [], []
            for rec, pred in predictions[held]:
                label = topic in rec.get("labels", [])
                hit = pred.get(topic)
                x = features(topic, hit, str(rec.get("title") or ""), str(rec.get("text") or ""))
                d = decide(model, fired(pred, topic), hit, x, margin)
                rules_pairs.append((d.rules, label))
                model_pairs.append((d.final, label))
                decisions.append((d, label))
            report[held][topic] = {
                "rules": _prf(rules_pairs),
                "rules+model": _prf(model_pairs),
                **summary(decisions),
            }
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--margin", type=float, default=0.3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = run(args.margin)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{'held-out set':<12} {'topic':<20} {'rules P/R/F1':<20} {'+model P/R/F1':<20} changed")
    for held, topics in report.items():
        for topic, m in topics.items():
            r, mm = m["rules"], m["rules+model"]
            print(
                f"{held:<12} {topic:<20} "
                f"{r['precision']:.3f}/{r['recall']:.3f}/{r['f1']:.3f}   "
                f"{mm['precision']:.3f}/{mm['recall']:.3f}/{mm['f1']:.3f}   "
                f"{m['changed']} ({m['right']} right)"
            )


if __name__ == "__main__":
    main()
