"""Who voices a demand: the parties of a sentence, the one whose demand an action is, and
what earlier sentences say about who speaks (docs/DEMANDS.md "Whose demand")."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

from pipelines.claims.lexicon import Action, ClaimRules
from pipelines.claims.sentence import Field, Mark, Sentence

ITEMS = ("region", "four_regions", "anaphora")
CONJUNCTIONS = frozenset({"and", "і", "й", "та", "а", "и"})
COORDINATORS = CONJUNCTIONS | {"with", "along", "з", "із", "зі", "с", "со", "plus"}
"""What joins a second demanded action to the first: a conjunction, or "with" («…
визнання … з повним виведенням військ з цих територій»)."""
_MODAL_SUBJECT = 8
_WITHDRAWER_WINDOW = 5
_APPOSITION = 2


class Context:
    """What a sentence may refer back to: the regions of the last claim ("those
    territories"), the Russian party of the last demand, the sentences before, and whether
    the sentence is an item of a list (after a line ending in ":" or opening with a bullet)."""

    __slots__ = (
        *("actor", "claimed", "current", "fields", "in_list", "kinds", "objects", "regions"),
    )

    def __init__(self, fields: list[Field]) -> None:
        self.fields = fields
        """The article's fields, title first: a sentence's earlier ones run into the title."""
        self.regions: list[str] = []
        self.actor: str | None = None
        self.in_list = False
        self.current: Sentence | None = None
        self.objects: set[int] = set()
        """ids of claims read off a demand of the region itself ("demands Donetsk")."""
        self.claimed: dict[int, str] = {}
        """id of an earlier sentence → the actor of its claims."""
        self.kinds: dict[int, Action] = {}
        """id of an earlier sentence → the action of its last claim."""

    def earlier(self) -> Iterator[Sentence]:
        """The sentences before the current one, nearest first, the title's last."""
        s = self.current
        while s is not None:
            before = s.field.before(s)
            if before is None:
                i = next(i for i, f in enumerate(self.fields) if f is s.field)
                before = next((f.last() for f in reversed(self.fields[:i]) if f.last()), None)
            s = before
            if s is not None:
                yield s

    def list_speaker(self, rules: ClaimRules) -> str | None:
        """The Russian party of the last claim, else of the nearest earlier sentence that
        voices a demand or leads in a list (read only when a list item needs it)."""
        if self.actor is None:
            self.actor = next(
                (a for a in (_demand_speaker(e, rules) for e in self.earlier()) if a), None
            )
        return self.actor

    def speaker(self, rules: ClaimRules) -> str | None:
        """Who a sentence that names no party reports ("He said …", "The document requires
        …"): of the nearest of the three sentences before (the title included) that names a
        party, the actor of its claims, else the Russian official it names, else its first
        party (not an object) if that is Russian. A sentence whose only parties are others
        and that voices nothing ("Ukraine promised to answer") is passed over. A quote
        that runs on past the sentence is the speaker's named after it closes («… должны
        покинуть Донбасс. Это важное условие», — добавил Песков)."""
        quoted = self._quoted_after(rules)
        if quoted is not None:
            return quoted
        for e in islice(self.earlier(), 3):
            if id(e) in self.claimed:
                return self.claimed[id(e)]
            parties = subjects(e, rules)
            if parties:
                named = [m for m in parties if russian(m, rules) and m.label != "russia"]
                first = named[0] if named else parties[0]
                if russian(first, rules):
                    return actor_of(e, first, first, rules)
                if any(m.kind in _VOICING for m in e.marks):
                    return None
                # "Ukraine promised to answer within a week. The document demands …": a
                # party that voices nothing does not speak for the next sentence
        return None

    def _quoted_after(self, rules: ClaimRules) -> str | None:
        """The Russian official named right after the quote the current sentence opens,
        when that quote closes in one of the next sentences of the paragraph."""
        s = self.current
        if s is None or s.text[s.start : s.start + 1] not in _OPENING_QUOTES:
            return None
        if any(c in _CLOSING_QUOTES for c in s.text[s.start + 1 : s.end].rstrip(" .!?")):
            return None  # the quote closes in the sentence itself
        following = s.field.sentences(s.paragraph)[s.index + 1 : s.index + 1 + _QUOTE_REACH]
        for f in following:
            body = s.text[f.start : f.end]
            closing = max((body.rfind(c) for c in _CLOSING_QUOTES), default=-1)
            if closing < 0:
                continue
            after = [m for m in f.marks if f.words.start[m.first] > closing]
            if not any(m.kind == "say" for m in after):
                return None
            named = [m for m in after if russian(m, rules)]
            return actor_of(f, named[0], named[0], rules) if named else None
        return None

    def named_russian(self, rules: ClaimRules) -> str | None:
        """The Russian official or party named in the nearest of the three sentences before
        that names one, the sentence before the current one included: who said a demand
        whose own sentence names only the one it concerns ("He said Ukraine risks losing
        the regional centres. That is, Zaporizhzhia, …" after a sentence naming him)."""
        for e in islice(self.earlier(), 1, 4):
            named = [m for m in e.marks if russian(m, rules) and m.label != "russia"]
            if named:
                return actor_of(e, named[0], named[0], rules)
        return None


_OPENING_QUOTES = frozenset('«"“„')
_CLOSING_QUOTES = frozenset('»"”“')
_QUOTE_REACH = 2
"""Sentences after one that opens a quote in which it may close and name its speaker."""

_VOICING = frozenset({"demand", "modal", "threat", "source", "negation"})
"""Cues that make a sentence someone's position (a demand, a refusal, a reading of
another's): its party speaks for the sentences after it."""


def russian(mark: Mark, rules: ClaimRules) -> bool:
    return (mark.kind == "actor" and mark.label in rules.russian_actors) or (
        mark.kind == "russian_party"
    )


def party(mark: Mark, rules: ClaimRules) -> bool:
    return russian(mark, rules) or mark.kind == "other_actors"


def _object_positions(s: Sentence) -> set[int]:
    """Token positions where a party is an object ("passed to Kyiv", "told Donald Trump")."""
    out: set[int] = set()
    for m in s.marks:
        if m.kind == "object_marker":
            if m.last + 2 < len(s.words) and s.words.surface[m.last + 2] == "s":
                continue  # "against Russia's demand": the possessor demands
            out.add(m.last + 1)
            nxt = m.last + 1
            if nxt < len(s.words) and s.words.surface[nxt][:1].isupper():
                out.add(m.last + 2)
    return out


def subjects(s: Sentence, rules: ClaimRules) -> list[Mark]:
    """The parties of a sentence that can voice something: not an object ("passed to
    Kyiv"), nor a party other than Russia's named as a place ("the war in Ukraine")."""
    found = s.memo.get("subjects")
    if found is None:
        objects = _object_positions(s)
        places = {m.last + 1 for m in s.marks if m.kind == "locative"}
        found = s.memo["subjects"] = [
            m
            for m in s.marks
            if party(m, rules)
            and m.first not in objects
            and (m.first not in places or russian(m, rules))
        ]
    return found


def _demand_speaker(s: Sentence, rules: ClaimRules) -> str | None:
    """The Russian party of a sentence that voices a demand with no region ("Moscow's
    memorandum"), for the list of demands that may follow; `russia` for a lead-in that names
    no party at all ("The memorandum lists the demands:")."""
    lead_in = s.text[s.start : s.end].rstrip().endswith(":")
    demand = any(m.kind == "demand" for m in s.marks)
    if not (demand or lead_in):
        return None
    parties = [m for m in s.marks if party(m, rules)]
    if parties and russian(parties[0], rules):
        return actor_of(s, parties[0], parties[0], rules)
    if not parties and lead_in and demand:
        return "russia"
    return None


def _possessor(s: Sentence, governor: Mark, action: Mark, rules: ClaimRules) -> Mark | None:
    """A Russian party right after a demand noun, before the action: the genitive of
    "вимогу Росії вивести", "требование Москвы", or "the demand of/by Russia"; not an
    object in the accusative (Росію, Москву: "called on Russia to withdraw")."""
    if governor.kind != "demand" or governor.last >= action.first:
        return None
    for m in s.marks:
        if not russian(m, rules) or m.last >= action.first:
            continue
        gap = s.words.folded[governor.last + 1 : m.first]
        cyrillic = not s.words.folded[governor.last].isascii()
        accusative = s.words.folded[m.last].endswith(("ю", "у"))  # «закликав Росію вивести»
        if gap in (["of"], ["by"]) or (cyrillic and not gap and not accusative):
            return m
    return None


def demander(
    s: Sentence, governor: Mark, action: Mark, rules: ClaimRules, scope_end: int
) -> Mark | None:
    """The party whose demand this is, or None when the sentence names nobody. For "X must
    …" and "X risks losing …", X is the one who must act or lose, not who demands."""
    possessor = _possessor(s, governor, action, rules)
    if possessor is not None:
        return possessor
    anchor = min(governor.first, action.first)
    sourced = {m.last + 1 for m in s.marks if m.kind == "source" and m.last < anchor}
    if sourced:
        source = next((m for m in s.marks if party(m, rules) and m.first in sourced), None)
        if source is not None:
            return source
    if governor.kind in ("condition", "could") or governor.first > action.first:
        anchor = action.first
    before = sorted((m for m in subjects(s, rules) if m.first < anchor), key=lambda m: m.last)
    if action.kind == "next":  # "Ukraine must leave Donbas, and Kharkiv will be next"
        before = [m for m in before if russian(m, rules)]
    acting = before[-1] if before else None
    if (
        acting is not None
        and acting.kind == "other_actors"
        and 0 < action.first - acting.last <= 2
        and not acting.last < governor.first < action.first
        and governor.kind not in ("modal", "loss")  # "Ukraine risks losing …": the subject
    ):
        before.pop()  # "Ukrainian withdrawal from …", "Kyiv's recognition of …": who acts
    subject_first = governor.kind in ("modal", "loss")
    if subject_first and before and governor.first - before[-1].last <= _MODAL_SUBJECT:
        subject = before[-1]
        said = ("demand", "say", *ITEMS) if russian(subject, rules) else ("demand", *ITEMS)
        if ":" not in s.gap(subject.last, governor.first) and not any(
            m.kind in said and subject.last < m.first < governor.first for m in s.marks
        ):  # "Peskov: Ukrainian troops must leave …", "Peskov said the AFU must …"
            before = [m for m in before if m.last < subject.first]
            while (
                before
                and not russian(before[-1], rules)
                and not russian(subject, rules)
                and subject.first - before[-1].last <= _APPOSITION
            ):  # «Украина, украинские вооруженные силы должны …»: one subject, named twice
                subject = before.pop()
            before = [m for m in before if not _in_condition(s, m, subject)]
    if before:
        return before[-1]
    after = [
        m
        for m in s.marks
        if party(m, rules)
        and m.first > max(action.last, scope_end)
        and (governor.first > action.first or m.first > governor.last)
    ]
    russian_after = [m for m in after if russian(m, rules)]
    if russian_after:
        return russian_after[0]
    after = [m for m in after if _speaks_after(s, m, max(action.last, scope_end))]
    return after[0] if after else None


def _in_condition(s: Sentence, m: Mark, subject: Mark) -> bool:
    """Party m is in an "if" clause before the subject's own ("If Kyiv refuses, Ukraine
    will lose …"): the condition's party, not who speaks."""
    return (
        not russian(m, rules=s.rules)
        and any(c.kind == "condition" and c.last < m.first for c in s.marks)
        and "," in s.gap(m.last, subject.first)
    )


def _speaks_after(s: Sentence, m: Mark, end: int) -> bool:
    """A party after the claim is who said it only when it stands right after a comma,
    a dash or a quote (", Zelensky said", «…», — сказал Зеленский), not inside the clause
    ("… in the borders of Ukraine", "the withdrawal of Ukrainian units")."""
    for k in range(m.first, max(end, m.first - 3), -1):
        if any(c in s.gap(k - 1, k) for c in ',—–"»”:'):
            return True
    return False


def russia_withdraws(s: Sentence, governor: Mark, action: Mark, rules: ClaimRules) -> bool:
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
        and not s.broken(m.last, action.first)  # "… part of Russia; the withdrawal of …"
        and "," not in s.gap(m.last, action.first)  # "… to Russia, and the withdrawal"
        and not COORDINATORS.intersection(s.words.folded[m.last + 1 : action.first])
    ]  # «визнати … російською з повним виведенням»: Russian is the region, not who leaves
    if subjects and max(subjects, key=lambda m: m.last).kind == "russian_forces":
        return True
    first_region = min(
        (m.first for m in s.marks if m.kind == "region" and m.first > action.last),
        default=len(s.words),
    )
    return any(
        m.kind == "russian_forces" and action.last < m.first <= min(action.last + 3, first_region)
        for m in s.marks
    )


def actor_of(s: Sentence, governor: Mark, demander: Mark, rules: ClaimRules) -> str:
    named = [m for m in s.marks if m.kind == "actor" and russian(m, rules) and m.label != "russia"]
    if named:
        return min(named, key=lambda m: abs(m.last - governor.first)).label
    return demander.label if demander.kind == "actor" else "russia"


_INTENT_REACH = 2
_SAYER_REACH = 3
_OWN_AIMS = frozenset({"seize_threat", "buffer_zone"})
"""Actions Russia would take itself: an aim of these read off by others is their reading;
an aim that Ukraine withdraw or cede is a demand, whoever reports it."""


def others_reading(
    s: Sentence, governor: Mark, kind: Action, rules: ClaimRules, context: Context
) -> bool:
    """The governor is an aim ("wants", «планує», a seizure in the future tense) that a
    party other than Russia's reads off: "According to ISW, Putin intends to …",
    "Zelensky said Russia plans to …", «По словам президента, Россия хочет …» after
    sentences by Zelensky."""
    if kind not in _OWN_AIMS:
        return False  # "Zelensky said Putin wants Kyiv to pull out of Donetsk": a demand
    if any(m.kind == "analyst" and 0 < governor.first - m.last <= 2 for m in s.marks):
        return True  # "Analysts warned that Russian forces could capture …"
    if governor.kind != "future" and not any(
        m.kind == "intent" and 0 <= governor.first - m.first <= _INTENT_REACH for m in s.marks
    ):
        return False  # the aim governs, or leads in the governor ("хочет создать")
    parties = [m for m in s.marks if party(m, rules) or m.kind == "analyst"]
    for src in (m for m in s.marks if m.kind == "source" and m.last < governor.first):
        named = next((p for p in parties if src.last < p.first <= src.last + 2), None)
        if named is not None:
            return not russian(named, rules)  # an analyst or another party
        earlier = next((subjects(e, rules) for e in context.earlier() if subjects(e, rules)), [])
        return bool(earlier) and not russian(earlier[0], rules)
    for say in (m for m in s.marks if m.kind == "say" and m.last < governor.first):
        before = [p for p in parties if p.last < say.first]
        if before and not russian(before[-1], rules):
            return True
    for say in (m for m in s.marks if m.kind == "say" and m.first > governor.last):
        near = [p for p in parties if abs(p.first - say.first) <= _SAYER_REACH]
        if near and not any(russian(p, rules) for p in near):
            return True  # "…, Zelensky said", «…, вважають у ГУР»
    return False
