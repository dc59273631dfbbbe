"""Compile every rule once into two Aho-Corasick automata and match articles against them.

Article fields are turned into a space-joined string of stems (and one of folded surface words,
for prefix wildcards); every query atom (term, phrase, entity alias, prefix) becomes a pattern
over those strings, so one pass finds every atom of every rule. Each rule is indexed under one
key set it cannot hold without (the rarest seen so far), is only evaluated when a key of that
set is present, and is evaluated by a closure compiled from its query once."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import accumulate
from operator import itemgetter
from typing import Any, NamedTuple

import ahocorasick

from pipelines.rules.loader import LoadedRules, Rule, Topic
from pipelines.rules.query import And, Atom, Near, Node, Not, Or, atoms, positive_atoms
from pipelines.rules.text import WORD_SPLIT, fold, stem, tokenize

Key = tuple[str, str]
SNIPPET_CHARS = 240


@dataclass(frozen=True, slots=True)
class TopicHit:
    topic: str
    rule: str
    score: float
    evidence: Mapping[str, Any]


class Hit(NamedTuple):
    """One occurrence of a query key: a plain tuple, because articles produce hundreds."""

    key: Key
    field: str
    first: int
    last: int
    entity: str | None


class _Field:
    """One article field as the automata see it: its stems and folded words, each joined
    with single spaces. The token offsets into the original text are built only when
    evidence needs them."""

    __slots__ = ("_kept", "_parts", "_spans", "name", "stem_str", "surface_str", "text")

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.text = text
        self._parts = WORD_SPLIT.split(text)
        pairs = _fold_stem_all(self._parts[1::2])
        self._kept: list[int] | None = None
        if _EMPTY in pairs:
            self._kept = [i for i, p in enumerate(pairs) if p[0]]
            pairs = [pairs[i] for i in self._kept]
        self.stem_str = " " + " ".join(map(itemgetter(1), pairs)) + " "
        self.surface_str = " " + " ".join(map(itemgetter(0), pairs)) + " "
        self._spans: list[int] | None = None

    def span(self, first: int, last: int) -> tuple[int, int]:
        """Character offsets in `text` from the start of token `first` to the end of `last`."""
        if self._spans is None:
            self._spans = list(accumulate(map(len, self._parts)))
        if self._kept is not None:
            first, last = self._kept[first], self._kept[last]
        # parts alternate separator, word, separator…: word i is part 2i+1, so it starts at
        # the cumulative length through part 2i and ends at the one through part 2i+1.
        return self._spans[2 * first], self._spans[2 * last + 1]


_EMPTY = ("", "")
_FOLD_STEM: dict[str, tuple[str, str]] = {}


def _fold_stem_all(words: list[str]) -> list[tuple[str, str]]:
    """(folded, stem) of each surface word, memoised in a plain dict: the lookups run at C
    speed and only unseen words go through `fold` and `stem`. The memo is dropped when it
    grows past a bound."""
    pairs = list(map(_FOLD_STEM.get, words))
    if None in pairs:
        if len(_FOLD_STEM) > 500_000:
            _FOLD_STEM.clear()
        for i, pair in enumerate(pairs):
            if pair is None:
                folded = fold(words[i])
                pairs[i] = _FOLD_STEM[words[i]] = (folded, stem(folded))
    return pairs  # type: ignore[return-value]


def _stems(phrase: str) -> list[str]:
    return [t.stem for t in tokenize(phrase)]


_Pattern = tuple[Key, str | None, int]
"""What an automaton pattern stands for: (key, entity, number of words)."""
_Raw = tuple[_Field, int, _Pattern]
"""An automaton match: field, index of its last word, pattern."""


class Occurrences:
    """The hits of each key in one article, turned from automaton matches into token spans
    only for the keys a candidate rule asks for (most matches of common words never are)."""

    __slots__ = ("_found", "_hits")

    def __init__(self, found: dict[Key, list[_Raw]]) -> None:
        self._found = found
        self._hits: dict[Key, list[Hit]] = {}

    def get(self, key: Key, default: Any = None) -> Any:
        hits = self._hits.get(key)
        if hits is None:
            raw = self._found.get(key)
            if raw is None:
                return default
            hits = self._hits[key] = _hits_of(raw)
        return hits or default

    def any_of(self, keys: frozenset[Key]) -> list[Hit] | None:
        """The hits of every key of `keys` present in the article (None when there are
        none): one set intersection, where asking key by key costs a call per key, and a
        rule's OR often lists dozens of words."""
        out: list[Hit] = []
        for key in keys.intersection(self._found):
            out += self.get(key, ())
        return out or None


def _hits_of(raw: list[_Raw]) -> list[Hit]:
    return [
        Hit(key, field.name, last - n_tokens + 1, last, entity)
        for field, last, (key, entity, n_tokens) in raw
    ]


class Matcher:
    """All topics compiled; `match(title, text)` returns the topics that fire with evidence."""

    def __init__(self, loaded: LoadedRules) -> None:
        self.loaded = loaded
        self.version = loaded.version
        self._stem_ac = ahocorasick.Automaton()
        self._surface_ac = ahocorasick.Automaton()
        self._labels: dict[Key, str] = {}
        stem_patterns: dict[str, set[_Pattern]] = defaultdict(set)
        surface_patterns: dict[str, set[_Pattern]] = defaultdict(set)
        self._rules: list[tuple[Topic, Rule]] = []
        self._key_cache: dict[Atom, tuple[Key, ...]] = {}
        self._evaluators: list[Evaluator] = []
        self._is_exclusion: list[bool] = []
        self._triggers: list[list[frozenset[Key]]] = []
        for topic in loaded.topics:
            for rule in (*topic.rules, *topic.exclude):
                self._rules.append((topic, rule))
                self._evaluators.append(_compile(rule.node, self._keys))
                self._is_exclusion.append(rule in topic.exclude)
                for atom in atoms(rule.node):
                    for key in self._register(atom, stem_patterns, surface_patterns):
                        self._labels.setdefault(key, atom.label)
                self._triggers.append(
                    self._required(rule.node)
                    or [frozenset(k for a in positive_atoms(rule.node) for k in self._keys(a))]
                )
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
        self._key_frequency: Counter[Key] = Counter()
        self._articles_seen = 0
        self._rules_by_key: dict[Key, list[int]] = {}
        self._reindex()

    def _required(self, node: Node) -> list[frozenset[Key]]:
        """Key sets of which an article must contain at least one key each for `node` to
        hold. Any one of them is a complete index for the rule: see `_reindex`."""
        if isinstance(node, Atom):
            return [frozenset(self._keys(node))]
        if isinstance(node, And):
            return [keys for child in node.children for keys in self._required(child)]
        if isinstance(node, Near):
            return self._required(node.left) + self._required(node.right)
        if isinstance(node, Or):
            per_child = [self._required(child) for child in node.children]
            if all(per_child):
                return [frozenset().union(*(min(r, key=len) for r in per_child))]
        return []

    def _reindex(self) -> None:
        """Index each rule under the keys of its cheapest required key set, so a rule is only
        evaluated when that set is present in the article. Complete whichever set is chosen
        (the rule cannot hold without one of its keys); the cheapest is the one whose keys
        were seen in the fewest articles so far, or before any statistics the smallest set of
        the longest words (long words tend to be rare ones)."""
        frequency = self._key_frequency

        def cost(keys: frozenset[Key]) -> float:
            return sum(frequency[k] + 1 / (1 + len(k[1])) for k in keys)

        by_key: dict[Key, list[int]] = defaultdict(list)
        for index, sets in enumerate(self._triggers):
            for key in min(sets, key=cost):
                by_key[key].append(index)
        self._rules_by_key = dict(by_key)

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
        stem_patterns: dict[str, set[_Pattern]],
        surface_patterns: dict[str, set[_Pattern]],
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
                        pattern = " " + " ".join(stems) + " "
                        stem_patterns[pattern].add((key, value, len(stems)))
        return keys

    def _scan(self, field: _Field, found: dict[Key, list[_Raw]]) -> None:
        """Every automaton match in `field`, grouped by key, not yet turned into hits.

        A match ends on the space after its last word (a whole-word pattern) or inside that
        word (a prefix), so the word's index is the number of spaces before the end, less
        the leading one. The automaton reports matches by increasing end, so the spaces are
        counted once over the field, gap by gap, in C."""
        for automaton, haystack in (
            (self._stem_ac, field.stem_str),
            (self._surface_ac, field.surface_str),
        ):
            if not len(automaton):
                continue
            spaces, counted = 0, 0
            for end, values in automaton.iter(haystack):
                spaces += haystack.count(" ", counted, end)
                counted = end
                for value in values:
                    found[value[0]].append((field, spaces - 1, value))

    def match(self, title: str, text: str, lang: str | None = None) -> list[TopicHit]:
        fields = {"title": _Field("title", title or ""), "text": _Field("text", text or "")}
        found: dict[Key, list[_Raw]] = defaultdict(list)
        for f in fields.values():
            self._scan(f, found)
        if not found:
            return []
        self._learn(found)
        rules_by_key = self._rules_by_key
        candidates = sorted(set().union(*[rules_by_key[k] for k in found if k in rules_by_key]))
        by_key = Occurrences(found)
        fired: dict[str, list[tuple[float, Rule, list[Hit]]]] = defaultdict(list)
        excluded: set[str] = set()
        for i in candidates:
            topic, rule = self._rules[i]
            result = self._evaluators[i](by_key)
            if result is None:
                continue
            if self._is_exclusion[i]:
                excluded.add(topic.id)
                continue
            fired[topic.id].append((_score(result) * rule.weight, rule, result))
        if not fired:
            return []
        entities = sorted({k[1] for k in found if k[0] == "entity"})
        out = []
        for topic in self.loaded.topics:
            if topic.id in excluded or topic.id not in fired:
                continue
            score, rule, hits = max(fired[topic.id], key=lambda r: r[0])
            if score < topic.threshold:
                continue
            out.append(TopicHit(topic.id, rule.id, score, self._evidence(hits, fields, entities)))
        return out

    def _learn(self, present: dict[Key, list[_Raw]]) -> None:
        """Count in how many articles each key occurs; re-pick the rule index as the counts
        settle (after 64, 256 and 1,024 articles, then every 4,096)."""
        self._key_frequency.update(present.keys())
        self._articles_seen += 1
        seen = self._articles_seen
        if seen in (64, 256, 1024) or seen % 4096 == 0:
            self._reindex()

    def _evidence(
        self, hits: list[Hit], fields: dict[str, _Field], entities: list[str]
    ) -> dict[str, Any]:
        """Why a topic fired: one row per distinct term (per query and field), in order of
        first occurrence, with the offsets of that first occurrence and how often it occurs;
        at most `EVIDENCE_MAX_ROWS` rows (`more_terms` counts the rest), so a page that
        repeats a word ten thousand times stores one row, not ten thousand."""
        # Title first, then by position; ties in a fixed order (C-level sorts, no key calls).
        ordered = sorted(set(hits))
        ordered.sort(key=_SPAN)
        unique = [h for h in ordered if h.field == "title"]
        unique += [h for h in ordered if h.field != "title"]
        rows: dict[tuple[str, str, str, str | None], dict[str, Any]] = {}
        spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
        labels = self._labels
        for h in unique:
            f = fields[h.field]
            start, end = f.span(h.first, h.last)
            spans[h.field].append((start, end))
            term = f.text[start:end]
            query = labels.get(h.key, h.key[1])
            row = rows.get((h.field, query, term, h.entity))
            if row is None:
                rows[h.field, query, term, h.entity] = {
                    "term": term,
                    "query": query,
                    "field": h.field,
                    "start": start,
                    "end": end,
                    "entity": h.entity,
                    "count": 1,
                }
            else:
                row["count"] += 1
        field = "text" if spans.get("text") else "title"
        listed = list(rows.values())
        evidence: dict[str, Any] = {
            "hits": listed[:EVIDENCE_MAX_ROWS],
            "entities": entities,
            "snippet": _snippet(fields[field].text, sorted(set(spans[field]))),
        }
        if len(listed) > EVIDENCE_MAX_ROWS:
            evidence["more_terms"] = len(listed) - EVIDENCE_MAX_ROWS
        return evidence


EVIDENCE_MAX_ROWS = 50
"""Distinct terms listed in a match's evidence (the snippet still shows where they occur)."""
_SPAN = itemgetter(2, 3)
"""A Hit's (first, last)."""


Evaluator = Callable[[Occurrences], list[Hit] | None]


def _compile(node: Node, keys_of: Callable[[Atom], tuple[Key, ...]]) -> Evaluator:
    """Turn a query AST into a closure over the article's hits by key, once per rule.

    The closure returns the hits that make `node` true, or None when it is false (NOT yields
    [] when true). Compiling removes the per-article type dispatch and key lookups."""
    if isinstance(node, Atom):
        return _compile_atom(keys_of(node), node.field)
    if isinstance(node, And):
        parts = [_compile(c, keys_of) for c in node.children]

        def all_of(by_key: Occurrences) -> list[Hit] | None:
            out: list[Hit] = []
            for part in parts:
                r = part(by_key)
                if r is None:
                    return None
                out += r
            return out

        return all_of
    if isinstance(node, Or):
        # Atoms searched in every field are looked up together (`Occurrences.any_of`).
        plain = frozenset(
            key
            for c in node.children
            if isinstance(c, Atom) and c.field is None
            for key in keys_of(c)
        )
        alternatives = [
            _compile(c, keys_of)
            for c in node.children
            if not (isinstance(c, Atom) and c.field is None)
        ]
        if plain:
            alternatives.insert(0, _compile_keys(plain))

        def any_of(by_key: Occurrences) -> list[Hit] | None:
            out: list[Hit] | None = None
            for alternative in alternatives:
                r = alternative(by_key)
                if r is not None:
                    out = r if out is None else out + r
            return out

        return alternatives[0] if len(alternatives) == 1 else any_of
    if isinstance(node, Not):
        inner = _compile(node.child, keys_of)

        def none_of(by_key: Occurrences) -> list[Hit] | None:
            return [] if inner(by_key) is None else None

        return none_of
    return _compile_near(_compile(node.left, keys_of), _compile(node.right, keys_of), node.distance)


def _compile_keys(keys: frozenset[Key]) -> Evaluator:
    """The hits of any of `keys`, in any field."""
    if len(keys) == 1:
        (key,) = keys

        def one_key(by_key: Occurrences) -> list[Hit] | None:
            return by_key.get(key)

        return one_key

    def any_key(by_key: Occurrences) -> list[Hit] | None:
        return by_key.any_of(keys)

    return any_key


def _compile_atom(keys: tuple[Key, ...], field: str | None) -> Evaluator:
    if field is None:
        return _compile_keys(frozenset(keys))

    def in_field(by_key: Occurrences) -> list[Hit] | None:
        found = [h for key in keys for h in by_key.get(key, ()) if h.field == field]
        return found or None

    return in_field


def _compile_near(left: Evaluator, right: Evaluator, distance: int) -> Evaluator:
    def near(by_key: Occurrences) -> list[Hit] | None:
        lhs = left(by_key)
        if not lhs:
            return None
        rhs = right(by_key)
        if not rhs:
            return None
        close: set[Hit] = set()
        for a in lhs:
            for b in rhs:
                if (
                    a.field == b.field
                    and b.first - a.last <= distance
                    and a.first - b.last <= distance
                ):
                    close.update((a, b))
        return list(close) or None

    return near


def _score(hits: list[Hit]) -> float:
    """One point per distinct key among the hits, two when the key occurs in the title."""
    return float(len({h.key for h in hits}) + len({h.key for h in hits if h.field == "title"}))


def _snippet(text: str, spans: list[tuple[int, int]]) -> str:
    """About SNIPPET_CHARS of text around the densest cluster of hits, hits in [brackets]."""
    if not spans:
        return text[:SNIPPET_CHARS].strip()
    starts = [start for start, _ in spans]  # spans are sorted
    best = spans[
        max(
            range(len(spans)),
            key=lambda i: (
                bisect_left(starts, starts[i] + SNIPPET_CHARS) - bisect_left(starts, starts[i])
            ),
        )
    ]
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
