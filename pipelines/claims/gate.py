"""The gates of the claims lexicon: quick tests, run before any sentence is split or read,
that a stretch of text holds one of some cue words (`Gate`), and how a cue is written as the
words that gate it (docs/DEMANDS.md "How a sentence is read", step 1)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import ahocorasick

from pipelines.rules.compiled import fold_stem_all
from pipelines.rules.text import WORD, tokenize

WordPattern = tuple[bool, str]
"""(is a prefix, folded prefix or stem) of one cue word."""

_GATE_LETTERS = 3
"""The fewest letters a gate word has (Суми, Сумської, Сумщину → "сум")."""


def cue_words(text: str) -> tuple[WordPattern, ...] | None:
    """A cue as the patterns of its words: a prefix for `word*`, else each word's stem;
    None when it is not a word or phrase (a `*` inside a word, a prefix of two words)."""
    out: list[WordPattern] = []
    for raw in text.split():
        if "*" in raw[:-1]:
            return None
        if raw.endswith("*"):
            folded = [t.folded for t in tokenize(raw[:-1])]
            if len(folded) != 1:
                return None
            out.append((True, folded[0]))
        else:
            out += [(False, t.stem) for t in tokenize(raw)]
    return tuple(out) or None


def _common_start(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _starts(word: str) -> set[str]:
    """What every form of `word` that matches it begins with, in lower-cased text: a prefix
    cue's letters; else the part its stem shares with the word (Харків → "харк", as
    Харкова, Харківщину and Харьков stem to "харков"), at least `_GATE_LETTERS` letters."""
    if word.endswith("*"):
        word = word[:-1]
        return {word.lower(), *(t.folded for t in tokenize(word))}
    out = set()
    raw = word.lower()
    for tok in tokenize(word)[:1]:
        for form in (raw, tok.folded):
            shared = _common_start(form, tok.stem)
            out.add(shared if len(shared) >= _GATE_LETTERS else form[:_GATE_LETTERS])
    return out


_COMMON = (
    "a an the of to in on at as and or is are was were be been has have had will would could "
    "may might must should can out up more their its without with from by for not "
    "і й та з із в у на до не є буде будуть може можуть має мають "
    "и с из в на до не есть будет будут может могут должен должна должно должны "
    "russia russian federation росії російської федерації россии российской федерации рф "
    "over land exchange return only after possible press pressing pressed negotiable given "
    "taken security set setting discussion"
)
_FUNCTION_WORDS = frozenset(_COMMON.split())
"""Words too common to gate a phrase on ("would" of "would lose"; "Russia" of "part of
Russia": nearly every paragraph of the news this reads names Russia; "exchange" of "in
exchange for" in news of prisoner exchanges). A phrase made only of these is gated whole."""


def _gate_word(entry: str) -> str:
    """The word that gates a cue: its most distinctive, as every occurrence of the phrase
    holds that word: not a function word, then the one whose starts are longest ("next" of
    "would be next", "случае" of "в случае"), then the last."""
    words = [w for w in entry.split() if all(_starts(w))]
    return max(
        enumerate(words),
        key=lambda iw: (
            iw[1].lower() not in _FUNCTION_WORDS,
            min(map(len, _starts(iw[1]))),
            iw[0],
        ),
        default=(0, ""),
    )[1]


WHOLE = ("sovereign", "retain", "future", "next", "threat", "could")
"""Cue kinds gated on their whole phrase: their words are everyday news words ("part",
"region", «часть», "seize" of "will seize", «контроль» of «перейдет под контроль») that
would open most paragraphs, and config/claims.yaml lists each form of their phrases
(`explains` is gated so as well, with the action words: a sentence that names the regions
of the demand before it holds no action word)."""


def whole_phrase(entry: str) -> str:
    """The entry itself, gated whole, unless a word but the last is a prefix (`*`)."""
    return _gate_word(entry) if "*" in entry.rsplit(" ", 1)[0] else entry


def gate_entry(entry: str) -> str:
    """What gates a cue: its whole phrase when every word of it is a function word ("has
    to", "is to": "has" alone is in most sentences), else its most distinctive word."""
    words = entry.split()
    if len(words) > 1 and all(w.lower() in _FUNCTION_WORDS for w in words):
        return whole_phrase(entry)
    return _gate_word(entry)


_WORD_OPENERS = " \n\t(«„“\"'‘[/-—–…*•·"
"""What may stand right before a word in running text: a gate pattern is each of these
followed by the word's start, so the automata find word starts (not "сум" in "сума") over
plain lower-cased text."""


@dataclass(frozen=True, slots=True)
class Gate:
    """A quick test that a stretch of text holds one of some words (region names, action
    cues, governing cues), run before any sentence is split or read: an Aho-Corasick
    automaton finds the words' starts, each after one of `_WORD_OPENERS` (the value is the
    pattern's length; it runs over " " + the lower-cased text), and a hit counts only if
    its whole word has one of the words' stems or prefixes ("сума" is not Суми)."""

    automaton: Any
    stems: frozenset[str]
    prefixes: tuple[str, ...]

    memo: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    def word_ok(self, folded: str, stem: str) -> bool:
        return stem in self.stems or folded.startswith(self.prefixes)

    def holds(self, word: str) -> bool:
        """The word (as written) is one of the gate's, memoised per word."""
        ok = self.memo.get(word)
        if ok is None:
            if len(self.memo) > 100_000:
                self.memo.clear()
            ok = self.memo[word] = self.word_ok(*fold_stem_all([word])[0])
        return ok


def passes(gate: Gate, low: str, text: str, start: int, end: int) -> bool:
    """A word of the gate starts in `text[start:end]` (`low` is " " + the text lower-cased;
    checked hit by hit, lazily)."""
    for end_at, length in gate.automaton.iter(low, start, end):
        m = WORD.match(text, end_at - length + 1)
        if m is not None and gate.holds(m.group()):
            return True
    return False


def _phrase_starts(entry: str, names: bool = False) -> set[str]:
    """The starts of a word, or of a phrase as it stands in lower-cased text: its words but
    the last as written (and folded), single-spaced, then the last word's starts ("new
    region" for "new regions", "чотирьох област" for "чотирьох областей")."""
    words = entry.split()
    if len(words) == 1:
        if names and words[0].isascii() and words[0].isalpha():
            return {words[0].lower()}  # English names do not inflect: "sumy", not "sum"
        return _starts(words[0])
    heads = [""]
    for word in words[:-1]:
        word = word.rstrip("*")
        forms = {word.lower(), *(t.folded for t in tokenize(word))}
        heads = [f"{h}{f} " for h in heads for f in forms]
    return {h + tail for h in heads for tail in _starts(words[-1])}


def build_gate(entries: Iterable[str], names: bool = False) -> Gate:
    """A gate of words, or of phrases matched whole (so "new regions" does not open every
    sentence with "new"); a hit's word check is on the entry's first word."""
    entries = [e for e in entries if e]
    automaton = ahocorasick.Automaton()
    for start in {start for e in entries for start in _phrase_starts(e, names)}:
        for opener in _WORD_OPENERS:
            automaton.add_word(opener + start, len(start) + 1)
    automaton.make_automaton()
    patterns = [p for e in entries for p in (cue_words(e.split()[0]) or ())]
    return Gate(
        automaton,
        frozenset(v for is_prefix, v in patterns if not is_prefix),
        tuple(sorted({v for is_prefix, v in patterns if is_prefix})),
    )
