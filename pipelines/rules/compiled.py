"""Queries compiled to closures over an article's hits, and the article as those closures see
it: its fields (stems, folded words, sentence boundaries), the hits of each key, its date.

A compiled query returns the hits that make it true, or None when it is false (NOT yields []
when true). Compiling once per rule removes the per-article type dispatch and key lookups."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from itertools import accumulate
from operator import itemgetter
from typing import Any, NamedTuple

from pipelines.rules.query import And, Atom, Node, Not, Or, Scope, positive_atoms
from pipelines.rules.structure import LEAD_SENTENCES, Boundaries, boundaries, parse_period
from pipelines.rules.text import WORD_SPLIT, fold, stem, tokenize

Key = tuple[str, str]


class Hit(NamedTuple):
    """One occurrence of a query key: a plain tuple, because articles produce hundreds."""

    key: Key
    field: str
    first: int
    last: int
    entity: str | None


class FieldText:
    """One article field as the automata see it: its stems and folded words, each joined
    with single spaces. The token offsets into the original text are built only when
    evidence needs them."""

    __slots__ = (
        "_boundaries",
        "_breaks",
        "_kept",
        "_parts",
        "_spans",
        "name",
        "stem_str",
        "surface_str",
        "text",
    )

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.text = text
        self._parts = WORD_SPLIT.split(text)
        pairs = fold_stem_all(self._parts[1::2])
        self._kept: list[int] | None = None
        if _EMPTY in pairs:
            self._kept = [i for i, p in enumerate(pairs) if p[0]]
            pairs = [pairs[i] for i in self._kept]
        self.stem_str = " " + " ".join(map(itemgetter(1), pairs)) + " "
        self.surface_str = " " + " ".join(map(itemgetter(0), pairs)) + " "
        self._spans: list[int] | None = None
        self._boundaries: Boundaries | None = None
        self._breaks: list[int] | None = None

    def broken(self, first: int, last: int) -> bool:
        """Whether a clause break (comma, semicolon, colon, bracket, dash) separates tokens
        `first` to `last`: a phrase or an alias is one stretch of words, so «По словам
        президента, Россия» does not hold «президента России». A comma between digits
        ("1,000") is not a break."""
        if self._breaks is None:
            self._breaks = _clause_breaks(self._parts, self._kept)
        return self._breaks[last] - self._breaks[first] > 0

    @property
    def boundaries(self) -> Boundaries:
        """Sentence and paragraph starts, found on first use."""
        if self._boundaries is None:
            self._boundaries = boundaries(self._parts, self._kept)
        return self._boundaries

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
_CLAUSE_BREAK = frozenset(",;:()[]—–")


def _clause_breaks(parts: list[str], kept: list[int] | None) -> list[int]:
    """Running count of clause breaks before each kept token (token 0 has none)."""
    words = parts[1::2]
    order = kept if kept is not None else range(len(words))
    counts: list[int] = []
    total, previous = 0, -1
    for index in order:
        if previous >= 0:
            gap = parts[2 * previous + 2 : 2 * index + 1 : 2]
            if any(_CLAUSE_BREAK.intersection(sep) for sep in gap) and not (
                gap == [","] and words[previous].isdigit() and words[index].isdigit()
            ):
                total += 1
        counts.append(total)
        previous = index
    return counts


_FOLD_STEM: dict[str, tuple[str, str]] = {}


def fold_stem_all(words: list[str]) -> list[tuple[str, str]]:
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


def stems(phrase: str) -> list[str]:
    return [t.stem for t in tokenize(phrase)]


Pattern = tuple[Key, str | None, int]
"""What an automaton pattern stands for: (key, entity, number of words)."""
Raw = tuple[FieldText, int, Pattern]
"""An automaton match: field, index of its last word, pattern."""


class Occurrences:
    """The hits of each key in one article, turned from automaton matches into token spans
    only for the keys a candidate rule asks for (most matches of common words never are),
    with the article's fields and publication date."""

    __slots__ = ("_found", "_hits", "fields", "published")

    def __init__(
        self,
        found: dict[Key, list[Raw]],
        fields: dict[str, FieldText],
        published: date | None = None,
    ) -> None:
        self._found = found
        self._hits: dict[Key, list[Hit]] = {}
        self.fields = fields
        self.published = published

    @property
    def whole(self) -> Occurrences:
        return self

    def unit_of(self, hit: Hit, unit: str) -> tuple[str, int]:
        """(field, index) of the sentence or paragraph a hit starts in."""
        b = self.fields[hit.field].boundaries
        index = b.sentence_of(hit.first) if unit == "sentence" else b.paragraph_of(hit.first)
        return hit.field, index

    def in_lead(self, hit: Hit) -> bool:
        """In the title, or in the first LEAD_SENTENCES sentences of the text."""
        if hit.field == "title":
            return True
        return self.fields[hit.field].boundaries.sentence_of(hit.first) < LEAD_SENTENCES

    def get(self, key: Key, default: Any = None) -> Any:
        hits = self._hits.get(key)
        if hits is None:
            raw = self._found.get(key)
            if raw is None:
                return default
            hits = self._hits[key] = hits_of(raw)
        return hits or default

    def any_of(self, keys: frozenset[Key]) -> list[Hit] | None:
        """The hits of every key of `keys` present in the article (None when there are
        none): one set intersection, where asking key by key costs a call per key, and a
        rule's OR often lists dozens of words."""
        out: list[Hit] = []
        for key in keys.intersection(self._found):
            out += self.get(key, ())
        return out or None


class Within:
    """The hits of one sentence or paragraph of an article: what a query inside SENTENCE(…)
    or PARA(…) sees. Same interface as Occurrences."""

    __slots__ = ("_all", "_unit", "_where", "fields", "published")

    def __init__(self, occurrences: Occurrences, unit: str, where: tuple[str, int]) -> None:
        self._all = occurrences
        self._unit = unit
        self._where = where
        self.fields = occurrences.fields
        self.published = occurrences.published

    def _inside(self, hits: list[Hit] | None) -> list[Hit] | None:
        if not hits:
            return None
        unit_of, unit, where = self._all.unit_of, self._unit, self._where
        inside = [h for h in hits if unit_of(h, unit) == where]
        return inside or None

    def get(self, key: Key, default: Any = None) -> Any:
        return self._inside(self._all.get(key)) or default

    def any_of(self, keys: frozenset[Key]) -> list[Hit] | None:
        return self._inside(self._all.any_of(keys))

    @property
    def whole(self) -> Occurrences:
        return self._all

    def unit_of(self, hit: Hit, unit: str) -> tuple[str, int]:
        return self._all.unit_of(hit, unit)

    def in_lead(self, hit: Hit) -> bool:
        return self._all.in_lead(hit)


Article = Occurrences | Within


def hits_of(raw: list[Raw]) -> list[Hit]:
    return [
        Hit(key, field.name, last - n_tokens + 1, last, entity)
        for field, last, (key, entity, n_tokens) in raw
    ]


Evaluator = Callable[[Article], list[Hit] | None]


def compile_node(
    node: Node, keys_of: Callable[[Atom], tuple[Key, ...]], undated: bool = True
) -> Evaluator:
    """Turn a query AST into a closure over the article's hits by key, once per rule.

    `undated` is what a date condition (negated or not) says of an article without a date:
    True in a rule, False in an exclusion, so that a missing date never counts against an
    article."""
    if isinstance(node, Atom):
        if node.kind == "date":
            return _compile_date(node.value, False, undated)
        return _compile_atom(keys_of(node), node.field)
    if isinstance(node, Scope):
        anchors = frozenset(k for a in positive_atoms(node.child) for k in keys_of(a))
        inner = compile_node(node.child, keys_of, undated)
        return _compile_scope(inner, _compile_keys(anchors), node.unit)
    if isinstance(node, Not) and isinstance(node.child, Atom) and node.child.kind == "date":
        return _compile_date(node.child.value, True, undated)
    if isinstance(node, And):
        parts = [compile_node(c, keys_of, undated) for c in node.children]

        def all_of(by_key: Article) -> list[Hit] | None:
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
        plain = frozenset(key for c in node.children if _plain(c) for key in keys_of(c))
        alternatives = [compile_node(c, keys_of, undated) for c in node.children if not _plain(c)]
        if plain:
            alternatives.insert(0, _compile_keys(plain))

        def any_of(by_key: Article) -> list[Hit] | None:
            out: list[Hit] | None = None
            for alternative in alternatives:
                r = alternative(by_key)
                if r is not None:
                    out = r if out is None else out + r
            return out

        return alternatives[0] if len(alternatives) == 1 else any_of
    if isinstance(node, Not):
        inner = compile_node(node.child, keys_of, undated)

        def none_of(by_key: Article) -> list[Hit] | None:
            return [] if inner(by_key) is None else None

        return none_of
    return _compile_near(
        compile_node(node.left, keys_of, undated),
        compile_node(node.right, keys_of, undated),
        node.distance,
    )


def _plain(node: Node) -> bool:
    """An atom that is only the hits of its keys, in any field."""
    return isinstance(node, Atom) and node.field is None and node.kind != "date"


def _compile_keys(keys: frozenset[Key]) -> Evaluator:
    """The hits of any of `keys`, in any field."""
    if len(keys) == 1:
        (key,) = keys

        def one_key(by_key: Article) -> list[Hit] | None:
            return by_key.get(key)

        return one_key

    def any_key(by_key: Article) -> list[Hit] | None:
        return by_key.any_of(keys)

    return any_key


def _compile_atom(keys: tuple[Key, ...], field: str | None) -> Evaluator:
    if field is None:
        return _compile_keys(frozenset(keys))
    if field == "lead":

        def in_lead(by_key: Article) -> list[Hit] | None:
            found = [h for key in keys for h in by_key.get(key, ()) if by_key.in_lead(h)]
            return found or None

        return in_lead

    def in_field(by_key: Article) -> list[Hit] | None:
        found = [h for key in keys for h in by_key.get(key, ()) if h.field == field]
        return found or None

    return in_field


def _compile_date(period_text: str, negated: bool, undated: bool) -> Evaluator:
    """`date:PERIOD` (or its negation): decided by the publication date, or by `undated`
    for an article without one."""
    period = parse_period(period_text)
    if_undated: list[Hit] | None = [] if undated else None

    def dated(by_key: Article) -> list[Hit] | None:
        day = by_key.published
        if day is None:
            return if_undated
        return [] if (day in period) != negated else None

    return dated


def _compile_scope(inner: Evaluator, anchors: Evaluator, unit: str) -> Evaluator:
    """SENTENCE(q) / PARA(q): q evaluated on the hits of each sentence (paragraph) holding a
    hit of one of q's positive atoms (`anchors`; q cannot hold elsewhere); the hits of every
    unit where it holds. (Evaluating q on the whole article first would not do: a NOT true
    in one sentence can be false in the article.)"""

    def scoped(by_key: Article) -> list[Hit] | None:
        everywhere = anchors(by_key)
        if not everywhere:
            return None
        occurrences = by_key.whole
        out: list[Hit] | None = None
        for where in sorted({occurrences.unit_of(h, unit) for h in everywhere}):
            found = inner(Within(occurrences, unit, where))
            if found:
                out = found if out is None else out + found
        return out

    return scoped


def _compile_near(left: Evaluator, right: Evaluator, distance: int) -> Evaluator:
    def near(by_key: Article) -> list[Hit] | None:
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
