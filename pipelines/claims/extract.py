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

from typing import Any

from pipelines.claims.lexicon import ClaimRules
from pipelines.claims.read import Context, sentence_claims
from pipelines.claims.sentence import Sentence, split_sentences
from pipelines.models import DemandClaim


def claims_in(title: str, text: str, lang: str | None, rules: ClaimRules) -> list[DemandClaim]:
    """Every claim of an article, title first, in reading order; one per (region, action)
    per sentence.

    Only sentences where the gates find a region name's first letters, an action word and a
    governing word (Aho-Corasick automata over the lower-cased text, see `ClaimRules.gate`)
    are read word by word: a sentence without all three cannot hold a claim (a list item
    needs no governing word). The sentences before are kept, unread, for who said it."""
    out: list[DemandClaim] = []
    gates = (rules.gate, rules.action_gate, rules.governor_gate)
    context = Context()
    for field, body in (("title", title or ""), ("text", text or "")):
        lowered = body.lower()
        if len(lowered) != len(body):  # a letter whose lower case is longer: read it all
            lowered = ""
        elif any(next(g.iter(lowered), None) is None for g in gates[:2]):
            context.earlier.append(Sentence(body, 0, len(body), 0, rules))
            continue
        previous: Sentence | None = None
        for s in split_sentences(body, rules):
            context.in_list = s.opens_with_bullet() or (
                previous is not None and body[previous.start : previous.end].rstrip()[-1:] == ":"
            )
            needed = gates[:2] if context.in_list else gates  # a list item needs no demand
            if not lowered or all(_hit(g, lowered, s) for g in needed):
                found = sentence_claims(s, field, lang, rules, context)
                if found:
                    context.regions = list(dict.fromkeys(c.region for c in found))
                    context.actor = context.claimed[id(s)] = found[-1].actor
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
    named = {m.label for s in split_sentences(text, rules) for m in s.marks if m.kind == "region"}
    dropped = {u for u in umbrellas if named & rules.umbrella[u]}
    return [c for c in claims if c.region not in dropped]


def _hit(automaton: Any, lowered: str, s: Sentence) -> bool:
    return next(automaton.iter(lowered, s.start, s.end), None) is not None


def explain_marks(text: str, rules: ClaimRules) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """Each sentence with the marks found in it (kind, label, surface words)."""
    out = []
    for s in split_sentences(text, rules):
        if not s.marks:
            continue
        rows = [
            (m.kind, m.label, " ".join(t.surface for t in s.tokens[m.first : m.last + 1]))
            for m in s.marks
        ]
        out.append((text[s.start : s.end], rows))
    return out
