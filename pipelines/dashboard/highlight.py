"""Text cut into plain and highlighted segments, for templates that escape every segment and
wrap the highlighted ones in <mark>: no markup is ever built from article text."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    hit: bool = False


_BRACKETED = re.compile(r"\[([^\[\]]+)\]")


def _split(text: str, pattern: re.Pattern[str], group: int) -> tuple[Segment, ...]:
    """`text` cut at the matches of `pattern`: plain segments between them, and each match's
    `group` as a highlighted segment."""
    out: list[Segment] = []
    pos = 0
    for m in pattern.finditer(text):
        if m.start() > pos:
            out.append(Segment(text[pos : m.start()]))
        out.append(Segment(m.group(group), True))
        pos = m.end()
    if pos < len(text):
        out.append(Segment(text[pos:]))
    return tuple(out)


def bracketed(snippet: str) -> tuple[Segment, ...]:
    """A stored evidence snippet, whose hits are written in [brackets], as segments."""
    return _split(snippet, _BRACKETED, 1)


def occurrences(text: str, terms: Iterable[str]) -> tuple[Segment, ...]:
    """`text` with every whole-word, case-insensitive occurrence of any term highlighted.

    Longer terms win where they overlap ("Donetsk region" over "Donetsk")."""
    words = sorted({t.strip() for t in terms if t and t.strip()}, key=len, reverse=True)
    if not words or not text:
        return (Segment(text),) if text else ()
    pattern = re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.IGNORECASE
    )
    return _split(text, pattern, 0)


def paragraphs(segments: Iterable[Segment]) -> tuple[tuple[Segment, ...], ...]:
    """Segments split at line breaks into paragraphs (empty ones dropped)."""
    out: list[tuple[Segment, ...]] = []
    current: list[Segment] = []
    for seg in segments:
        pieces = seg.text.split("\n")
        for i, piece in enumerate(pieces):
            if i:
                if any(s.text.strip() for s in current):
                    out.append(tuple(current))
                current = []
            if piece:
                current.append(Segment(piece, seg.hit))
    if any(s.text.strip() for s in current):
        out.append(tuple(current))
    return tuple(out)
