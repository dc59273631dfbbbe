"""A learned second reader of demand claims, trained on the labelled sets (docs/DEMANDS.md
"The learned reader").

The cue reader (`extract.claims_in`) finds a claim only where a sentence says it in a way
claims.yaml spells out; on text nobody tuned it on it finds about six claims in ten. This
reader scores every (sentence, region) of an article with a linear model per action
(logistic regression over the sentence's stems, the cues and their place around the region,
the cues of the sentences either side, and what the cue reader found there), and an
article's (region, action) is claimed when its best sentence scores at least the model's
threshold. Claims of the cue reader are kept; the model adds those it is sure of.

The weights are data (config/claims_model.json, written by `newswatch demands train`); they
are read with the standard library and scored in pure Python, so a run needs no
machine-learning package.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pipelines.claims.lexicon import ACTIONS, ClaimRules
from pipelines.claims.scope import item_regions
from pipelines.claims.sentence import Field, Sentence
from pipelines.errors import ConfigError
from pipelines.language import primary_language
from pipelines.models import DemandClaim

FORMAT = 1
DEFAULT_C = 0.3
"""The regularisation `newswatch demands train` fits with (inverse strength)."""
DEFAULT_THRESHOLD = 0.65
"""The threshold chosen on blind4 with a model trained without it (docs/DEMANDS.md)."""
_NEAR = 6
"""Words either side of a region whose stems are features of their own."""


class ClaimModelError(ConfigError):
    """The claims model file is missing, unreadable or not a model of this version."""


@dataclass(frozen=True, slots=True)
class ClaimModel:
    """Per-feature weights for each action of `ACTIONS`, with the intercepts and the
    probability a (region, action) needs to be claimed."""

    threshold: float
    intercepts: tuple[float, ...]
    weights: dict[str, tuple[float, ...]]
    trained_on: tuple[str, ...]
    digest: str
    name: str
    """The `file:` of claims.yaml that named it."""
    path: Path
    stamp: int
    """The file's modification time when read: a process that keeps the model reads it
    again once the file changes (`pipelines.claims.cached_claim_rules`)."""

    def totals(self, features: Iterable[str]) -> list[float]:
        """The sum of the features' weights per action (each feature once)."""
        found = [w for w in map(self.weights.get, features) if w is not None]
        return [sum(col) for col in zip(*found, strict=True)] if found else [0.0] * len(ACTIONS)

    def probabilities(self, features: Iterable[str]) -> list[float]:
        """The probability of each action for a (sentence, region) of these features."""
        totals = self.totals(set(features))
        return [_sigmoid(t + b) for t, b in zip(totals, self.intercepts, strict=True)]

    def strongest(self, features: Iterable[str], action: int, n: int = 3) -> list[str]:
        """The features that pushed `action` up most: the model's reasons."""
        found = [(self.weights[f][action], f) for f in features if f in self.weights]
        return [f for w, f in sorted(found, reverse=True)[:n] if w > 0]


def _sigmoid(t: float) -> float:
    return 1.0 / (1.0 + math.exp(-min(max(t, -30.0), 30.0)))


def load_model(path: Path, threshold: float | None = None, name: str = "") -> ClaimModel:
    """The model of a file (`threshold`, from claims.yaml, overrides the file's own);
    ClaimModelError says what is wrong with it."""
    hint = "\n  hint: write one with `newswatch demands train`, or remove `model:` from claims.yaml"
    try:
        stamp = os.stat(path).st_mtime_ns
        raw = Path(path).read_bytes()
        data = json.loads(raw)
    except OSError as exc:
        raise ClaimModelError(
            f"cannot read the claims model {path}: {exc.strerror or exc}{hint}"
        ) from exc
    except ValueError as exc:
        raise ClaimModelError(f"{path}: not a claims model (not JSON: {exc}){hint}") from exc
    try:
        weights, intercepts, chosen = _parsed(data, threshold)
    except ValueError as exc:
        raise ClaimModelError(
            f"{path}: not a claims model of format {FORMAT}: {exc}{hint}"
        ) from exc
    return ClaimModel(
        chosen,
        intercepts,
        weights,
        tuple(map(str, data.get("trained_on", ()))),
        weights_digest(raw),
        name or Path(path).name,
        Path(path),
        stamp,
    )


def weights_digest(raw: bytes) -> str:
    """What a model file adds to the claims version: the hash of its bytes."""
    return hashlib.sha256(raw).hexdigest()[:16]


def _parsed(
    data: object, threshold: float | None
) -> tuple[dict[str, tuple[float, ...]], tuple[float, ...], float]:
    """The weights, intercepts and threshold of a model file's JSON; ValueError says what is
    missing or wrong."""
    if not isinstance(data, dict):
        raise ValueError(f"a JSON object is expected, not {type(data).__name__}")
    missing = [
        k for k in ("format", "actions", "threshold", "intercepts", "weights") if k not in data
    ]
    if missing:
        raise ValueError(f"missing {', '.join(map(repr, missing))}")
    if data["format"] != FORMAT:
        raise ValueError(f"format {data['format']!r}")
    if data["actions"] != list(ACTIONS):
        raise ValueError(f"actions {data['actions']!r}, not {list(ACTIONS)!r}")

    def numbers(value: object, what: str) -> tuple[float, ...]:
        if not isinstance(value, list) or len(value) != len(ACTIONS):
            raise ValueError(f"{what}: a list of {len(ACTIONS)} numbers (one per action)")
        out = tuple(float(x) for x in value if isinstance(x, int | float))
        if len(out) != len(ACTIONS) or not all(map(math.isfinite, out)):
            raise ValueError(f"{what}: a list of {len(ACTIONS)} finite numbers")
        return out

    if not isinstance(data["weights"], dict):
        raise ValueError("weights: an object of feature -> weights")
    weights = {str(k): numbers(v, f"weights[{k!r}]") for k, v in data["weights"].items()}
    intercepts = numbers(data["intercepts"], "intercepts")
    chosen = data["threshold"] if threshold is None else threshold
    if not isinstance(chosen, int | float) or not 0 < chosen < 1:
        raise ValueError(f"threshold {chosen!r}: a probability between 0 and 1")
    return weights, intercepts, float(chosen)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A region named in a sentence, with the features the model scores."""

    sentence: Sentence
    region: str
    features: list[str]


def _kinds(s: Sentence | None) -> set[str]:
    return set() if s is None else {m.kind for m in s.marks if m.kind != "region"}


def _regions(s: Sentence, rules: ClaimRules) -> dict[str, list[tuple[int, int]]]:
    """The regions the sentence names, read as the cue reader reads them (`item_regions`):
    "the four regions", as a cue or as the gazetteer's entity, names the four."""
    out: dict[str, list[tuple[int, int]]] = {}
    for m in s.marks:
        if m.kind in ("region", "four_regions"):
            for r in item_regions(m, rules, []):
                out.setdefault(r, []).append((m.first, m.last))
    return out


def _region_sentences(field: Field) -> list[Sentence]:
    """The sentences of a field that can name a region (the claims' region gate, as the cue
    reader found it: `Field.region_hits`)."""
    low, hits = field.region_hits()
    if not low:
        return field.all()
    found: dict[int, Sentence] = {}
    for at in hits:
        s = field.at(at)
        if s is not None:
            found.setdefault(s.start, s)
    return [found[k] for k in sorted(found)]


def _sentences(
    fields: list[Field], lang: str | None, rules: ClaimRules, found: list[DemandClaim]
) -> Iterator[tuple[Sentence, set[str], list[tuple[str, set[str]]]]]:
    """Each sentence that names a region: the features all its regions share, and each
    region with the features of its own (`found`: the cue reader's claims). The language is
    the code's primary subtag, or a guess from the letters when the article has none: the
    model knows en, uk and ru, as its training sets label them."""
    by_sentence: dict[tuple[str, int, str], set[str]] = {}
    in_article: dict[str, set[str]] = {}
    for c in found:
        by_sentence.setdefault((c.field, c.start, c.region), set()).add(c.action)
        in_article.setdefault(c.region, set()).add(c.action)
    lang = primary_language(lang, fields[-1].text if fields else "")
    for field in fields:
        for s in _region_sentences(field):
            regions = _regions(s, rules)
            if not regions:
                continue
            paragraph = field.sentences(s.paragraph)
            before = field.before(s)
            after = paragraph[s.index + 1] if s.index + 1 < len(paragraph) else None
            stems = s.words.stem
            own = [m for m in s.marks if m.kind != "region"]
            kinds = {m.kind for m in own}
            base = {f"lang:{lang}", f"field:{field.name}", f"nreg:{min(len(regions), 5)}"}
            base.update(f"w:{x}" for x in stems)
            base.update(f"c:{k}" for k in kinds)
            base.update(f"cl:{m.kind}:{m.label}" for m in own)
            base.update(f"p:{k}" for k in _kinds(before))
            base.update(f"x:{k}" for k in _kinds(after))
            base.update(f"cl_lang:{lang}:{k}" for k in kinds)
            if found:
                base.add("art_has_rule")
            each: list[tuple[str, set[str]]] = []
            for region, spans in regions.items():
                near: set[str] = set()
                for a, b in spans:
                    near.update(f"nl:{x}" for x in stems[max(0, a - _NEAR) : a])
                    near.update(f"nr:{x}" for x in stems[b + 1 : b + 1 + _NEAR])
                    for m in own:
                        where = "before" if m.last < a else "after" if m.first > b else "on"
                        near.add(f"rel:{where}:{m.kind}")
                near.update(f"rule:{a}" for a in by_sentence.get((field.name, s.start, region), ()))
                near.update(f"arule:{a}" for a in in_article.get(region, ()))
                each.append((region, near))
            yield s, base, each


def candidates(
    fields: list[Field], lang: str | None, rules: ClaimRules, found: list[DemandClaim]
) -> Iterator[Candidate]:
    """Every (sentence, region) of the fields, with its features (what training reads)."""
    for s, base, each in _sentences(fields, lang, rules, found):
        for region, own in each:
            yield Candidate(s, region, sorted(base | own))


def model_claims(
    fields: list[Field],
    lang: str | None,
    rules: ClaimRules,
    model: ClaimModel,
    found: list[DemandClaim],
) -> list[DemandClaim]:
    """The (region, action) pairs the model is sure of that the cue reader did not find,
    each read off its best sentence. A sentence's shared features are summed once for all
    the regions it names."""
    have = {(c.region, c.action) for c in found}
    best: dict[tuple[str, int], tuple[float, Sentence, set[str]]] = {}
    for s, base, each in _sentences(fields, lang, rules, found):
        shared = [t + b for t, b in zip(model.totals(base), model.intercepts, strict=True)]
        for region, own in each:
            totals = [a + b for a, b in zip(shared, model.totals(own), strict=True)]
            for k, p in enumerate(map(_sigmoid, totals)):
                if p >= model.threshold and (region, ACTIONS[k]) not in have:
                    key = (region, k)
                    if key not in best or p > best[key][0]:
                        best[key] = (p, s, base | own)
    out: list[DemandClaim] = []
    for (region, k), (p, s, features) in best.items():
        reasons = ", ".join(model.strongest(features, k))
        out.append(
            DemandClaim(
                region=region,
                action=ACTIONS[k],
                actor=_actor(s, region, found, rules),
                sentence=s.text[s.start : s.end],
                start=s.start,
                end=s.end,
                lang=lang,
                rules_version=rules.version,
                field=s.field.name,
                cue=f"model {p:.2f}: {reasons}",
            )
        )
    return sorted(out, key=lambda c: (c.field != "title", c.start, c.region, c.action))


def _actor(s: Sentence, region: str, found: list[DemandClaim], rules: ClaimRules) -> str:
    """Who made the demand: the cue reader's actor for the region, else a Russian actor
    named in the sentence (the one nearest before the region first), else the state."""
    for c in found:
        if c.region == region and c.actor != "russia":
            return c.actor
    actors = [(m.first, m.label) for m in s.marks if m.kind == "actor"]
    actors = [(i, a) for i, a in actors if a in rules.russian_actors]
    if not actors:
        return "russia"
    first_region = min(
        (m.first for m in s.marks if m.kind == "region" and m.label == region), default=0
    )
    i = bisect_right([i for i, _ in actors], first_region) - 1
    return actors[max(i, 0)][1]
