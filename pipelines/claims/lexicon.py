"""config/claims.yaml → a compiled lexicon of demand cues, validated with file:line errors.

Cue words are folded and stemmed with the rules' own text functions
(`pipelines.rules.text`), and region and actor names come from the rules' gazetteer
(`LoadedRules.entities` / `.groups`), so a claim and a rule see "Харківщину" the same way.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pipelines.claims.gate import (
    WHOLE,
    Gate,
    WordPattern,
    build_gate,
    cue_words,
    gate_entry,
    whole_phrase,
)
from pipelines.config import DEFAULT_CONFIG_DIR
from pipelines.errors import ConfigError
from pipelines.rules.loader import LoadedRules
from pipelines.rules.text import tokenize
from pipelines.yamlfile import node_at, parse, read_source, validate, where

if TYPE_CHECKING:
    from pipelines.claims.model import ClaimModel

Action = Literal["withdraw", "recognise", "seize_threat", "buffer_zone", "other"]
ACTIONS: tuple[Action, ...] = get_args(Action)
CueKind = Literal[
    "demand",
    "modal",
    "required",
    "could",
    "condition",
    "threat",
    "loss",
    "next",
    "withdraw",
    "recognise",
    "seize",
    "buffer_zone",
    "establish",
    "other",
    "sovereign",
    "retain",
    "four_regions",
    "five_regions",
    "includes",
    "four",
    "region_noun",
    "demand_object",
    "participle",
    "idiom",
    "call",
    "river",
    "anaphora",
    "pronoun",
    "first_person",
    "other_actors",
    "russian_party",
    "russian_forces",
    "negation",
    "question",
    "source",
    "reported",
    "intent",
    "analyst",
    "future",
    "explains",
    "continues",
    "say",
    "object_marker",
    "locative",
    "glue",
    "copula",
    "facility",
    "clause_break",
]
CUE_KINDS: tuple[str, ...] = get_args(CueKind)
ACTION_OF_CUE: dict[str, Action] = {
    "loss": "seize_threat",
    "next": "seize_threat",
    "withdraw": "withdraw",
    "recognise": "recognise",
    "seize": "seize_threat",
    "buffer_zone": "buffer_zone",
    "other": "other",
    "sovereign": "recognise",
    "retain": "recognise",
}


GOVERNING_KINDS = (
    *("demand", "modal", "threat", "establish", "could", "required", "condition", "call"),
    "future",
    *("loss", "next", "other", "sovereign", "retain"),
)
"""Cue kinds that can make an action word a demand (the last five are their own)."""


SHIPPED_CLAIMS = DEFAULT_CONFIG_DIR / "claims.yaml"
"""The shipped cue lexicon, used by a config directory that has no claims.yaml."""


class ClaimsError(ConfigError):
    """config/claims.yaml is missing, unreadable or invalid (message names file:line)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScopeSpec(_Strict):
    before_first_region: int = Field(default=10, ge=1, le=60)


class ModelSpec(_Strict):
    file: str = Field(min_length=1)
    """The weights: a file name beside claims.yaml, else in the shipped config directory
    (`newswatch demands train`)."""
    threshold: float | None = Field(default=None, gt=0, lt=1)
    """The probability a claim needs; the model file's own when not set."""

    @field_validator("file")
    @classmethod
    def _a_name(cls, value: str) -> str:
        if "/" in value or "\\" in value or value in (".", ".."):
            raise ValueError(
                f"{value!r}: give the model's file name, beside claims.yaml (or in the shipped "
                "config directory), not a path"
            )
        return value


class ClaimsFile(_Strict):
    topics: list[str] = Field(min_length=1)
    regions: str
    russian_actors: str
    four_regions: list[str] = Field(min_length=1)
    five_regions: list[str] = Field(default_factory=list)
    umbrella: dict[str, list[str]] = Field(default_factory=dict)
    region_forms: dict[str, list[str]] = Field(default_factory=dict)
    rivers: list[str] = Field(default_factory=list)
    scope: ScopeSpec = Field(default_factory=ScopeSpec)
    model: ModelSpec | None = None
    cues: dict[CueKind, dict[str, list[str]]]


@dataclass(frozen=True, slots=True)
class Cue:
    kind: str
    text: str
    words: tuple[WordPattern, ...]


@dataclass(frozen=True, slots=True)
class ClaimRules:
    """Everything the extractor needs, compiled once per process."""

    version: str
    topics: frozenset[str]
    regions: frozenset[str]
    russian_actors: frozenset[str]
    four_regions: tuple[str, ...]
    five_regions: tuple[str, ...]
    """What "the five regions" names: the four and Crimea."""
    five_cues: frozenset[str]
    """The `five_regions` cues: marks of kind "four_regions" that name `five_regions`."""
    umbrella: dict[str, frozenset[str]]
    before_first_region: int
    rivers: tuple[str, ...]
    """Folded starts of region forms that also name a river (Днепр): after a `river` word
    ("за Днепр", «через Дніпро») they are the river, not the region."""
    by_stem: dict[str, tuple[Cue, ...]]
    by_prefix: dict[str, tuple[Cue, ...]]
    prefix_lengths: tuple[int, ...]
    names: dict[str, tuple[tuple[tuple[str, ...], str], ...]]
    """first stem → ((stems of a name, entity id), …), longest names first."""
    gate: Gate
    """The first word of every region name, region form and "four regions" cue: a sentence
    without one is not read (see `extract.claims_in`)."""
    action_gate: Gate
    """The gate word of every action cue: nor is a sentence without one."""
    governor_gate: Gate
    """The gate word of every cue that can govern an action (demand, modal, threat, …)."""
    model: ClaimModel | None = None
    """The learned reader (`pipelines.claims.model`), when claims.yaml names one."""
    memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """Folded word → the cues and names that can start there (`sentence.word_info`)."""


def model_path(claims_file: Path, name: str) -> Path:
    """The model file beside claims.yaml, else the shipped one of that name (a config
    directory with a claims.yaml of its own reads the shipped model)."""
    own = claims_file.parent / name
    shipped = DEFAULT_CONFIG_DIR / name
    return shipped if not own.exists() and shipped.exists() else own


def claims_version_of(gazetteer_version: str, text: str, model_digest: str | None) -> str:
    """The claims version: of the gazetteer's, claims.yaml's text and the model's weights."""
    digest = hashlib.sha256(gazetteer_version.encode() + b"\0" + text.encode("utf-8"))
    if model_digest is not None:
        digest.update(b"\0" + model_digest.encode())
    return digest.hexdigest()[:16]


def claims_version(path: Path, gazetteer_version: str) -> str:
    """The version `load_claim_rules` gives claims.yaml (and the model it names) over a
    gazetteer of this version, from the files alone: the lexicon is not compiled, and the
    model file is hashed, not parsed. ClaimsError when a file cannot be read or parsed."""
    from pipelines.claims.model import weights_digest

    claims_file = Path(path)
    source = read_source(claims_file, ClaimsError)
    data, _ = parse(source, ClaimsError)
    model = data.get("model") if isinstance(data, dict) else None
    name = model.get("file") if isinstance(model, dict) else None
    digest = None
    if isinstance(name, str) and name:
        weights = model_path(claims_file, name)
        try:
            digest = weights_digest(weights.read_bytes())
        except OSError as exc:
            raise ClaimsError(f"cannot read the claims model {weights}: {exc}") from exc
    return claims_version_of(gazetteer_version, source.text, digest)


def load_claim_rules(path: Path, gazetteer: LoadedRules, with_model: bool = True) -> ClaimRules:
    """Read and check claims.yaml against the gazetteer; ClaimsError names file:line. Without
    `with_model`, the model it names is neither read nor part of the version: the cues alone
    (what training and `demands eval --cues-only` read)."""
    claims_file = Path(path)
    source = read_source(claims_file, ClaimsError)
    data, root = parse(source, ClaimsError)
    spec = validate(source, ClaimsFile, data, root, ClaimsError)

    known_topics = {t.id for t in gazetteer.topics}
    if path.resolve() == SHIPPED_CLAIMS.resolve():
        # The shipped lexicon is a default for the shipped topics: a config directory with
        # rules of its own (and no claims.yaml) reads claims only for the topics it shares.
        spec.topics = [t for t in spec.topics if t in known_topics]
        if not spec.topics:
            spec.regions = spec.russian_actors = ""
            spec.four_regions, spec.umbrella, spec.region_forms = [], {}, {}
            spec.five_regions = []

    def group(key: str, name: str) -> frozenset[str]:
        if not name:
            return frozenset()
        if name in gazetteer.groups:
            return frozenset(gazetteer.groups[name])
        if name in gazetteer.entities:
            return frozenset([name])
        raise ClaimsError(
            f"{where(source, node_at(root, (key,)))}: {key}: unknown group or entity {name!r}"
            f"\n  hint: use a group of entities.yaml ({', '.join(sorted(gazetteer.groups))})"
        )

    for i, topic in enumerate(spec.topics):
        if topic not in known_topics:
            raise ClaimsError(
                f"{where(source, node_at(root, ('topics', i)))}: topics: unknown topic "
                f"{topic!r}\n  hint: one of the topics of rules.yaml: "
                f"{', '.join(sorted(known_topics))}"
            )
    regions = group("regions", spec.regions)
    actors = group("russian_actors", spec.russian_actors)
    for key in ("four_regions", "five_regions"):
        for i, region in enumerate(getattr(spec, key)):
            if region not in regions:
                raise ClaimsError(
                    f"{where(source, node_at(root, (key, i)))}: {key}: "
                    f"{region!r} is not one of the regions ({spec.regions})"
                )
    for umbrella, parts in spec.umbrella.items():
        for name in (umbrella, *parts):
            if name not in regions:
                raise ClaimsError(
                    f"{where(source, node_at(root, ('umbrella', umbrella)))}: umbrella: "
                    f"{name!r} is not one of the regions ({spec.regions})"
                )
    for region in spec.region_forms:
        if region not in regions:
            raise ClaimsError(
                f"{where(source, node_at(root, ('region_forms', region)))}: region_forms: "
                f"{region!r} is not one of the regions ({spec.regions})"
            )
    missing = [k for k in CUE_KINDS if k not in spec.cues]
    if missing:
        raise ClaimsError(
            f"{where(source, node_at(root, ('cues',)))}: cues: missing {', '.join(missing)}"
        )
    by_stem: dict[str, list[Cue]] = defaultdict(list)
    by_prefix: dict[str, list[Cue]] = defaultdict(list)
    seen: set[tuple[str, tuple[WordPattern, ...]]] = set()
    entries_of = [
        (("cues", kind, lang), kind, entries)
        for kind, per_lang in spec.cues.items()
        for lang, entries in per_lang.items()
    ]
    entries_of += [(("region_forms", r), "region", forms) for r, forms in spec.region_forms.items()]
    for path, kind, entries in entries_of:
        for i, entry in enumerate(entries):
            words = cue_words(entry)
            if words is None:
                raise ClaimsError(
                    f"{where(source, node_at(root, (*path, i)))}: {'.'.join(path)}: {entry!r} "
                    "is not a word or phrase\n  hint: letters and digits, `*` only at the end "
                    "of a word"
                )
            if (kind, words) in seen:
                continue
            seen.add((kind, words))
            # a region form's label is its region: marks of kind "region" carry the entity id
            cue = Cue(kind, path[1] if kind == "region" else entry, words)
            if kind == "five_regions":  # read as "four regions" that name five
                cue = Cue("four_regions", entry, words)
            is_prefix, first = words[0]
            (by_prefix if is_prefix else by_stem)[first].append(cue)
    names: dict[str, list[tuple[tuple[str, ...], str]]] = defaultdict(list)
    for entity_id in sorted(regions | actors):
        for alias in gazetteer.entities[entity_id].aliases:
            stems = tuple(t.stem for t in tokenize(alias))
            if stems:
                names[stems[0]].append((stems, entity_id))
    # A region name or form is gated on its first word, a "four regions" or "those
    # territories" phrase on the whole phrase.
    region_words = [
        alias.split()[0] for r in regions for alias in gazetteer.entities[r].aliases if alias
    ]
    region_words += [form.split()[0] for forms in spec.region_forms.values() for form in forms]
    region_words += [  # whole phrases: "new regions", not every "new"
        e
        for kind in ("four_regions", "five_regions", "four", "anaphora")
        for cues in spec.cues[kind].values()
        for e in cues
    ]

    def cues_of_kinds(kinds: Iterable[str]) -> list[str]:
        return [e for k in kinds for cues in spec.cues[k].values() for e in cues]

    gate = build_gate(region_words, names=True)
    action_gate = build_gate(
        [
            *map(gate_entry, cues_of_kinds([k for k in ACTION_OF_CUE if k not in WHOLE])),
            *map(
                whole_phrase,
                cues_of_kinds(["demand_object", "explains", *(set(WHOLE) & set(ACTION_OF_CUE))]),
            ),
        ]
    )
    governor_gate = build_gate(
        [
            *map(gate_entry, cues_of_kinds([k for k in GOVERNING_KINDS if k not in WHOLE])),
            *map(whole_phrase, cues_of_kinds([k for k in WHOLE if k in GOVERNING_KINDS])),
        ]
    )
    model = None
    if spec.model is not None and with_model:
        from pipelines.claims.model import ClaimModelError, load_model

        try:
            model = load_model(
                model_path(claims_file, spec.model.file), spec.model.threshold, spec.model.file
            )
        except ClaimModelError as exc:
            raise ClaimsError(f"{where(source, node_at(root, ('model', 'file')))}: {exc}") from exc
    return ClaimRules(
        version=claims_version_of(
            gazetteer.version, source.text, model.digest if model is not None else None
        ),
        topics=frozenset(spec.topics),
        regions=regions,
        russian_actors=actors,
        four_regions=tuple(spec.four_regions),
        five_regions=tuple(spec.five_regions),
        five_cues=frozenset(e for cues in spec.cues["five_regions"].values() for e in cues),
        umbrella={k: frozenset(v) for k, v in spec.umbrella.items()},
        before_first_region=spec.scope.before_first_region,
        rivers=tuple(t.folded for r in spec.rivers for t in tokenize(r)),
        by_stem={k: tuple(v) for k, v in by_stem.items()},
        by_prefix={k: tuple(v) for k, v in by_prefix.items()},
        prefix_lengths=tuple(sorted({len(k) for k in by_prefix})),
        names={k: tuple(sorted(v, key=lambda n: -len(n[0]))) for k, v in names.items()},
        gate=gate,
        action_gate=action_gate,
        governor_gate=governor_gate,
        model=model,
    )
