"""Sentences of an article and the marks on their words: the material `read` reasons over.

A sentence's tokens and marks are computed only when first asked for: most sentences of most
articles never pass the gates of `extract.claims_in`.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate
from typing import Any

from pipelines.claims.lexicon import ClaimRules, Cue
from pipelines.rules.compiled import fold_stem_all
from pipelines.rules.text import WORD_SPLIT

SENTENCE_END = re.compile(r"[.!?…][\"'»”’)\]]*(\s+)|\s+[•·]\s+|;\s+[–—-]\s+")
"""Sentence ends within a paragraph: after . ! ? … (and closing quotes), and before an inline
bullet (`• …` or `; – …`): each item of a list of demands is read as a sentence of its own.
A line break always ends a sentence (paragraphs are split first)."""
_PARAGRAPH = re.compile(r"[^\n]+")
_BREAK = re.compile(r"[;()\[\]]")
_LIST_ITEMS = 4
_LIST_ITEM_CHARS = 200
_NUMBERED = re.compile(r"\(?\d{1,2}[.)]\s")
_ORDINAL = re.compile(
    r"(?:the )?(?:first|second|third)\b|(?:перш|друг|трет)(?:ий|ій|а|е)\b|"
    r"(?:перв|втор|трет)(?:ый|ой|ий|ая|ья|ое|ье)\b",
    re.IGNORECASE,
)
"""An item of a list said in sentences ("The Russian side set out two options. The first
is the withdrawal …")."""
BREAK_CHARS = frozenset(";()[]")
BULLETS = frozenset("•·—–-*")


class Mark:
    """A cue of claims.yaml (kind = its cue kind), or a gazetteer name ("region", "actor"),
    on tokens first..last of a sentence."""

    __slots__ = ("first", "kind", "label", "last")

    def __init__(self, kind: str, label: str, first: int, last: int) -> None:
        self.kind, self.label, self.first, self.last = kind, label, first, last

    def __repr__(self) -> str:
        return f"Mark({self.kind!r}, {self.label!r}, {self.first}, {self.last})"


class Words:
    """The words of a sentence as parallel lists (surface, folded, stem, start and end
    offsets within the sentence), folded and stemmed through the matcher's own memo
    (`fold_stem_all`): a word matching has already seen costs a dict lookup."""

    __slots__ = ("end", "folded", "hyphened", "start", "stem", "surface")

    def __init__(self, text: str) -> None:
        parts = WORD_SPLIT.split(text)
        surface = parts[1::2]
        pairs = fold_stem_all(surface)
        offsets = list(accumulate(map(len, parts)))
        start, end = offsets[0:-1:2], offsets[1::2]
        folded, stem = (list(x) for x in zip(*pairs, strict=True)) if pairs else ([], [])
        hyphened = [k > 0 and parts[2 * k] == "-" for k in range(len(surface))]
        if "" in folded:  # a mark that folds to nothing is not a word
            kept = [i for i, f in enumerate(folded) if f]
            surface, folded, stem, hyphened = (
                [xs[i] for i in kept] for xs in (surface, folded, stem, hyphened)
            )
            start, end = [start[i] for i in kept], [end[i] for i in kept]
        self.surface, self.folded, self.stem = surface, folded, stem
        self.start, self.end = start, end
        self.hyphened = hyphened
        """Whether each word follows the one before across a bare hyphen ("будь-якому")."""

    def __len__(self) -> int:
        return len(self.folded)


WordInfo = tuple[
    tuple[tuple[str, str], ...], tuple[Cue, ...], tuple[tuple[list[str], str, str], ...]
]
"""What can start at a word: one-word cues as (kind, label), longer cues, and names as
(stems, entity, "region" | "actor")."""


def word_info(folded: str, stem: str, rules: ClaimRules) -> WordInfo:
    """The cues and names that can start at a word, memoised per folded word (news text
    repeats its words; the stem is a function of the folded word)."""
    found = rules.memo.get(folded)
    if found is None:
        cues: list[Cue] = list(rules.by_stem.get(stem, ()))
        for length in rules.prefix_lengths:
            if length > len(folded):
                break
            cues += rules.by_prefix.get(folded[:length], ())
        names = tuple(
            (list(name), entity, "region" if entity in rules.regions else "actor")
            for name, entity in rules.names.get(stem, ())
        )
        if len(rules.memo) > 200_000:
            rules.memo.clear()
        found = rules.memo[folded] = (
            tuple((c.kind, c.text) for c in cues if len(c.words) == 1),
            tuple(c for c in cues if len(c.words) > 1),
            names,
        )
    return found


def marks_of(words: Words, rules: ClaimRules) -> list[Mark]:
    out: list[Mark] = []
    folded, stems = words.folded, words.stem
    n = len(folded)
    for i in range(n):
        singles, longer, names = word_info(folded[i], stems[i], rules)
        compound = words.hyphened[i] or (i + 1 < n and words.hyphened[i + 1])
        for kind, label in singles:
            if compound and kind in _WHOLE_WORD_ONLY:
                continue  # «будь-якому» is neither «буде» nor «який»: halves of a compound
            out.append(Mark(kind, label, i, i))
        for cue in longer:
            k = len(cue.words)
            if i + k > n:
                continue
            for j in range(1, k):
                p, v = cue.words[j]
                if not (folded[i + j].startswith(v) if p else stems[i + j] == v):
                    break
            else:
                out.append(Mark(cue.kind, cue.text, i, i + k - 1))
        for name, entity, kind in names:
            k = len(name)
            if i + k <= n and (k == 1 or stems[i : i + k] == name):
                out.append(Mark(kind, entity, i, i + k - 1))
                break
    return _four_regions(out, n)


_WHOLE_WORD_ONLY = frozenset({"clause_break", "could", "copula"})
"""Cue kinds a half of a hyphenated word cannot be («будь-якому разі», «будь-де»)."""


_FOUR_GAP = 3


def _four_regions(marks: list[Mark], n: int) -> list[Mark]:
    """A `four` word ("four", «чотирьох», "new") and a `region_noun` up to three words after
    it, with no region between, stand for the four regions: "four temporarily occupied
    regions", «четыре новых российских региона», "Russia's new regions"."""
    fours = [m for m in marks if m.kind == "four"]
    if not fours:
        return marks
    nouns = {m.first: m for m in marks if m.kind == "region_noun"}
    names = {m.first for m in marks if m.kind == "region"}
    for m in fours:
        for j in range(m.last + 1, min(m.last + 2 + _FOUR_GAP, n)):
            if j in names:
                break
            if j in nouns:
                marks.append(Mark("four_regions", m.label, m.first, nouns[j].last))
                break
    return marks


class Sentence:
    """One sentence of a field (`text[start:end]`), its paragraph number, and its tokens and
    marks once asked for."""

    __slots__ = (
        *("_marks", "_words", "end", "field", "index", "paragraph", "rules", "start", "text"),
        "memo",
    )

    def __init__(self, field: Field, start: int, end: int, paragraph: int, index: int):
        self.field, self.text, self.rules = field, field.text, field.rules
        self.start, self.end, self.paragraph, self.index = start, end, paragraph, index
        self._words: Words | None = None
        self._marks: list[Mark] | None = None
        self.memo: dict[str, Any] = {}
        """What the reader derives from the marks once per sentence (`read`)."""

    @property
    def words(self) -> Words:
        if self._words is None:
            self._words = Words(self.text[self.start : self.end])
        return self._words

    @property
    def marks(self) -> list[Mark]:
        if self._marks is None:
            self._marks = marks_of(self.words, self.rules)
        return self._marks

    def gap(self, a: int, b: int) -> str:
        """The text between word a and word b."""
        w = self.words
        return self.text[self.start + w.end[a] : self.start + w.start[b]]

    def broken(self, a: int, b: int) -> bool:
        """A bracket or semicolon between word a and word b."""
        breaks = self.memo.get("breaks")
        if breaks is None:
            breaks = self.memo["breaks"] = [
                m.start() - self.start for m in _BREAK.finditer(self.text, self.start, self.end)
            ]
        if not breaks:
            return False
        w = self.words
        i = bisect_right(breaks, w.end[a] - 1)
        return i < len(breaks) and breaks[i] < w.start[b]

    def after_colon(self) -> bool:
        """The sentence before, in this field, ends with ":" (it leads in a list); for a
        paragraph's first sentence, also a ":" a few short one-sentence paragraphs back (a
        list set out one item a paragraph)."""
        if self.index:
            before = self.field.sentences(self.paragraph)[self.index - 1]
            return self.text[before.start : before.end].endswith(":")
        items = 0
        for k in range(self.paragraph - 1, -1, -1):
            a, b = self.field.paragraphs[k]
            body = self.text[a:b].strip()
            if not body:
                continue
            if body.endswith(":"):
                return True
            items += 1  # an item of a list set out one paragraph each, without bullets
            if items > _LIST_ITEMS or len(body) > _LIST_ITEM_CHARS or body[-1] not in ".;":
                return False
        return False

    def opens_with_bullet(self) -> bool:
        """The sentence is an item of a list: it opens with a bullet, a number ("2) …",
        "3. …") or an ordinal ("The first is …", «Второй вариант …»), or follows an inline
        bullet."""
        return (
            self.text[self.start] in BULLETS
            or (self.start >= 2 and self.text[self.start - 2] in BULLETS)
            or _NUMBERED.match(self.text, self.start) is not None
            or _ORDINAL.match(self.text, self.start) is not None
        )


class Field:
    """One field of an article (title or text), split into paragraphs at once and into
    sentences one paragraph at a time, when a sentence of it is first asked for."""

    __slots__ = (
        *("_region_hits", "_sentences", "_starts", "name", "paragraphs", "rules", "starts"),
        "text",
    )

    def __init__(self, name: str, text: str, rules: ClaimRules) -> None:
        self.name, self.text, self.rules = name, text, rules
        self.paragraphs = [m.span() for m in _PARAGRAPH.finditer(text)]
        self.starts = [a for a, _ in self.paragraphs]
        self._sentences: dict[int, list[Sentence]] = {}
        self._starts: dict[int, list[int]] = {}
        self._region_hits: tuple[str, list[int]] | None = None

    def region_hits(self) -> tuple[str, list[int]]:
        """ " " + the text lower-cased, as the gates read it, and where the region gate's
        automaton finds a word start in it (hits not yet checked word by word); ("", [])
        when lower-casing changes the text's length, which the gates cannot read. Computed
        once: the cue reader and the learned reader both start from it."""
        if self._region_hits is None:
            low = " " + self.text.lower()
            if len(low) != len(self.text) + 1:
                self._region_hits = ("", [])
            else:
                hits = self.rules.gate.automaton.iter(low)
                self._region_hits = (low, [end_at - n + 1 for end_at, n in hits])
        return self._region_hits

    def sentences(self, k: int) -> list[Sentence]:
        """The sentences of paragraph k."""
        found = self._sentences.get(k)
        if found is None:
            found = self._sentences[k] = self._split(k)
            self._starts[k] = [s.start for s in found]
        return found

    def _split(self, k: int) -> list[Sentence]:
        a, b = self.paragraphs[k]
        text = self.text
        out: list[Sentence] = []
        pos = a
        for m in SENTENCE_END.finditer(text, a, b):
            end = m.start(1) if m.start(1) >= 0 else m.start()
            self._add(out, pos, end, k)
            pos = m.end()
        self._add(out, pos, b, k)
        return out

    def _add(self, out: list[Sentence], start: int, end: int, k: int) -> None:
        chunk = self.text[start:end]
        start += len(chunk) - len(chunk.lstrip())
        end -= len(chunk) - len(chunk.rstrip())
        if start < end:
            out.append(Sentence(self, start, end, k, len(out)))

    def at(self, pos: int) -> Sentence | None:
        """The sentence holding character `pos`, if any."""
        k = bisect_right(self.starts, pos) - 1
        if k < 0 or pos >= self.paragraphs[k][1]:
            return None
        found = self.sentences(k)
        i = bisect_right(self._starts[k], pos) - 1
        if i >= 0 and pos < found[i].end:
            return found[i]
        return None

    def all(self) -> list[Sentence]:
        return [s for k in range(len(self.paragraphs)) for s in self.sentences(k)]

    def before(self, s: Sentence) -> Sentence | None:
        """The sentence before `s` in this field, if any."""
        if s.index:
            return self.sentences(s.paragraph)[s.index - 1]
        for k in range(s.paragraph - 1, -1, -1):
            found = self.sentences(k)
            if found:
                return found[-1]
        return None

    def last(self) -> Sentence | None:
        for k in range(len(self.paragraphs) - 1, -1, -1):
            found = self.sentences(k)
            if found:
                return found[-1]
        return None


def split_sentences(text: str, rules: ClaimRules) -> list[Sentence]:
    """Every sentence of `text`, in order."""
    return Field("text", text, rules).all()
