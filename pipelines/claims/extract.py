"""Demand claims in one article: which region Russia demands, what of it, and who said so.

A claim is read off one sentence, in four steps that `explain` can show:

1. marks: every cue of config/claims.yaml, every region and Russian actor of the gazetteer,
   found on the rules' folded and stemmed tokens;
2. an action word (withdraw, recognise/cede, seize, buffer zone, other) governed by a demand
   before it in the sentence (a threat for seize, a demand or an order for a buffer zone), with
   no negation between them;
3. the action's scope: the regions after it, the first within `before_first_region` words, the
   rest only joined by list words ("Donetsk, Luhansk and Kherson regions"); "the four regions"
   names the four. A clause word, another action or a bracket ends it, so a region merely
   mentioned near a demand about another is not claimed;
4. whose demand: the nearest named party before the demand must be Russian (for "X must …",
   the party before X), else a Russian actor named later in the sentence ("…, Peskov said"),
   else the previous sentence's Russian speaker when the sentence names nobody. Withdrawal of
   Russia's own troops is someone's demand of Russia, not Russia's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipelines.claims.lexicon import ACTION_OF_CUE, Action, ClaimRules, Cue
from pipelines.models import DemandClaim
from pipelines.rules.text import Token, tokenize

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'»”’)\]]*\s+|\n\s*")
_BREAK_CHARS = frozenset(";()—–[]")
_GOVERNING: dict[Action, tuple[str, ...]] = {
    "withdraw": ("demand", "modal"),
    "recognise": ("demand", "modal"),
    "seize_threat": ("threat",),
    "buffer_zone": ("demand", "modal", "establish", "could"),
    "other": ("demand", "modal"),
}
_GOVERNING_WINDOW = {"threat": 8}
_DEFAULT_WINDOW = 15
_AFTER_WINDOW = 6
_MODAL_SUBJECT = 3
_WITHDRAWER_WINDOW = 5


@dataclass(frozen=True, slots=True)
class Mark:
    kind: str
    """A cue kind of claims.yaml, or "region" / "actor" for gazetteer names."""
    label: str
    first: int
    last: int


def _cues_of(tok: Token, rules: ClaimRules) -> tuple[Cue, ...]:
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


def _marks(tokens: list[Token], rules: ClaimRules) -> list[Mark]:
    out: list[Mark] = []
    n = len(tokens)
    for i, tok in enumerate(tokens):
        for cue in _cues_of(tok, rules):
            k = len(cue.words)
            if i + k > n:
                continue
            if all(
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


class _Sentence:
    """One sentence of a field; its tokens and marks are computed when first asked for, as
    most sentences are never read (see `claims_in`)."""

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
            self._marks = _marks(self.tokens, self.rules)
        return self._marks


def _sentences(text: str, rules: ClaimRules) -> list[_Sentence]:
    out: list[_Sentence] = []
    paragraph = 0
    pos = 0
    for m in _SENTENCE_END.finditer(text + "\n"):
        start, end = pos, m.start()
        pos = m.end()
        chunk = text[start:end]
        start += len(chunk) - len(chunk.lstrip())
        if start < end:
            out.append(_Sentence(text, start, end, paragraph, rules))
        if "\n" in m.group():
            paragraph += 1
    return out


def _russian(mark: Mark, rules: ClaimRules) -> bool:
    return mark.kind == "actor" and mark.label in rules.russian_actors


def _party(mark: Mark, rules: ClaimRules) -> bool:
    return _russian(mark, rules) or mark.kind == "other_actors"


def _broken(text: str, tokens: list[Token], a: int, b: int) -> bool:
    """A bracket, dash or semicolon between token a and token b."""
    return any(c in _BREAK_CHARS for c in text[tokens[a].end : tokens[b].start])


def _scope(s: _Sentence, text: str, action: Mark, rules: ClaimRules) -> tuple[list[str], int]:
    """The regions an action word governs (see the module docstring, step 3)."""
    at: dict[int, list[Mark]] = {}
    for m in s.marks:
        at.setdefault(m.first, []).append(m)
    found: list[str] = []
    i = action.last + 1
    last_item = action.last
    while i < len(s.tokens):
        if _broken(text[s.start :], s.tokens, i - 1, i):
            break
        here = at.get(i, [])
        kinds = {m.kind for m in here}
        if kinds & set(ACTION_OF_CUE) and i > action.last:
            break
        if "clause_break" in kinds:
            break
        item = next((m for m in here if m.kind in ("region", "four_regions")), None)
        if item is not None:
            found += list(rules.four_regions) if item.kind == "four_regions" else [item.label]
            last_item = i = item.last
            i += 1
            continue
        if found:
            if "glue" not in kinds:
                break
            i = max(m.last for m in here if m.kind == "glue") + 1
            continue
        if i - last_item > rules.before_first_region:
            break
        i += 1
    return list(dict.fromkeys(found)), last_item


def _governor(s: _Sentence, text: str, action: Mark, kind: Action, scope_end: int) -> Mark | None:
    """The word that makes the action a demand (see the module docstring, step 2): the
    nearest governing cue before it; for a seizure, also "would/could take … if …"; for the
    others, also a demand or requirement right after the regions ("… is a precondition")."""
    wanted = _GOVERNING[kind]
    best: Mark | None = None
    for m in s.marks:
        if m.kind in wanted and m.last < action.first:
            window = _GOVERNING_WINDOW.get(m.kind, _DEFAULT_WINDOW)
            if action.first - m.last <= window and (best is None or m.last > best.last):
                best = m
    if best is not None:
        return best
    if kind == "seize_threat":
        could = [
            m
            for m in s.marks
            if m.kind == "could" and m.last < action.first and action.first - m.last <= 4
        ]
        if could and any(m.kind == "condition" and m.first > action.last for m in s.marks):
            return max(could, key=lambda m: m.last)
        return None
    after = [
        m
        for m in s.marks
        if m.kind in ("demand", "required") and scope_end < m.first <= scope_end + _AFTER_WINDOW
    ]
    for m in sorted(after, key=lambda m: m.first):
        between = [x for x in s.marks if scope_end < x.first < m.first]
        if any(x.kind == "clause_break" for x in between) or _broken(
            text[s.start :], s.tokens, scope_end, m.first
        ):
            return None
        return m
    return None


def _possessor(s: _Sentence, governor: Mark, action: Mark, rules: ClaimRules) -> Mark | None:
    """A Russian party right after a demand noun, before the action: the genitive of
    "вимогу Росії вивести", "требование Москвы", or "the demand of/by Russia"."""
    if governor.kind != "demand" or governor.last >= action.first:
        return None
    for m in s.marks:
        if not _russian(m, rules) or m.last >= action.first:
            continue
        gap = [t.folded for t in s.tokens[governor.last + 1 : m.first]]
        cyrillic = not s.tokens[governor.last].folded.isascii()
        if gap in (["of"], ["by"]) or (cyrillic and not gap):
            return m
    return None


def _demander(s: _Sentence, governor: Mark, action: Mark, rules: ClaimRules) -> Mark | None:
    """The party whose demand this is, or None when nobody is named."""
    possessor = _possessor(s, governor, action, rules)
    if possessor is not None:
        return possessor
    anchor = min(governor.first, action.first)
    objects = {m.last + 1 for m in s.marks if m.kind == "object_marker"}
    before = sorted(
        (m for m in s.marks if _party(m, rules) and m.last < anchor and m.first not in objects),
        key=lambda m: m.last,
    )
    if before and governor.kind == "modal" and governor.first - before[-1].last <= _MODAL_SUBJECT:
        subject = before[-1]
        before = [m for m in before if m.last < subject.first]
    if before:
        return before[-1]
    after = [m for m in s.marks if _party(m, rules) and m.first > max(action.last, governor.last)]
    russian_after = [m for m in after if _russian(m, rules)]
    if russian_after:
        return russian_after[0]
    return after[0] if after else None


def _russia_withdraws(s: _Sentence, governor: Mark, action: Mark, rules: ClaimRules) -> bool:
    """Russia (its troops) is the one to withdraw: "Russia must withdraw", "withdrawal of
    Russian troops"."""
    after_governor = governor.kind != "modal" and governor.last < action.first
    lo = max(governor.last + 1 if after_governor else 0, action.first - _WITHDRAWER_WINDOW)
    possessor = _possessor(s, governor, action, rules)
    subjects = [
        m
        for m in s.marks
        if lo <= m.first < action.first
        and m.kind in ("russian_forces", "other_actors")
        and (possessor is None or m.first > possessor.last)
    ]
    if subjects and max(subjects, key=lambda m: m.last).kind == "russian_forces":
        return True
    first_region = min(
        (m.first for m in s.marks if m.kind == "region" and m.first > action.last),
        default=len(s.tokens),
    )
    return any(
        m.kind == "russian_forces" and action.last < m.first <= min(action.last + 3, first_region)
        for m in s.marks
    )


def _negated(s: _Sentence, governor: Mark, action: Mark) -> bool:
    return any(m.kind == "negation" and governor.first <= m.first < action.first for m in s.marks)


def _actor(s: _Sentence, governor: Mark, demander: Mark, rules: ClaimRules) -> str:
    named = [m for m in s.marks if _russian(m, rules) and m.label != "russia"]
    if named:
        return min(named, key=lambda m: abs(m.last - governor.first)).label
    return demander.label if demander.label != "russia" else "russia"


def claims_in(title: str, text: str, lang: str | None, rules: ClaimRules) -> list[DemandClaim]:
    """Every claim of an article, title first, in reading order; one per (region, action)
    per sentence.

    Only sentences where the gates find a region name's first letters, an action word and a
    governing word (Aho-Corasick automata over the lower-cased text, see `ClaimRules.gate`)
    are read word by word: a sentence without all three cannot hold a claim."""
    out: list[DemandClaim] = []
    gates = (rules.gate, rules.action_gate, rules.governor_gate)
    for field, body in (("title", title or ""), ("text", text or "")):
        lowered = body.lower()
        if len(lowered) != len(body):  # a letter whose lower case is longer: read it all
            lowered = ""
        elif any(next(g.iter(lowered), None) is None for g in gates):
            continue
        previous: _Sentence | None = None
        for s in _sentences(body, rules):
            if not lowered or all(
                next(g.iter(lowered, s.start, s.end), None) is not None for g in gates
            ):
                out += _sentence_claims(s, body, field, lang, rules, previous)
            previous = s
    return out


def _speaker(previous: _Sentence | None, s: _Sentence, rules: ClaimRules) -> str | None:
    """The Russian actor of the sentence before, in the same paragraph, when it names only
    Russian parties: who "The demand is that …" reports."""
    if previous is None or previous.paragraph != s.paragraph:
        return None
    parties = [m for m in previous.marks if _party(m, rules)]
    if not parties or not all(_russian(m, rules) for m in parties):
        return None
    return _actor(previous, parties[-1], parties[-1], rules)


def _sentence_claims(
    s: _Sentence,
    body: str,
    field: str,
    lang: str | None,
    rules: ClaimRules,
    previous: _Sentence | None,
) -> list[DemandClaim]:
    kinds = {m.kind for m in s.marks}
    if not kinds & {"region", "four_regions"} or not kinds & set(ACTION_OF_CUE):
        return []
    out: list[DemandClaim] = []
    done: set[tuple[str, str]] = set()
    for action in s.marks:
        kind = ACTION_OF_CUE.get(action.kind)
        if kind is None:
            continue
        regions, scope_end = _scope(s, body, action, rules)
        if not regions:
            continue
        governor = _governor(s, body, action, kind, scope_end)
        if governor is None or _negated(s, governor, action):
            continue
        if kind == "withdraw" and _russia_withdraws(s, governor, action, rules):
            continue
        demander = _demander(s, governor, action, rules)
        if demander is None:
            speaker = _speaker(previous, s, rules)
            if speaker is None:
                continue
            actor = speaker
        elif not _russian(demander, rules):
            continue
        else:
            actor = _actor(s, governor, demander, rules)
        sentence = body[s.start : s.end]
        regions = [r for r in regions if (r, kind) not in done]
        done.update((r, kind) for r in regions)
        out += [
            DemandClaim(
                region,
                kind,
                actor,
                sentence,
                s.start,
                s.end,
                lang,
                rules.version,
                field,
                action.label,
            )
            for region in regions
        ]
    return out


def explain_marks(text: str, rules: ClaimRules) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """Each sentence with the marks found in it (kind, label, surface words): what
    `newswatch demands explain --marks` prints."""
    out = []
    for s in _sentences(text, rules):
        if not s.marks:
            continue
        rows = [
            (
                m.kind,
                m.label,
                " ".join(t.surface for t in s.tokens[m.first : m.last + 1]),
            )
            for m in s.marks
        ]
        out.append((text[s.start : s.end], rows))
    return out
