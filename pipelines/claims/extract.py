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
from typing import Any

from pipelines.claims.lexicon import ACTION_OF_CUE, Action, ClaimRules, Cue
from pipelines.models import DemandClaim
from pipelines.rules.text import Token, tokenize

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'»”’)\]]*\s+|\n\s*")
_BREAK_CHARS = frozenset(";()[]")
_GOVERNING: dict[Action, tuple[str, ...]] = {
    "withdraw": ("demand", "modal"),
    "recognise": ("demand", "modal"),
    "seize_threat": ("threat", "condition"),
    "buffer_zone": ("demand", "modal", "establish", "could"),
    "other": ("demand", "modal"),
}
_GOVERNING_WINDOW = {"threat": 8, "condition": 15}
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
    return (mark.kind == "actor" and mark.label in rules.russian_actors) or (
        mark.kind == "russian_party"
    )


def _party(mark: Mark, rules: ClaimRules) -> bool:
    return _russian(mark, rules) or mark.kind == "other_actors"


def _broken(text: str, tokens: list[Token], a: int, b: int) -> bool:
    """A bracket, dash or semicolon between token a and token b."""
    return any(c in _BREAK_CHARS for c in text[tokens[a].end : tokens[b].start])


def _scope(
    s: _Sentence, text: str, action: Mark, rules: ClaimRules, recent: list[str]
) -> tuple[list[str], int]:
    """The regions an action word governs (see the module docstring, step 3); "those
    territories" stands for `recent`, the regions of the claim before."""
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
        item = next((m for m in here if m.kind in ("region", "four_regions", "anaphora")), None)
        if item is not None:
            if item.kind == "four_regions":
                found += rules.four_regions
            elif item.kind == "anaphora":
                found += recent
            else:
                found.append(item.label)
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
    if action.kind == "loss":  # "risks losing": the threat is in the word itself
        return action
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
        if could and any(m.kind == "condition" for m in s.marks):
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
    if governor.kind in ("condition", "could"):  # "if Kyiv refuses, Russia could take …"
        anchor = action.first
    objects = {m.last + 1 for m in s.marks if m.kind == "object_marker"}
    before = sorted(
        (m for m in s.marks if _party(m, rules) and m.last < anchor and m.first not in objects),
        key=lambda m: m.last,
    )
    subject_first = governor.kind in ("modal", "loss")
    if before and subject_first and governor.first - before[-1].last <= _MODAL_SUBJECT:
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
    if any(m.kind == "condition" and m.first == governor.first for m in s.marks):
        return False  # "if Ukraine does not withdraw": the demand is to withdraw
    if governor.last < action.first:
        lo, hi = governor.last + 1, action.first
    else:
        lo, hi = action.last + 1, governor.first
    return any(m.kind == "negation" and lo <= m.first < hi for m in s.marks)


def _actor(s: _Sentence, governor: Mark, demander: Mark, rules: ClaimRules) -> str:
    named = [m for m in s.marks if m.kind == "actor" and _russian(m, rules) and m.label != "russia"]
    if named:
        return min(named, key=lambda m: abs(m.last - governor.first)).label
    return demander.label if demander.kind == "actor" else "russia"


def claims_in(title: str, text: str, lang: str | None, rules: ClaimRules) -> list[DemandClaim]:
    """Every claim of an article, title first, in reading order; one per (region, action)
    per sentence.

    Only sentences where the gates find a region name's first letters, an action word and a
    governing word (Aho-Corasick automata over the lower-cased text, see `ClaimRules.gate`)
    are read word by word: a sentence without all three cannot hold a claim."""
    out: list[DemandClaim] = []
    gates = (rules.gate, rules.action_gate, rules.governor_gate)
    context = _Context()
    for field, body in (("title", title or ""), ("text", text or "")):
        lowered = body.lower()
        if len(lowered) != len(body):  # a letter whose lower case is longer: read it all
            lowered = ""
        elif any(next(g.iter(lowered), None) is None for g in gates):
            if field == "title":
                context.earlier.append(_Sentence(body, 0, len(body), 0, rules))
            continue
        previous: _Sentence | None = None
        for s in _sentences(body, rules):
            context.in_list = body[s.start] in _BULLETS or (
                previous is not None and body[previous.start : previous.end].rstrip()[-1:] == ":"
            )
            needed = gates[:2] if context.in_list else gates  # a list item needs no demand
            if not lowered or all(_hit(g, lowered, s) for g in needed):
                found = _sentence_claims(s, body, field, lang, rules, previous, context)
                if found:
                    context.regions = list(dict.fromkeys(c.region for c in found))
                    context.actor = found[-1].actor
                out += found
            context.earlier.append(s)
            previous = s
    return _without_umbrellas(out, f"{title}\n{text}", rules)


def _without_umbrellas(
    claims: list[DemandClaim], text: str, rules: ClaimRules
) -> list[DemandClaim]:
    """Claims on an umbrella region (Donbas) left out when the article names one of its parts
    (Donetsk, Luhansk): claims.yaml `umbrella`."""
    umbrellas = {c.region for c in claims} & set(rules.umbrella)
    if not umbrellas:
        return claims
    named = {m.label for s in _sentences(text, rules) for m in s.marks if m.kind == "region"}
    dropped = {u for u in umbrellas if named & rules.umbrella[u]}
    return [c for c in claims if c.region not in dropped]


def _hit(automaton: Any, lowered: str, s: _Sentence) -> bool:
    return next(automaton.iter(lowered, s.start, s.end), None) is not None


class _Context:
    """What a sentence may refer back to: the regions of the last claim ("those
    territories"), the Russian party of the last demand, and whether the sentence is an
    item of a list (after a line ending in ":" or opening with a bullet)."""

    __slots__ = ("actor", "earlier", "in_list", "regions")

    def __init__(self) -> None:
        self.regions: list[str] = []
        self.actor: str | None = None
        self.in_list = False
        self.earlier: list[_Sentence] = []

    def speaker(self, rules: ClaimRules) -> str | None:
        """The Russian party of the last claim, else of the first earlier sentence that
        voices a demand (read only when a list item needs it)."""
        if self.actor is None:
            self.actor = next(
                (a for a in map(lambda e: _demand_speaker(e, rules), self.earlier) if a), None
            )
        return self.actor


_BULLETS = frozenset("•·—–-*")


def _demand_speaker(s: _Sentence, rules: ClaimRules) -> str | None:
    """The Russian party of a sentence that voices a demand with no region ("Moscow's
    memorandum"), for the list of demands that may follow."""
    if not any(m.kind == "demand" for m in s.marks):
        return None
    parties = [m for m in s.marks if _party(m, rules)]
    if parties and _russian(parties[0], rules):
        return _actor(s, parties[0], parties[0], rules)
    return None


def _speaker(previous: _Sentence | None, s: _Sentence, rules: ClaimRules) -> str | None:
    """The Russian actor who opens the sentence before, in the same paragraph: who "The
    demand is that …" or "He also said …" reports."""
    if previous is None or previous.paragraph != s.paragraph:
        return None
    objects = {m.last + 1 for m in previous.marks if m.kind == "object_marker"}
    parties = [m for m in previous.marks if _party(m, rules) and m.first not in objects]
    if not parties or not _russian(parties[0], rules):
        return None
    return _actor(previous, parties[0], parties[0], rules)


def _sentence_claims(
    s: _Sentence,
    body: str,
    field: str,
    lang: str | None,
    rules: ClaimRules,
    previous: _Sentence | None,
    context: _Context,
) -> list[DemandClaim]:
    kinds = {m.kind for m in s.marks}
    if not kinds & {"region", "four_regions", "anaphora"} or not kinds & set(ACTION_OF_CUE):
        return []
    out: list[DemandClaim] = []
    done: set[tuple[str, str]] = set()
    for action in s.marks:
        kind = ACTION_OF_CUE.get(action.kind)
        if kind is None:
            continue
        regions, scope_end = _scope(s, body, action, rules, context.regions)
        if not regions:
            continue
        governor = _governor(s, body, action, kind, scope_end)
        listed = governor is None and context.in_list and context.speaker(rules) is not None
        if listed:  # an item of a list of demands ("The main points: • recognition of …")
            governor = action
        if governor is None or _negated(s, governor, action):
            continue
        if kind == "withdraw" and _russia_withdraws(s, governor, action, rules):
            continue
        demander = None if listed else _demander(s, governor, action, rules)
        if listed:
            actor = context.actor or "russia"
        elif demander is None:
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
