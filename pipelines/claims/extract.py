"""Demand claims in one article: which region Russia demands, what of it, and who said so.

A claim is read off one sentence (`read.sentence_claims`), in four steps that `explain` can
show:

1. marks: every cue of config/claims.yaml, every region and Russian actor of the gazetteer,
   found on the rules' folded and stemmed tokens (`sentence.marks_of`);
2. an action word (withdraw, recognise/cede, seize, buffer zone, other) governed by a demand
   (a threat for seize, a demand or an order for a buffer zone), with no negation between;
3. the action's scope: the regions after it (or a list right before a passive "must be
   handed over"); "the four regions" names the four. A clause word, another action or a
   bracket ends it, so a region merely mentioned near a demand about another is not claimed;
4. whose demand: the nearest named party before the demand must be Russian, else a Russian
   actor named later in the sentence ("…, Peskov said"), else the party of the nearest
   sentence before that names one. Withdrawal of Russia's own troops is someone's demand of
   Russia, not Russia's.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import replace

from pipelines.claims.gate import passes as _passes
from pipelines.claims.lexicon import ClaimRules, Gate
from pipelines.claims.model import model_claims
from pipelines.claims.read import Context, sentence_claims
from pipelines.claims.sentence import Field, Sentence, split_sentences, word_info
from pipelines.models import DemandClaim
from pipelines.rules.compiled import fold_stem_all
from pipelines.rules.text import WORD


def claims_in(
    title: str, text: str, lang: str | None, rules: ClaimRules, learned: bool = True
) -> list[DemandClaim]:
    """Every claim of an article, title first, in reading order; one per (region, action)
    per sentence. A demand of a region itself ("Kremlin demands Donetsk") is left out when
    the article says what of it is demanded (a withdrawal, a recognition). When claims.yaml
    names a model (and `learned`), the claims it is sure of and the cues missed follow
    (`pipelines.claims.model`).

    Only sentences where the gates find a region name, an action word and a governing word
    (Aho-Corasick automata of word starts over the lower-cased text, see `ClaimRules.gate`)
    are split out and read word by word: a sentence without all three cannot hold a claim
    (a list item needs no governing word). The sentences before one are split only when
    who said it is asked."""
    out: list[DemandClaim] = []
    fields = [Field("title", title or "", rules), Field("text", text or "", rules)]
    context = Context(fields)
    for field in fields:
        gated = _gated(field, rules)
        if gated is None:
            continue
        candidates, low, actions = gated
        for s in candidates:
            context.current = s
            context.in_list = s.opens_with_bullet() or s.after_colon()
            if (
                low
                and not (
                    _any_in(actions, s.start, s.end)
                    and (
                        context.in_list
                        or _passes(rules.governor_gate, low, field.text, s.start, s.end + 1)
                        or _governed_before(s, rules, low)
                    )
                )
                and id(field.before(s)) not in context.claimed  # "… Also from Luhansk."
            ):
                continue
            found = sentence_claims(s, field.name, lang, rules, context)
            if found:
                context.regions = list(dict.fromkeys(c.region for c in found))
                context.actor = context.claimed[id(s)] = found[-1].actor
                context.kinds[id(s)] = found[-1].action
            out += found
    precise = {c.region for c in out if id(c) not in context.objects}
    out = [c for c in out if id(c) not in context.objects or c.region not in precise]
    out = _without_umbrellas(out, f"{title}\n{text}", rules)
    if learned and rules.model is not None:
        added = model_claims(fields, lang, rules, rules.model, out)
        if added:
            out = _without_umbrellas(out + added, f"{title}\n{text}", rules)
    return out


def _gated(field: Field, rules: ClaimRules) -> tuple[list[Sentence], str, list[int]] | None:
    """The sentences of a field that name a region (in order), the field as the gates read
    it (" " + lower-cased) and where its action words start; None when the field cannot
    hold a claim. Only paragraphs with a region and an action word are split into
    sentences. A field whose lower case changes its length is read whole, ungated ("")."""
    text = field.text
    low, hits = field.region_hits()
    if not low:
        return field.all(), "", []
    by_paragraph: dict[int, list[int]] = {}
    for at in hits:
        by_paragraph.setdefault(bisect_right(field.starts, at) - 1, []).append(at)
    starts: list[int] = []
    actions: list[int] = []
    for k, found in by_paragraph.items():
        if k < 0:
            continue
        a, b = field.paragraphs[k]
        in_paragraph = _hits(rules.action_gate, low, text, a, b + 1)
        if in_paragraph:
            regions = _checked(rules.gate, text, found)
            if regions:
                starts += regions
                actions += in_paragraph
    if not starts:
        return None
    sentences = dict.fromkeys(s for s in map(field.at, starts) if s is not None)
    for s in list(sentences):  # "Crimea is Russian. This must be recognised."
        following = field.sentences(s.paragraph)[s.index + 1 : s.index + 2]
        sentences.update(dict.fromkeys(f for f in following if _opens_with_pronoun(f, rules)))
    ordered = sorted(sentences, key=lambda s: s.start)
    return ordered, low, sorted(actions)


def _governed_before(s: Sentence, rules: ClaimRules, low: str) -> bool:
    """The sentence before, in the same paragraph, holds a governing word: it may voice
    the demand whose regions this sentence names (`read._demand_before`)."""
    before = s.field.before(s)
    if before is None or before.paragraph != s.paragraph:
        return False
    found = before.memo.get("governor_gate")
    if found is None:
        found = before.memo["governor_gate"] = _passes(
            rules.governor_gate, low, s.text, before.start, before.end + 1
        )
    return found


def _opens_with_pronoun(s: Sentence, rules: ClaimRules) -> bool:
    """The sentence's first word is a `pronoun` cue ("This …", «Это …»)."""
    m = WORD.search(s.text, s.start, s.end)
    if m is None:
        return False
    folded, stem = fold_stem_all([m.group()])[0]
    return any(kind == "pronoun" for kind, _ in word_info(folded, stem, rules)[0])


def _any_in(starts: list[int], a: int, b: int) -> bool:
    i = bisect_left(starts, a)
    return i < len(starts) and starts[i] < b


def _hits(gate: Gate, low: str, text: str, start: int, end: int) -> list[int]:
    """Where in `text[start:end]` words of the gate start (`low` is " " + the text
    lower-cased: a pattern holds the character before its word)."""
    return _checked(gate, text, [e - n + 1 for e, n in gate.automaton.iter(low, start, end)])


def _checked(gate: Gate, text: str, starts: list[int]) -> list[int]:
    """The automaton hits whose whole word is one of the gate's."""
    out: list[int] = []
    for at in starts:
        m = WORD.match(text, at)
        if m is not None and gate.holds(m.group()):
            out.append(at)
    return out


def _without_umbrellas(
    claims: list[DemandClaim], text: str, rules: ClaimRules
) -> list[DemandClaim]:
    """Claims on an umbrella region (Donbas) read as claims on its parts when the article
    names every one of them (Donetsk and Luhansk), unless those parts are claimed so
    already: claims.yaml `umbrella`. An article that names one part only ("… leave Donbas",
    then "fighting near Donetsk") keeps the umbrella's own claim."""
    umbrellas = {c.region for c in claims} & set(rules.umbrella)
    if not umbrellas:
        return claims
    named = {m.label for s in split_sentences(text, rules) for m in s.marks if m.kind == "region"}
    dropped = {u for u in umbrellas if set(rules.umbrella[u]) <= named}
    kept = [c for c in claims if c.region not in dropped]
    have = {(c.region, c.action) for c in kept}
    for c in claims:
        if c.region in dropped:  # "leave Donbas … Donbas is the Donetsk and Luhansk republics"
            parts = sorted(named & rules.umbrella[c.region])
            kept += [replace(c, region=p) for p in parts if (p, c.action) not in have]
            have.update((p, c.action) for p in parts)
    return kept


def explain_marks(text: str, rules: ClaimRules) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """Each sentence with the marks found in it (kind, label, surface words)."""
    out = []
    for s in split_sentences(text, rules):
        if not s.marks:
            continue
        rows = [(m.kind, m.label, " ".join(s.words.surface[m.first : m.last + 1])) for m in s.marks]
        out.append((text[s.start : s.end], rows))
    return out
