"""What makes an action word a demand: its governing word (docs/DEMANDS.md "Action and its
governor"), and a negation that cancels it."""

from __future__ import annotations

import re
from bisect import bisect_left

from pipelines.claims.lexicon import ACTION_OF_CUE, Action, ClaimRules
from pipelines.claims.parties import russian, subjects
from pipelines.claims.scope import at_word, item_at, same_action_soon
from pipelines.claims.sentence import Mark, Sentence

_GOVERNING: dict[Action, tuple[str, ...]] = {
    "withdraw": ("demand", "modal"),
    "recognise": ("demand", "modal"),
    "seize_threat": ("threat", "condition", "call"),
    "buffer_zone": ("demand", "modal", "establish", "could"),
    "other": ("demand", "modal"),
}
_SELF_GOVERNING = frozenset({"loss", "next", "other", "sovereign", "retain", "demand_object"})
"""Action cues that are a demand or threat by themselves ("risks losing", "would be next",
"claims to"): the party before them is the one concerned."""
_GOVERNING_WINDOW = {"threat": 8, "condition": 15}
_DEFAULT_WINDOW = 15
_AFTER_WINDOW = 10


def governor(
    s: Sentence, action: Mark, kind: Action, scope_end: int, rules: ClaimRules
) -> Mark | None:
    """The word that makes the action a demand: the nearest governing cue before it; for a
    seizure, also "would/could take … if …" or a condition after it ("Russia will seize X
    if …"); for the others, also a demand or requirement right after the regions ("… is a
    precondition")."""
    if action.kind in _SELF_GOVERNING:
        return action
    wanted = _GOVERNING[kind]
    best: Mark | None = None
    for m in s.marks:
        if m.kind in wanted and m.last < action.first:
            window = _GOVERNING_WINDOW.get(m.kind, _DEFAULT_WINDOW)
            if action.first - m.last <= window and (best is None or m.last > best.last):
                best = m
    if best is not None and _spent(s, best, action):
        best = None
    if best is not None:
        return best
    colon = _colon_governor(s, action) or _quoted_governor(s, action, scope_end)
    if colon is not None:
        return colon
    if kind == "seize_threat":
        must = [m for m in s.marks if m.kind == "modal" and 0 < action.first - m.last <= 2]
        if must and any(
            russian(p, rules) and 0 < must[0].first - p.last <= 2 for p in subjects(s, rules)
        ):
            return must[0]  # "Russia must push on to Odesa"
        future = _future(s, action, rules)
        if future is not None:
            return future  # «Россия заберёт Харьков», "we will take Kharkiv"
        could = [m for m in s.marks if m.kind == "could" and 0 < action.first - m.last <= 2]
        official = any(
            m.kind == "actor" and m.label != "russia" and m.label in rules.russian_actors
            for m in s.marks
        )
        we = could and any(
            m.kind == "first_person" and 0 < could[0].first - m.last <= 2 for m in s.marks
        )  # "we will take Kharkiv", said by whoever the sentence reports
        if (
            could
            and (official or we)
            and (
                we
                or any(
                    russian(p, rules) and 0 < could[0].first - p.last <= 2
                    for p in subjects(s, rules)
                )
            )
        ):
            return could[0]  # "Medinsky said Russia could seize Kharkiv and Sumy"
        could = [
            m
            for m in s.marks
            if m.kind == "could" and m.last < action.first and action.first - m.last <= 4
        ]
        if could and any(m.kind == "condition" for m in s.marks):
            return max(could, key=lambda m: m.last)
        after = [m for m in s.marks if m.kind == "condition" and m.first > scope_end]
        if after and not any(
            m.kind == "clause_break" and scope_end < m.first < after[0].first for m in s.marks
        ):
            return after[0]
        return _not_ruled_out(s, action, scope_end)
    after_kinds = ["demand", "required"]
    if kind == "buffer_zone":
        after_kinds += ["establish", "modal"]  # "the zone in Sumy will be expanded", "should"
    after = [
        m
        for m in s.marks
        if m.kind in after_kinds and scope_end < m.first <= scope_end + _AFTER_WINDOW
    ]
    for m in sorted(after, key=lambda m: m.first):
        between = [x for x in s.marks if scope_end < x.first < m.first]
        if any(x.kind == "clause_break" for x in between) or s.broken(scope_end, m.first):
            return None
        return m
    return None


_NO = frozenset({"no", "нет", "немає", "нема", "немa"})
_NO_REACH = 6


def _not_ruled_out(s: Sentence, action: Mark, scope_end: int) -> Mark | None:
    """A seizure denied as an aim, then not ruled out after a "but": "no task to take Sumy
    now, but he did not rule out it", «планов брать Сумы нет, но не исключил …»."""
    ruled = next(
        (
            m
            for m in s.marks
            if m.kind == "threat" and m.first > scope_end and m.label.split()[0] in ("not", "не")
        ),
        None,
    )
    if ruled is None or not any(
        m.kind == "clause_break" and scope_end < m.first < ruled.first for m in s.marks
    ):
        return None
    w = s.words.folded
    near = w[max(0, action.first - _NO_REACH) : action.first] + w[scope_end + 1 : scope_end + 3]
    return ruled if _NO.intersection(near) else None


_FUTURE_SUBJECT = 4
"""Words from a future seizure back to its subject («Россия рано или поздно заберёт …»)."""


def _future(s: Sentence, action: Mark, rules: ClaimRules) -> Mark | None:
    """A seizure said in the future tense («заберёт», «візьме», "will take") with Russia,
    a Russian party or "we" as its subject (up to four words before): a threat."""
    future = max(  # the longest: "will take back", not "will take"
        (m for m in s.marks if m.kind == "future" and m.first <= action.first <= m.last),
        key=lambda m: m.last,
        default=None,
    )
    if future is None:
        return None
    who = [p for p in subjects(s, rules) if russian(p, rules)]
    who += [m for m in s.marks if m.kind == "first_person"]
    joined = s.words.hyphened  # «в будь-якому разі»: a compound counts as one word
    if not any(
        0 < future.first - p.last - sum(joined[p.last + 1 : future.first]) <= _FUTURE_SUBJECT
        for p in who
    ):
        return None
    at = at_word(s)
    k = future.last + 1  # the region is the object, past glue only ("will take all of …")
    while k < len(s.words) and at.get(k) and all(m.kind in _OBJECT_WORDS for m in at[k]):
        k += 1
    if any(m.kind == "clause_break" for m in at.get(k, ())) and same_action_soon(s, action, k):
        return future  # "will take the territory of Russia, which includes Kherson"
    return future if item_at(s, at.get(k, [])) is not None else None


_OBJECT_WORDS = frozenset({"glue", "region_noun", "sovereign", "russian_forces", "actor"})
"""Words of a future seizure's object before its regions ("all the territory of Russia")."""


def _colon_governor(s: Sentence, action: Mark) -> Mark | None:
    """A demand before a colon that leads in the action, however far: "Its main provisions
    are: recognition of …; the withdrawal of …" (an inline list of demands)."""
    if ":" not in s.text[s.start : s.end]:
        return None
    for k in range(action.first, 0, -1):
        if ":" in s.gap(k - 1, k):
            demands = [m for m in s.marks if m.kind == "demand" and m.last < k]
            return demands[-1] if demands else None
    return None


_QUOTE_END = re.compile(r"[\"”»],|,[\"”»]")


def _quoted_governor(s: Sentence, action: Mark, scope_end: int) -> Mark | None:
    """A demand right after the quote that holds the action: "… withdrawal from …," the
    memorandum says; «…», — говорится в меморандуме."""
    w = s.words
    after = max(scope_end, action.last)
    m = _QUOTE_END.search(s.text, s.start + w.end[after], s.end)
    if m is None:
        return None
    k = bisect_left(w.start, m.end() - s.start)  # the first word after the quote's end
    return next((x for x in s.marks if x.kind == "demand" and k <= x.first <= k + 3), None)


def _spent(s: Sentence, gov: Mark, action: Mark) -> bool:
    """The governor's clause ended before the action: another action and then a clause
    word lie between them ("demands that Kyiv cede Donetsk, while near Sumy …")."""
    breaks = [
        m.first for m in s.marks if m.kind == "clause_break" and gov.last < m.first < action.first
    ]
    return bool(breaks) and any(
        m.kind in ACTION_OF_CUE and gov.last < m.first < max(breaks) for m in s.marks
    )


_NEGATION_BEFORE = 3
_QUESTION_REACH = 8


def negated(s: Sentence, governor: Mark, action: Mark) -> bool:
    """A negation between the governor and the action ("must not cede"), or right before
    an assertion of Russian sovereignty ("Crimea will never be part of Russia") or a loss
    («Україна не втратила б Крим»); an open question ("whether") shortly before."""
    if any(
        m.kind == "question" and governor.first - _QUESTION_REACH <= m.first <= governor.first
        for m in s.marks
    ):
        return True  # "whether Ukraine must also leave …" asks, it does not demand
    if any(m.kind == "condition" and m.first == governor.first for m in s.marks):
        return False  # "if Ukraine does not withdraw": the demand is to withdraw
    conditions = [m.last for m in s.marks if m.kind == "condition"]
    if governor is not action and governor.kind in _PLANS and _disowned(s, governor, conditions):
        return True  # "no plans to take Kharkiv", «не хоче захоплювати»
    if governor is action and action.kind == "sovereign":
        lo, hi = action.first - _NEGATION_BEFORE, action.first
    elif governor is action and action.kind == "loss":  # not «не захочуть — залишаться без»
        lo, hi = action.first - 1, action.first
    elif governor.last < action.first:
        lo, hi = governor.last + 1, action.first
    else:
        lo, hi = action.last + 1, governor.first
    return any(
        m.kind == "negation"
        and m.label not in _NO_SUCH
        and lo <= m.first < hi
        and not any(0 < m.first - c <= _CONDITION_NEGATION for c in conditions)
        for m in s.marks
    )  # "no plan, if it does not provide for the annexation of …": the condition's own "not"


_CONDITION_NEGATION = 3
_PLANS = frozenset({"threat", "intent"})
_NO_SUCH = frozenset({"has no", "have no", "had no", "немає", "нема", "нет"})
"""Negations of having ("has no plans", «нет планов»): they negate the plan right after
them, not an action further on ("has no demands beyond the withdrawal …")."""
_EXCEPT = frozenset({"except", "beyond", "but", "besides", "кроме", "помимо", "крім", "окрім"})
_EXCEPT_REACH = 4


def _disowned(s: Sentence, governor: Mark, conditions: list[int]) -> bool:
    """A negation right before a plan or intention ("has no plans to take …", «не хоче
    захоплювати»), not one that a condition owns («якщо він не …») nor one an exception
    follows ("has no plans other than …", «нет планов, кроме …»)."""
    if any(
        s.words.folded[j] in _EXCEPT
        for j in range(governor.last + 1, min(governor.last + 1 + _EXCEPT_REACH, len(s.words)))
    ):
        return False
    return any(
        m.kind == "negation"
        and m.last == governor.first - 1
        and not any(0 < m.first - c <= _CONDITION_NEGATION for c in conditions)
        for m in s.marks
    )
