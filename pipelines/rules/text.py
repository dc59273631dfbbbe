"""Text normalisation for matching: tokens with offsets, folding, and stems for en/uk/ru.

Query atoms and article text go through the same functions, so whatever folding is applied it
is applied to both sides. Offsets always point into the original string, for evidence.

- Folding: NFKC, case folding, accents stripped (é→e, ї→і), ё→е, soft/hard signs dropped,
  apostrophe variants (’ ʼ ‘ `) treated as word breaks, so Kyiv's and Kyiv’s both yield "kyiv".
- Stems: English with Snowball; Russian with Snowball plus adjectival "-ск" removed; Ukrainian
  (no Snowball stemmer exists) with a light suffix stripper and the і→о alternation of closed
  syllables, so Харків, Харкова, Харкові, Харківщина, Харківської and Харьков share one stem.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

WORD = re.compile(r"[^\W_]+", re.UNICODE)
WORD_SPLIT = re.compile(r"([^\W_]+)", re.UNICODE)
"""Splits text into [separator, word, separator, word, …, separator]."""
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_CYRILLIC_FOLD = str.maketrans({"ё": "е", "ї": "і", "ґ": "г", "ь": None, "ъ": None})
_UKRAINIAN_LETTERS = frozenset("іє")
_UK_ENDINGS = sorted(
    [
        "ськими",
        "ського",
        "ському",
        "ській",
        "ської",
        "ських",
        "ська",
        "ську",
        "ський",
        "ське",
        "щиною",
        "щини",
        "щині",
        "щину",
        "щина",
        "ями",
        "ами",
        "ові",
        "еві",
        "ого",
        "ому",
        "ими",
        "іми",
        "ій",
        "ої",
        "ою",
        "ею",
        "єю",
        "ія",
        "ії",
        "ію",
        "ів",
        "ах",
        "ях",
        "ам",
        "ям",
        "ом",
        "ем",
        "им",
        "их",
        "а",
        "я",
        "у",
        "ю",
        "і",
        "и",
        "е",
        "о",
        "й",
    ],
    key=len,
    reverse=True,
)
_UK_ENDINGS = sorted({e.translate(_CYRILLIC_FOLD) for e in _UK_ENDINGS}, key=len, reverse=True)
_VOWELS_UK = "аеєиіоуюя"
_IKAVISM = re.compile(rf"і([^{_VOWELS_UK}]+)$")
_english = Stemmer.Stemmer("english")
_russian = Stemmer.Stemmer("russian")


@dataclass(frozen=True, slots=True)
class Token:
    surface: str
    folded: str
    stem: str
    start: int
    end: int


@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """Case, accent and letter-variant folding of one word.

    Latin accents are stripped (é→e); Cyrillic letters keep their marks (й is not и), with
    ё→е, ї→і, ґ→г and the soft and hard signs dropped, which merges ru/uk spelling variants
    such as Харьков / Харков.
    """
    # NFKC can expand one character into several words (ﷺ); a token never holds a space.
    word = unicodedata.normalize("NFKC", word).casefold().replace(" ", "")
    if _CYRILLIC.search(word):
        return word.translate(_CYRILLIC_FOLD)
    return "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")


def _stem_ukrainian(word: str) -> str:
    for ending in _UK_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            word = word[: -len(ending)]
            break
    return _IKAVISM.sub(r"о\1", word)


def _stem_russian(word: str) -> str:
    stem = _russian.stemWord(word)
    for suffix in ("щин", "ск"):
        if stem.endswith(suffix) and len(stem) - len(suffix) >= 3:
            stem = stem[: -len(suffix)]
    return stem


@lru_cache(maxsize=200_000)
def stem(folded: str) -> str:
    """The matching key of a folded word, chosen by its script."""
    if _CYRILLIC.search(folded):
        if _UKRAINIAN_LETTERS.intersection(folded):
            return _stem_ukrainian(folded)
        return _stem_russian(folded)
    if folded.isascii() and folded.isalpha():
        return _english.stemWord(folded)
    return folded


def tokenize(text: str) -> list[Token]:
    """Word tokens of `text` with their folded form, stem and offsets into `text`."""
    out = []
    for m in WORD.finditer(text):
        folded = fold(m.group())
        if folded:
            out.append(Token(m.group(), folded, stem(folded), m.start(), m.end()))
    return out
