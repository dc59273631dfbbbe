"""Sentences of an article and the marks on their words: the material `read` reasons over.

A sentence's tokens and marks are computed only when first asked for: most sentences of most
articles never pass the gates of `extract.claims_in`.
"""

from __future__ import annotations

import re

from pipelines.claims.lexicon import ClaimRules, Cue
from pipelines.rules.text import Token, tokenize

SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'»”’)\]]*\s+|\n\s*|\s+[•·]\s+|;\s+[–—-]\s+")
"""Sentence ends: after . ! ? …, at a line break, and before an inline bullet (`• …` or
`; – …`): each item of a list of demands is read as a sentence of its own."""
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


def cues_of(tok: Token, rules: ClaimRules) -> tuple[Cue, ...]:
    """The cues that can start at a word, memoised per word (news text repeats its words)."""
    key = (tok.folded, tok.stem)
    found = rules.memo.get(key)
    if found is None:
        cues: list[Cue] = list(rules.by_stem.get(tok.stem, ()))
        for length in rules.prefix_lengths:
            if length > len(tok.folded):
                break
            cues += rules.by_prefix.get(tok.folded[:length], ())
        if len(rules.memo) > 200_000:
            rules.memo.clear()
        found = rules.memo[key] = tuple(cues)
    return found


def marks_of(tokens: list[Token], rules: ClaimRules) -> list[Mark]:
    out: list[Mark] = []
    n = len(tokens)
    for i, tok in enumerate(tokens):
        for cue in cues_of(tok, rules):
            k = len(cue.words)
            if i + k > n:
                continue
            if k == 1 or all(
                (tokens[i + j].folded.startswith(v) if p else tokens[i + j].stem == v)
                for j, (p, v) in enumerate(cue.words)
            ):
                out.append(Mark(cue.kind, cue.text, i, i + k - 1))
        for stems, entity in rules.names.get(tok.stem, ()):
            k = len(stems)
            if i + k <= n and all(tokens[i + j].stem == s for j, s in enumerate(stems)):
                kind = "region" if entity in rules.regions else "actor"
                out.append(Mark(kind, entity, i, i + k - 1))
                break
    return out


class Sentence:
    """One sentence of a field (`text[start:end]`), its paragraph number, and its tokens and
    marks once asked for."""

    __slots__ = ("_marks", "_tokens", "end", "paragraph", "rules", "start", "text")

    def __init__(self, text: str, start: int, end: int, paragraph: int, rules: ClaimRules):
        self.text, self.start, self.end, self.paragraph, self.rules = (
            text, start, end, paragraph, rules,
        )  # fmt: skip
        self._tokens: list[Token] | None = None
        self._marks: list[Mark] | None = None

    @property
    def tokens(self) -> list[Token]:
        if self._tokens is None:
            self._tokens = tokenize(self.text[self.start : self.end])
        return self._tokens

    @property
    def marks(self) -> list[Mark]:
        if self._marks is None:
            self._marks = marks_of(self.tokens, self.rules)
        return self._marks

    def broken(self, a: int, b: int) -> bool:
        """A bracket or semicolon between token a and token b."""
        toks = self.tokens
        gap = self.text[self.start + toks[a].end : self.start + toks[b].start]
        return any(c in BREAK_CHARS for c in gap)

    def opens_with_bullet(self) -> bool:
        return self.text[self.start] in BULLETS or (
            self.start >= 2 and self.text[self.start - 2] in BULLETS
        )


def split_sentences(text: str, rules: ClaimRules) -> list[Sentence]:
    out: list[Sentence] = []
    paragraph = 0
    pos = 0
    for m in SENTENCE_END.finditer(text + "\n"):
        start, end = pos, m.start()
        pos = m.end()
        chunk = text[start:end]
        start += len(chunk) - len(chunk.lstrip())
        if start < end:
            out.append(Sentence(text, start, end, paragraph, rules))
        if "\n" in m.group():
            paragraph += 1
    return out
