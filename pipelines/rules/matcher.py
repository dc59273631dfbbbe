"""Compile every rule once into two Aho-Corasick automata and match articles against them.

Article fields are turned into a space-joined string of stems (and one of folded surface words,
for prefix wildcards); every query atom (term, phrase, entity alias, prefix) becomes a pattern
over those strings, so one pass finds every atom of every rule. Each rule is indexed under one
key set it cannot hold without (the rarest seen so far), is only evaluated when a key of that
set is present, and is evaluated by a closure compiled from its query once."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from itertools import compress
from operator import itemgetter
from typing import Any

import ahocorasick

from pipelines.rules.compiled import (
    Evaluator,
    FieldText,
    Hit,
    Key,
    Occurrences,
    Pattern,
    Raw,
    compile_node,
    stems,
)
from pipelines.rules.loader import LoadedRules, Rule, Topic
from pipelines.rules.query import And, Atom, Near, Node, Or, Scope, atoms, positive_atoms
from pipelines.rules.structure import Salience, parse_period, salience
from pipelines.rules.text import fold

__all__ = ["EVIDENCE_MAX_ROWS", "Hit", "Matcher", "Occurrences", "TopicHit"]

SNIPPET_CHARS = 240


@dataclass(frozen=True, slots=True)
class TopicHit:
    topic: str
    rule: str
    score: float
    evidence: Mapping[str, Any]


class Matcher:
    """All topics compiled; `match(title, text)` returns the topics that fire with evidence."""

    def __init__(self, loaded: LoadedRules) -> None:
        self.loaded = loaded
        self.version = loaded.version
        self._stem_ac = ahocorasick.Automaton()
        self._surface_ac = ahocorasick.Automaton()
        self._labels: dict[Key, str] = {}
        stem_patterns: dict[str, set[Pattern]] = defaultdict(set)
        surface_patterns: dict[str, set[Pattern]] = defaultdict(set)
        self._rules: list[tuple[Topic, Rule]] = []
        self._key_cache: dict[Atom, tuple[Key, ...]] = {}
        self._evaluators: list[Evaluator] = []
        self._is_exclusion: list[bool] = []
        self._triggers: list[list[frozenset[Key]]] = []
        for topic in loaded.topics:
            for rule in (*topic.rules, *topic.exclude):
                self._rules.append((topic, rule))
                is_exclusion = rule in topic.exclude
                self._evaluators.append(compile_node(rule.node, self._keys, not is_exclusion))
                self._is_exclusion.append(is_exclusion)
                for atom in atoms(rule.node):
                    for key in self._register(atom, stem_patterns, surface_patterns):
                        self._labels.setdefault(key, atom.label)
                self._triggers.append(
                    self._required(rule.node)
                    or [frozenset(k for a in positive_atoms(rule.node) for k in self._keys(a))]
                )
        self._focus: dict[str, Evaluator] = {}
        for topic in loaded.topics:
            if topic.focus is not None:
                self._focus[topic.id] = compile_node(topic.focus.node, self._keys)
                for atom in atoms(topic.focus.node):
                    for key in self._register(atom, stem_patterns, surface_patterns):
                        self._labels.setdefault(key, atom.label)
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
        self._always: set[int] = set()
        self._reindex()

    def _required(self, node: Node) -> list[frozenset[Key]]:
        """Key sets of which an article must contain at least one key each for `node` to
        hold. Any one of them is a complete index for the rule: see `_reindex`."""
        if isinstance(node, Atom):
            return [frozenset(self._keys(node))] if node.kind != "date" else []
        if isinstance(node, Scope):
            return self._required(node.child)
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
        # A query of date conditions alone has no key to wait for: it is evaluated always.
        self._always = {i for i, sets in enumerate(self._triggers) if not any(sets)}

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
        if atom.kind == "date":
            return ()
        if atom.kind == "year":
            return tuple(("seq", str(y)) for y in parse_period(atom.value).years())
        return (("seq", " ".join(stems(atom.value))),)

    def _register(
        self,
        atom: Atom,
        stem_patterns: dict[str, set[Pattern]],
        surface_patterns: dict[str, set[Pattern]],
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
                    words = stems(alias)
                    if words:
                        pattern = " " + " ".join(words) + " "
                        stem_patterns[pattern].add((key, value, len(words)))
        return keys

    def _scan(self, field: FieldText, found: dict[Key, list[Raw]]) -> None:
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
                    if value[2] > 1 and field.broken(spaces - value[2], spaces - 1):
                        continue
                    found[value[0]].append((field, spaces - 1, value))

    def match(
        self,
        title: str,
        text: str,
        lang: str | None = None,
        published: date | datetime | None = None,
        keep_suppressed: bool = False,
    ) -> list[TopicHit]:
        """The topics that fire for an article, with evidence. `published` is what `date:`
        conditions test; without it they pass. With `keep_suppressed`, topics a rule matched
        but an exclusion, the threshold or `min_salience` stopped are returned too, with
        evidence["suppressed"] saying why (for `rules eval`)."""
        if isinstance(published, datetime):
            published = published.date()
        fields = {"title": FieldText("title", title or ""), "text": FieldText("text", text or "")}
        found: dict[Key, list[Raw]] = defaultdict(list)
        for f in fields.values():
            self._scan(f, found)
        if not found:
            return []
        self._learn(found)
        rules_by_key = self._rules_by_key
        candidates = sorted(
            self._always.union(*[rules_by_key[k] for k in found if k in rules_by_key])
        )
        by_key = Occurrences(found, fields, published)
        fired: dict[str, list[tuple[float, Rule, list[Hit]]]] = defaultdict(list)
        excluded: dict[str, str] = {}
        for i in candidates:
            topic, rule = self._rules[i]
            result = self._evaluators[i](by_key)
            if result is None:
                continue
            if self._is_exclusion[i]:
                excluded.setdefault(topic.id, rule.id)
                continue
            fired[topic.id].append((_score(result) * rule.weight, rule, result))
        if not fired:
            return []
        entities = sorted({k[1] for k in found if k[0] == "entity"})
        out = []
        for topic in self.loaded.topics:
            if topic.id not in fired or (topic.id in excluded and not keep_suppressed):
                continue
            points, rule, hits = max(fired[topic.id], key=lambda r: r[0])
            focus = self._focus.get(topic.id)
            focus_hits = (focus(by_key) if focus else None) or hits
            where = _salience_of(focus_hits, fields["text"])
            score = points * where.value
            suppressed = _suppressed(topic, excluded.get(topic.id), score, where.value)
            if suppressed and not keep_suppressed:
                continue
            evidence = self._evidence(hits, fields, entities)
            if suppressed:
                evidence["suppressed"] = suppressed
            evidence["score"] = {"points": points, **where.as_dict(), "score": round(score, 3)}
            evidence["rules"] = sorted({r.id for _, r, _ in fired[topic.id]})
            out.append(TopicHit(topic.id, rule.id, round(score, 3), evidence))
        return out

    def _learn(self, present: dict[Key, list[Raw]]) -> None:
        """Count in how many articles each key occurs; re-pick the rule index as the counts
        settle (after 64, 256 and 1,024 articles, then every 4,096)."""
        self._key_frequency.update(present.keys())
        self._articles_seen += 1
        seen = self._articles_seen
        if seen in (64, 256, 1024) or seen % 4096 == 0:
            self._reindex()

    def _evidence(
        self, hits: list[Hit], fields: dict[str, FieldText], entities: list[str]
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


def _suppressed(topic: Topic, exclusion: str | None, score: float, salience: float) -> str:
    """Why a topic that a rule matched does not fire ('' when it fires)."""
    if exclusion:
        return f"excluded by {exclusion}"
    if salience < topic.min_salience:
        return f"salience {salience:.2f} < min_salience {topic.min_salience:g}"
    if score < topic.threshold:
        return f"score {score:.2f} < threshold {topic.threshold:g}"
    return ""


EVIDENCE_MAX_ROWS = 50
"""Distinct terms listed in a match's evidence (the snippet still shows where they occur)."""
_SPAN = itemgetter(2, 3)
"""A Hit's (first, last)."""
_FIELD = itemgetter(1)
_FIRST = itemgetter(2)


def _salience_of(hits: list[Hit], text: FieldText) -> Salience:
    """Salience of hits, with C-level passes over them (a topic that fires on common words
    holds hundreds)."""
    in_fields = list(map(_FIELD, hits))
    firsts = map(_FIRST, hits)
    if "title" in in_fields:
        firsts = compress(firsts, map("text".__eq__, in_fields))
        return salience(True, firsts, text.boundaries)
    return salience(False, firsts, text.boundaries)


def _score(hits: list[Hit]) -> float:
    """One point per distinct key among the hits, two when the key occurs in the title."""
    return float(len({h.key for h in hits}) + len({h.key for h in hits if h.field == "title"}))


def _snippet(text: str, spans: list[tuple[int, int]]) -> str:
    """About SNIPPET_CHARS of text around the densest cluster of hits, hits in [brackets];
    a paragraph break it spans shows as ¶ (a headline at the top of the text ran into the
    first sentence)."""
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
    lines = (" ".join(line.split()) for line in "".join(parts).splitlines())
    body = " ¶ ".join(line for line in lines if line)
    return ("… " if lo > 0 else "") + body + (" …" if hi < len(text) else "")
