"""Compile every rule once into two Aho-Corasick automata and match articles against them.

Article fields are turned into a space-joined string of stems (and one of folded surface words,
for prefix wildcards); every query atom (term, phrase, entity alias, prefix) becomes a pattern
over those strings, so one pass finds every atom of every rule. Only rules with at least one
positive atom present are then evaluated on the hit positions.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import ahocorasick

from pipelines.rules.loader import LoadedRules, Rule, Topic
from pipelines.rules.query import And, Atom, Near, Node, Not, Or, atoms, positive_atoms
from pipelines.rules.text import fold, stem, tokenize

Key = tuple[str, str]
SNIPPET_CHARS = 240


@dataclass(frozen=True, slots=True)
class TopicHit:
    topic: str
    rule: str
    score: float
    evidence: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Hit:
    key: Key
    field: str
    first: int
    last: int
    entity: str | None


@dataclass(slots=True)
class _Field:
    name: str
    text: str
    starts: list[int]
    ends: list[int]
    stem_str: str
    surface_str: str
    stem_index: dict[int, int]
    surface_index: dict[int, int]


@lru_cache(maxsize=200_000)
def _fold_stem(word: str) -> tuple[str, str]:
    folded = fold(word)
    return folded, stem(folded)


def _prepare(name: str, text: str) -> _Field:
    toks = tokenize(text)
    starts, ends = [t.start for t in toks], [t.end for t in toks]
    stem_index: dict[int, int] = {}
    surface_index: dict[int, int] = {}
    stem_parts, surface_parts = [" "], [" "]
    spos = fpos = 1
    for i, t in enumerate(toks):
        stem_index[spos] = i
        surface_index[fpos] = i
        stem_parts.append(t.stem + " ")
        surface_parts.append(t.folded + " ")
        spos += len(t.stem) + 1
        fpos += len(t.folded) + 1
    return _Field(
        name,
        text,
        starts,
        ends,
        "".join(stem_parts),
        "".join(surface_parts),
        stem_index,
        surface_index,
    )


def _stems(phrase: str) -> list[str]:
    return [t.stem for t in tokenize(phrase)]


class Matcher:
    """All topics compiled; `match(title, text)` returns the topics that fire with evidence."""

    def __init__(self, loaded: LoadedRules) -> None:
        self.loaded = loaded
        self.version = loaded.version
        self._stem_ac = ahocorasick.Automaton()
        self._surface_ac = ahocorasick.Automaton()
        self._labels: dict[Key, str] = {}
        stem_patterns: dict[str, set[tuple[Key, str | None, int]]] = defaultdict(set)
        surface_patterns: dict[str, set[tuple[Key, str | None, int]]] = defaultdict(set)
        self._rules_by_key: dict[Key, set[int]] = defaultdict(set)
        self._rules: list[tuple[Topic, Rule]] = []
        self._key_cache: dict[Atom, tuple[Key, ...]] = {}
        self._must: list[list[frozenset[Key]]] = []
        for topic in loaded.topics:
            for rule in (*topic.rules, *topic.exclude):
                index = len(self._rules)
                self._rules.append((topic, rule))
                self._must.append(self._required(rule.node))
                for atom in atoms(rule.node):
                    for key in self._register(atom, stem_patterns, surface_patterns):
                        self._labels.setdefault(key, atom.label)
                for atom in positive_atoms(rule.node):
                    for key in self._keys(atom):
                        self._rules_by_key[key].add(index)
        # Every entity is searched, so evidence can list all entities an article names.
        for entity_id in loaded.entities:
            for key in self._register(
                Atom("entity", entity_id, None, 0), stem_patterns, surface_patterns
            ):
                self._labels.setdefault(key, f"@{entity_id}")
        for pattern, values in stem_patterns.items():
            self._stem_ac.add_word(pattern, tuple(values))
        for pattern, values in surface_patterns.items():
            self._surface_ac.add_word(pattern, tuple(values))
        for ac in (self._stem_ac, self._surface_ac):
            if len(ac):
                ac.make_automaton()

    def _required(self, node: Node) -> list[frozenset[Key]]:
        """Key sets of which the article must contain at least one key each for `node` to
        hold: a cheap necessary test that rejects most candidate rules before evaluation."""
        if isinstance(node, Atom):
            return [frozenset(self._keys(node))]
        if isinstance(node, And):
            return [ks for child in node.children for ks in self._required(child)]
        if isinstance(node, Near):
            return self._required(node.left) + self._required(node.right)
        if isinstance(node, Or) and all(isinstance(c, Atom) for c in node.children):
            return [frozenset(k for c in node.children for k in self._keys(c))]  # type: ignore[arg-type]
        return []

    def _keys(self, atom: Atom) -> tuple[Key, ...]:
        """The automaton keys an atom stands for (memoised: atoms are evaluated per article)."""
        cached = self._key_cache.get(atom)
        if cached is None:
            cached = self._key_cache[atom] = self._compute_keys(atom)
        return cached

    def _compute_keys(self, atom: Atom) -> tuple[Key, ...]:
        if atom.kind == "entity":
            members = self.loaded.groups.get(atom.value, (atom.value,))
            return tuple(("entity", m) for m in members)
        if atom.kind == "prefix":
            return (("prefix", fold(atom.value)),)
        return (("seq", " ".join(_stems(atom.value))),)

    def _register(
        self,
        atom: Atom,
        stem_patterns: dict[str, set[tuple[Key, str | None, int]]],
        surface_patterns: dict[str, set[tuple[Key, str | None, int]]],
    ) -> tuple[Key, ...]:
        keys = self._keys(atom)
        for key in keys:
            kind, value = key
            if kind == "prefix":
                surface_patterns[" " + value].add((key, None, 1))
            elif kind == "seq":
                if value:
                    stem_patterns[f" {value} "].add((key, None, value.count(" ") + 1))
            else:
                entity = self.loaded.entities[value]
                for alias in entity.aliases:
                    stems = _stems(alias)
                    if stems:
                        stem_patterns[" " + " ".join(stems) + " "].add((key, value, len(stems)))
        return keys

    def _scan(self, field: _Field) -> list[Hit]:
        hits = []
        for automaton, haystack, index in (
            (self._stem_ac, field.stem_str, field.stem_index),
            (self._surface_ac, field.surface_str, field.surface_index),
        ):
            if not len(automaton):
                continue
            for end, values in automaton.iter(haystack):
                for key, entity, n_tokens in values:
                    if key[0] == "prefix":
                        first = index.get(end - len(key[1]) + 1)
                    else:
                        first = _first_token(index, end, n_tokens, haystack)
                    if first is not None:
                        hits.append(Hit(key, field.name, first, first + n_tokens - 1, entity))
        return hits

    def match(self, title: str, text: str, lang: str | None = None) -> list[TopicHit]:
        fields = {"title": _prepare("title", title or ""), "text": _prepare("text", text or "")}
        by_key: dict[Key, list[Hit]] = defaultdict(list)
        for f in fields.values():
            for hit in self._scan(f):
                by_key[hit.key].append(hit)
        if not by_key:
            return []
        candidates = sorted({i for key in by_key for i in self._rules_by_key.get(key, ())})
        fired: dict[str, list[tuple[float, Rule, list[Hit]]]] = defaultdict(list)
        excluded: set[str] = set()
        for i in candidates:
            if not all(not keys.isdisjoint(by_key) for keys in self._must[i]):
                continue
            topic, rule = self._rules[i]
            result = _evaluate(rule.node, by_key, self)
            if result is None:
                continue
            if rule in topic.exclude:
                excluded.add(topic.id)
                continue
            fired[topic.id].append((_score(result) * rule.weight, rule, result))
        entities = sorted({h.entity for hs in by_key.values() for h in hs if h.entity})
        out = []
        for topic in self.loaded.topics:
            if topic.id in excluded or topic.id not in fired:
                continue
            score, rule, hits = max(fired[topic.id], key=lambda r: r[0])
            if score < topic.threshold:
                continue
            out.append(TopicHit(topic.id, rule.id, score, self._evidence(hits, fields, entities)))
        return out

    def _evidence(
        self, hits: list[Hit], fields: dict[str, _Field], entities: list[str]
    ) -> dict[str, Any]:
        unique = sorted(set(hits), key=lambda h: (h.field != "title", h.first))
        rows = []
        spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for h in unique:
            f = fields[h.field]
            start, end = f.starts[h.first], f.ends[h.last]
            spans[h.field].append((start, end))
            rows.append(
                {
                    "term": f.text[start:end],
                    "query": self._labels.get(h.key, h.key[1]),
                    "field": h.field,
                    "start": start,
                    "end": end,
                    "entity": h.entity,
                }
            )
        field = "text" if spans.get("text") else "title"
        return {
            "hits": rows,
            "entities": entities,
            "snippet": _snippet(fields[field].text, sorted(set(spans[field]))),
        }


def _first_token(index: dict[int, int], end: int, n_tokens: int, haystack: str) -> int | None:
    """Token index of the first token of an n-token pattern ending at `end` (its final space)."""
    pos = end
    for _ in range(n_tokens):
        pos = haystack.rfind(" ", 0, pos)
        if pos < 0:
            return None
    return index.get(pos + 1)


def _evaluate(node: Node, by_key: dict[Key, list[Hit]], m: Matcher) -> list[Hit] | None:
    """Hits that make `node` true, or None when it is false (NOT yields [] when true)."""
    if isinstance(node, Atom):
        found = [
            h
            for key in m._keys(node)
            for h in by_key.get(key, ())
            if node.field is None or h.field == node.field
        ]
        return found or None
    if isinstance(node, And):
        out: list[Hit] = []
        for child in node.children:
            r = _evaluate(child, by_key, m)
            if r is None:
                return None
            out.extend(r)
        return out
    if isinstance(node, Or):
        results = [r for c in node.children if (r := _evaluate(c, by_key, m)) is not None]
        return [h for r in results for h in r] if results else None
    if isinstance(node, Not):
        return [] if _evaluate(node.child, by_key, m) is None else None
    left, right = _evaluate(node.left, by_key, m), _evaluate(node.right, by_key, m)
    if not left or not right:
        return None
    near = set()
    for a in left:
        for b in right:
            if a.field == b.field and max(b.first - a.last, a.first - b.last) <= node.distance:
                near.update((a, b))
    return list(near) or None


def _score(hits: list[Hit]) -> float:
    weights: dict[Key, float] = {}
    for h in hits:
        weights[h.key] = max(weights.get(h.key, 0.0), 2.0 if h.field == "title" else 1.0)
    return float(sum(weights.values()))


def _snippet(text: str, spans: list[tuple[int, int]]) -> str:
    """About SNIPPET_CHARS of text around the densest cluster of hits, hits in [brackets]."""
    if not spans:
        return text[:SNIPPET_CHARS].strip()
    best = max(spans, key=lambda s: sum(1 for o in spans if 0 <= o[0] - s[0] < SNIPPET_CHARS))
    lo = max(0, best[0] - SNIPPET_CHARS // 4)
    hi = min(len(text), lo + SNIPPET_CHARS)
    while lo > 0 and not text[lo - 1].isspace() and best[0] - lo < SNIPPET_CHARS // 2:
        lo -= 1
    while hi < len(text) and not text[hi].isspace() and hi - lo < SNIPPET_CHARS + 40:
        hi += 1
    parts, pos = [], lo
    for s, e in spans:
        if s < pos or e > hi:
            continue
        parts.append(text[pos:s] + "[" + text[s:e] + "]")
        pos = e
    parts.append(text[pos:hi])
    body = " ".join("".join(parts).split())
    return ("… " if lo > 0 else "") + body + (" …" if hi < len(text) else "")
