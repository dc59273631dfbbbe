"""An article's structure as the rules see it: sentences, paragraphs, the lead, salience, and
periods of time.

Sentence and paragraph boundaries are found once per field, from the separators between the
words the matcher already split (no second pass over the text), and are counted in the same
word indices as the automaton hits, so "which sentence is this hit in" is one bisection.

Salience says whether the evidence is the subject of the article or a passing mention: 1.0
when it sits in the lead (the first two sentences of the text), otherwise the share of the
article's sentences that hold evidence divided by `FULL_COVERAGE`, capped at 1; evidence in
the title raises that to at least `TITLE_ONLY` (a headline "strikes hit Kharkiv as talks
begin" names the talks without being about them). A single sentence deep in a
twelve-sentence article scores 1/12 / 0.25 = 0.33; with the title, 0.5.

Evidence in one sentence of the body only (neither the title nor the lead) is a passing
mention whatever the article's length, and scores at most `LONE_SENTENCE`: the last line of a
five-sentence battlefield report ("talks are due in Istanbul on Monday") covers a fifth of
it without being its subject. On every labelled set, the articles whose only evidence for the
talks sat in one body sentence were all false alarms.
"""

from __future__ import annotations

import calendar
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from itertools import compress, count
from typing import NamedTuple

LEAD_SENTENCES = 2
"""The lead is the first this many sentences of the text."""
FULL_COVERAGE = 0.25
"""Share of sentences with evidence at which evidence outside the lead counts as salient."""
TITLE_ONLY = 0.5
"""Salience of evidence in the title but neither in the lead nor covering the text."""
LONE_SENTENCE = 0.5
"""Highest salience of evidence in one body sentence only (no title, no lead)."""

_SENTENCE_END = re.compile(r"[.!?…][\"'»”’)\]]*\s")
"""A separator that ends a sentence: end punctuation (and closing quotes) before a space."""
_BULLET = re.compile(r"[;:]\s*[-–—•*]\s")
"""A list bullet after ';' or ':' (the terms of a memorandum listed inline) starts an item."""
_ABBREVIATIONS = frozenset(
    {
        *("mr", "mrs", "ms", "dr", "st", "gen", "col", "lt", "sgt", "maj", "capt", "jr", "sr"),
        *("vs", "no", "gov", "sen", "rep", "prof", "ст", "ул", "им", "др"),
    }
)


@dataclass(frozen=True, slots=True)
class Boundaries:
    """Word indices at which each sentence and each paragraph after the first starts."""

    sentences: tuple[int, ...]
    paragraphs: tuple[int, ...]
    words: int

    def sentence_of(self, word: int) -> int:
        return bisect_right(self.sentences, word)

    def paragraph_of(self, word: int) -> int:
        return bisect_right(self.paragraphs, word)

    @property
    def sentence_count(self) -> int:
        return len(self.sentences) + 1 if self.words else 0


def boundaries(parts: Sequence[str], kept: Sequence[int] | None) -> Boundaries:
    """Sentence and paragraph starts of a field split as [separator, word, separator, …].

    A newline starts a paragraph (and a sentence), so does a bullet after ';' or ':'; end
    punctuation starts a sentence unless the next word begins in lower case or the word
    before is an initial or a common abbreviation (Mr., Gen., ст.). `kept` maps matcher word
    indices to split words when some words fold to nothing."""
    sentences: list[int] = []
    paragraphs: list[int] = []
    words = (len(parts) - 1) // 2
    # Most separators are one space; only the others can end a sentence.
    separators = parts[2 : 2 * words : 2]
    for i in compress(count(1), map(" ".__ne__, separators)):
        sep = parts[2 * i]
        if "\n" in sep:
            paragraphs.append(i)
            sentences.append(i)
            continue
        if _BULLET.search(sep + " "):
            sentences.append(i)
            continue
        if not _SENTENCE_END.search(sep + " "):
            continue
        nxt, prev = parts[2 * i + 1], parts[2 * i - 1]
        if nxt[:1].islower() or (
            sep.startswith(".")
            and ((len(prev) == 1 and prev.isalpha()) or prev.casefold() in _ABBREVIATIONS)
        ):
            continue
        sentences.append(i)
    if kept is not None:

        def remap(starts: list[int]) -> list[int]:
            return sorted({bisect_left(kept, s) for s in starts} - {0})

        sentences, paragraphs, words = remap(sentences), remap(paragraphs), len(kept)
    return Boundaries(tuple(sentences), tuple(paragraphs), words)


class Salience(NamedTuple):
    """Where a topic's evidence sits, and the salience computed from it (module docstring).
    A tuple: every topic that fires builds one."""

    in_title: bool
    in_lead: bool
    sentences: int
    sentences_with_evidence: int

    @property
    def coverage(self) -> float:
        return self.sentences_with_evidence / self.sentences if self.sentences else 0.0

    @property
    def value(self) -> float:
        if self.in_lead or (self.in_title and not self.sentences):
            return 1.0
        covered = min(1.0, self.coverage / FULL_COVERAGE)
        if self.in_title:
            return max(TITLE_ONLY, covered)
        return min(LONE_SENTENCE, covered) if self.sentences_with_evidence == 1 else covered

    def as_dict(self) -> dict[str, object]:
        return {
            "salience": round(self.value, 3),
            "in_title": self.in_title,
            "in_lead": self.in_lead,
            "sentences": self.sentences,
            "sentences_with_evidence": self.sentences_with_evidence,
            "coverage": round(self.coverage, 3),
        }


def salience(in_title: bool, text_words: Iterable[int], text: Boundaries) -> Salience:
    """Salience of evidence in the title (or not) and at these word indices of the text."""
    ids = set(map(partial(bisect_right, text.sentences), set(text_words)))
    in_lead = bool(ids) and min(ids) < LEAD_SENTENCES
    return Salience(in_title, in_lead, text.sentence_count, len(ids))


# --- periods ------------------------------------------------------------------------------

_POINT = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


class PeriodError(ValueError):
    """A period that does not parse; the message says what to write instead."""


@dataclass(frozen=True, slots=True)
class Period:
    """A closed range of days; either end may be open (None)."""

    start: date | None
    end: date | None

    def __contains__(self, day: date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    def years(self, lowest: int = 1900, highest: int = 2100) -> range:
        first = self.start.year if self.start else lowest
        last = self.end.year if self.end else highest
        return range(max(first, lowest), min(last, highest) + 1)


def _point(text: str, last: bool) -> date:
    m = _POINT.fullmatch(text)
    if not m:
        raise PeriodError(f"{text!r} is not a date: write YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    try:
        if month is None:
            return date(year, 12, 31) if last else date(year, 1, 1)
        mm = int(month)
        if day is None:
            return date(year, mm, calendar.monthrange(year, mm)[1] if last else 1)
        return date(year, mm, int(day))
    except (ValueError, calendar.IllegalMonthError) as exc:
        raise PeriodError(f"{text!r} is not a valid date ({exc})") from None


def parse_period(text: str) -> Period:
    """`2025`, `2025-05`, `2025-05-16` (that whole year, month or day), `A..B`, `A..`, `..B`."""
    if ".." not in text:
        return Period(_point(text, last=False), _point(text, last=True))
    lo, _, hi = text.partition("..")
    if not lo and not hi:
        raise PeriodError("'..' needs a date on at least one side, e.g. 2025-05..")
    period = Period(_point(lo, last=False) if lo else None, _point(hi, last=True) if hi else None)
    if period.start and period.end and period.start > period.end:
        raise PeriodError(f"the period {text!r} ends before it starts")
    return period
