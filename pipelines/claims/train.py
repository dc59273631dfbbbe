"""Training the learned claims reader (`pipelines.claims.model`) on labelled sets.

Labels are per article ((region, action) pairs), the model scores sentences: every
(sentence, region) of an article is an example of each action the article claims for that
region (multiple-instance learning read the simple way: an article's claim is the best of
its sentences). One L2-regularised logistic regression per action (scikit-learn, the
`train` extra: a run only reads the weights). The features are the ones the reader computes
at run time, over the cue reader's own claims without the model, so the model learns where
the cues are right and where they fall short.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.claims.evaluate import LabelledArticle
from pipelines.claims.extract import claims_in
from pipelines.claims.lexicon import ACTIONS, ClaimRules
from pipelines.claims.model import DEFAULT_C, DEFAULT_THRESHOLD, FORMAT, candidates
from pipelines.claims.sentence import Field
from pipelines.errors import NewswatchError

MIN_COUNT = 2
"""A feature seen in fewer training examples than this is not learned (it is noise)."""


class TrainingError(NewswatchError):
    """The model cannot be trained (no scikit-learn, or nothing to learn from)."""


@dataclass(frozen=True, slots=True)
class TrainingReport:
    articles: int
    examples: int
    features: int
    positives: dict[str, int]


def require_scikit_learn() -> None:
    """TrainingError, saying how to get it, unless scikit-learn and scipy can be imported."""
    try:
        import scipy.sparse  # noqa: F401
        import sklearn.linear_model  # noqa: F401
    except ImportError as exc:
        raise TrainingError(
            f"training needs scikit-learn ({exc.name} is not installed)\n"
            "  hint: pip install 'newswatch[train]'; or, in a checkout, `make train-libs` and "
            "PYTHONPATH=.venv/train-libs (keeps numpy, which pyarrow imports when it is "
            "installed, out of every run)"
        ) from exc


def examples(
    articles: list[LabelledArticle], rules: ClaimRules
) -> tuple[list[list[str]], list[tuple[int, ...]]]:
    """The features and labels (one 0/1 per action) of every (sentence, region)."""
    rows: list[list[str]] = []
    labels: list[tuple[int, ...]] = []
    for art in articles:
        found = claims_in(art.title, art.text, art.lang, rules, learned=False)
        fields = [Field("title", art.title, rules), Field("text", art.text, rules)]
        for cand in candidates(fields, art.lang, rules, found):
            rows.append(cand.features)
            labels.append(tuple(int((cand.region, a) in art.claims) for a in ACTIONS))
    return rows, labels


def train(
    articles: list[LabelledArticle],
    rules: ClaimRules,
    sources: list[str],
    c: float = DEFAULT_C,
    threshold: float = DEFAULT_THRESHOLD,
) -> tuple[dict[str, Any], TrainingReport]:
    """The model file's content, trained on `articles` (named by `sources`)."""
    require_scikit_learn()
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    rows, labels = examples(articles, rules)
    counts = Counter(f for row in rows for f in set(row))
    kept_names = sorted(f for f, n in counts.items() if n >= MIN_COUNT)
    vocabulary = {f: i for i, f in enumerate(kept_names)}
    if not rows or not vocabulary:
        raise TrainingError("no region is named in the labelled articles: nothing to learn")
    indices = [sorted({vocabulary[f] for f in row if f in vocabulary}) for row in rows]
    matrix = csr_matrix(
        ([1.0] * sum(map(len, indices)), [i for row in indices for i in row], _offsets(indices)),
        shape=(len(rows), len(vocabulary)),
    )
    names = sorted(vocabulary, key=vocabulary.__getitem__)
    weights: dict[str, list[float]] = {f: [0.0] * len(ACTIONS) for f in names}
    intercepts: list[float] = []
    for k in range(len(ACTIONS)):
        y = [row[k] for row in labels]
        if not any(y):  # an action nobody labelled is never claimed
            intercepts.append(-30.0)
            continue
        fit = LogisticRegression(C=c, max_iter=5000).fit(matrix, y)
        intercepts.append(round(float(fit.intercept_[0]), 4))
        for f, w in zip(names, fit.coef_[0], strict=True):
            weights[f][k] = round(float(w), 4)
    kept = {f: w for f, w in weights.items() if any(w)}
    model = {
        "format": FORMAT,
        "actions": list(ACTIONS),
        "threshold": threshold,
        "c": c,
        "trained_on": sources,
        "intercepts": intercepts,
        "weights": kept,
    }
    positives: dict[str, int] = {a: sum(row[k] for row in labels) for k, a in enumerate(ACTIONS)}
    return model, TrainingReport(len(articles), len(rows), len(kept), positives)


def _offsets(indices: list[list[int]]) -> list[int]:
    out = [0]
    for row in indices:
        out.append(out[-1] + len(row))
    return out


def write_model(path: Path, model: dict[str, Any]) -> None:
    """One feature per line, sorted: a retrained model's diff shows what changed. Written
    beside and renamed into place."""
    lines = [
        f"  {json.dumps(f, ensure_ascii=False)}: {json.dumps(w)}"
        for f, w in model["weights"].items()
    ]
    head = {k: v for k, v in model.items() if k != "weights"}
    text = json.dumps(head, ensure_ascii=False, indent=1)[:-2]
    text += ',\n "weights": {\n' + ",\n".join(lines) + "\n }\n}\n"
    path = Path(path)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)  # a monitor reading it sees the old model or the new, whole
