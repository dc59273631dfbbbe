"""One sentence read for claims: which action words are demands, on which regions, by whom.

See docs/DEMANDS.md "How a sentence is read" for the steps; the regions an action governs
are `scope`'s, who voices it `parties`', what governs it `govern`'s.
"""

from __future__ import annotations

from pipelines.claims.govern import governor, negated
from pipelines.claims.lexicon import ACTION_OF_CUE, Action, ClaimRules
from pipelines.claims.parties import (
    COORDINATORS,
    Context,
    actor_of,
    demander,
    others_reading,
    russia_withdraws,
    russian,
)
from pipelines.claims.parties import ITEMS as _ITEMS
from pipelines.claims.parties import subjects as voicing_parties
from pipelines.claims.scope import aside, at_word, item_at, item_regions, scope, subject_list
from pipelines.claims.sentence import Mark, Sentence
from pipelines.models import DemandClaim

_COORDINATION_WINDOW = 30
_NOT_PHRASES = frozenset({*_ITEMS, "actor", "glue", "object_marker", "future"})


def _covers(a: Mark, b: Mark) -> bool:
    """Mark a spans mark b and more: the longer cue is the one meant."""
    return a.first <= b.first and a.last >= b.last and a.last - a.first > b.last - b.first


def _coordinated(s: Sentence, action: Mark, previous: tuple[Mark, int] | None) -> bool:
    """The action is coordinated with a governed action before it in the same clause
    ("requires Ukraine to withdraw from … and to recognise …")."""
    if previous is None:
        return False
    end = previous[1]
    if action.first - end > _COORDINATION_WINDOW or s.broken(end, action.first):
        return False
    if not COORDINATORS.intersection(s.words.folded[end + 1 : action.first]):
        return False  # "… in the borders that existed when those regions joined Ukraine"
    return not any(
        m.kind == "clause_break" and end < m.first < action.first and not aside(s, m.first)
        for m in s.marks
    )


_ACTION_OF: dict[str, Action] = {"demand_object": "recognise"}
_OBJECT_GAP = 2
_OBJECT_REACH = 5
_OBJECT_SKIP = frozenset({"glue", "region_noun", "object_marker", "other_actors"})


def _demanded_objects(s: Sentence) -> list[Mark]:
    """A `demand_object` verb whose object is a region itself, up to two words on with no
    action word between ("demands for 'four regions today'", «вимагаємо чотири області»):
    a demand to cede it, read as an action of its own."""
    at = at_word(s)
    out: list[Mark] = []
    for m in s.marks:
        if m.kind != "demand_object":
            continue
        gap = 0
        for j in range(m.last + 1, min(len(s.words), m.last + 2 + _OBJECT_REACH)):
            here = at.get(j, [])
            if any(x.kind in ACTION_OF_CUE for x in here) or s.broken(m.last, j):
                break
            if item_at(s, here) is not None:
                out.append(m)
                break
            if not here or not all(x.kind in _OBJECT_SKIP for x in here):
                gap += 1  # «требовала от Украины территории Донецкой …»: past "from Ukraine"
                if gap > _OBJECT_GAP:
                    break
    return out


def sentence_claims(
    s: Sentence, field: str, lang: str | None, rules: ClaimRules, context: Context
) -> list[DemandClaim]:
    """The claims of one sentence, one per (region, action)."""
    kinds = {m.kind for m in s.marks}
    if not kinds & {*_ITEMS, "pronoun"}:
        return []
    if not kinds & {*ACTION_OF_CUE, *_ACTION_OF}:
        return _explained(s, field, lang, rules, context)
    out: list[DemandClaim] = []
    done: set[tuple[str, str]] = set()
    governed: tuple[Mark, int] | None = None
    pending_withdraw: list[Mark] = []
    phrases = [m for m in s.marks if m.last > m.first and m.kind not in _NOT_PHRASES]
    fours = [m for m in s.marks if m.kind == "four_regions"]
    actions = [
        a
        for a in s.marks
        if a.kind in ACTION_OF_CUE
        and not any(_covers(m, a) for m in phrases)
        and not any(m.first <= a.first and a.last <= m.last for m in fours)
        and not any(m.kind in ("participle", "idiom") for m in at_word(s)[a.first])
    ]  # "left without" is a loss, not "left"; "four occupied regions" is no seizure
    actions += _demanded_objects(s)
    before = next(context.earlier(), None) if kinds & {"anaphora", "pronoun"} else None
    s.memo["regions_before"] = (
        [m.label for m in before.marks if m.kind == "region"] if before is not None else []
    )  # "… ДНР и ЛНР … «Это тоже нужно признавать»" (read only when a pronoun may need it)
    recent = list(context.regions or s.memo["regions_before"])  # "this territory"
    subjects: dict[int, set[int]] = {}
    for action in actions if len(actions) > 1 else ():
        regions, positions, predicate = subject_list(s, action, rules, recent)
        if regions and (predicate or action.kind == "next"):
            subjects[id(action)] = positions
    for action in actions:
        kind = _ACTION_OF.get(action.kind) or ACTION_OF_CUE[action.kind]
        taken = {p for a, ps in subjects.items() if a != id(action) for p in ps}
        regions, scope_end = scope(s, action, rules, recent, taken)
        gov = governor(s, action, kind, scope_end, rules)
        if gov is None and _coordinated(s, action, governed):
            gov = governed[0] if governed else None
        if regions and gov is not None:
            governed = (gov, scope_end)
        if not regions:
            if kind == "withdraw" and gov is not None and gov.kind in ("condition", "demand"):
                pending_withdraw.append(action)  # "… if Ukraine does not withdraw"
            continue
        listed = (
            gov is None
            and kind != "seize_threat"  # "Russia will return areas it occupies in Sumy"
            and context.in_list
            and context.list_speaker(rules) is not None
        )
        if listed:  # an item of a list of demands ("The main points: • recognition of …")
            gov = action
        if gov is None:
            actor_before = _demand_before(s, kind, rules, context)
            if actor_before is not None and not (
                kind == "withdraw" and russia_withdraws(s, action, action, rules)
            ):
                out += _claims(s, field, lang, rules, action, kind, actor_before, regions, done)
            continue
        if negated(s, gov, action):
            continue
        if action.kind == "retain" and not _refused_by_russia(s, action, rules):
            continue  # "Kyiv will never give up Donbas": Ukraine's refusal, no claim
        if action.kind == "other" and any(
            m.kind == "other_actors" and m.last < action.first for m in s.marks
        ):
            continue  # "Zelensky will never recognise Russia's claims to Kherson"
        if kind == "withdraw" and russia_withdraws(s, gov, action, rules):
            continue
        if (
            action.kind == "recognise"
            and action.last > action.first
            and any(m.kind == "other_actors" and m.first == action.last + 1 for m in s.marks)
        ):
            continue  # «вхождения в состав Украины»: joining Ukraine, not Russia
        if listed:
            actor = context.actor or "russia"
        else:
            who = demander(s, gov, action, rules, scope_end)
            if who is None:
                speaker = context.speaker(rules)
                if speaker is None or others_reading(s, gov, kind, rules, context):
                    continue
                actor = speaker
            elif not russian(who, rules) or others_reading(s, gov, kind, rules, context):
                continue
            else:
                actor = actor_of(s, gov, who, rules)
        found = _claims(s, field, lang, rules, action, kind, actor, regions, done)
        if action.kind in _ACTION_OF:
            context.objects.update(map(id, found))
        out += found
        recent = list(dict.fromkeys(c.region for c in out))
    seized = [c for c in out if c.action == "seize_threat"]
    if seized and pending_withdraw:  # "Russia will take X by force if Kyiv does not withdraw"
        out += _claims(
            s, field, lang, rules, pending_withdraw[0], "withdraw", seized[0].actor,
            [c.region for c in seized], done,
        )  # fmt: skip
    return out


def _demand_before(
    s: Sentence, kind: Action | None, rules: ClaimRules, context: Context
) -> str | None:
    """The Russian party of a demand in the sentence before (same paragraph) for the same
    action (any, for None) that named no region: the regions follow in this one ("Lavrov
    said the new territorial realities must be recognised. He recalled the accession of
    Crimea …")."""
    found = _demands_before(s, kind, rules, context)
    return found[1] if found else None


def _demands_before(
    s: Sentence, wanted: Action | None, rules: ClaimRules, context: Context
) -> tuple[Action, str] | None:
    before = s.field.before(s)
    if before is None or before.paragraph != s.paragraph:
        return None
    if _attribution(before):  # "… could lose more regions. Kartapolov said so. That is, …"
        earlier = s.field.before(before)
        if earlier is not None and earlier.paragraph == s.paragraph:
            before = earlier
    for a in reversed(before.marks):  # the last action: "if Kyiv refuses …, it could lose …"
        kind = ACTION_OF_CUE.get(a.kind)
        if kind is None or (wanted is not None and kind != wanted):
            continue
        regions, scope_end = scope(before, a, rules, [], set())
        if regions:
            continue
        gov = governor(before, a, kind, scope_end, rules)
        if gov is None or (gov is a and a.kind not in ("loss", "next")) or negated(before, gov, a):
            continue
        if kind == "withdraw" and russia_withdraws(before, gov, a, rules):
            continue
        who = demander(before, gov, a, rules, scope_end)
        if who is None:  # "I think the zone should cover … That is, …," he said
            speaker = context.speaker(rules) or context.named_russian(rules)
            return (kind, speaker) if speaker is not None else None
        if russian(who, rules):
            return kind, actor_of(before, gov, who, rules)
    return None


_REFUSER_REACH = 8
_REFUSED_OBJECT_REACH = 4
_RECIPIENT = frozenset(
    {"glue", "region_noun", "other_actors", "four_regions", "pronoun", "locative"}
)


def _refused_by_russia(s: Sentence, action: Mark, rules: ClaimRules) -> bool:
    """A refusal to give regions up that Russia voices ("the Kremlin will not return Crimea to
    Ukraine", «Москва не отдаст Запорожье»): every party before it in its clause is Russian
    (not "Ukrainian troops, under Russian fire, will not leave Kharkiv"), no other party
    speaks after a comma (", Syrskyi said"), and the region is the verb's own object, right
    after it past glue words or a recipient (not "will not return the bodies of soldiers
    killed near Kherson", "will not return to Kharkiv")."""
    parties = voicing_parties(s, rules)
    before = [
        m for m in parties if m.last < action.first and action.first - m.last <= _REFUSER_REACH
    ]
    if not before or not all(russian(m, rules) for m in before):
        return False
    first = min(m.first for m in before)
    if s.broken(first, action.first) or any(
        m.kind == "clause_break" and first < m.first < action.first for m in s.marks
    ):
        return False
    if any(
        m.kind == "other_actors" and m.first > action.last and "," in s.gap(m.first - 1, m.first)
        for m in parties
    ):
        return False
    at = at_word(s)
    for j in range(action.last + 1, min(action.last + 1 + _REFUSED_OBJECT_REACH, len(s.words))):
        here = at.get(j, [])
        if item_at(s, here) is not None or any(m.kind == "pronoun" for m in here):
            return True
        if j > action.last + 1 and "," in s.gap(j - 1, j):
            return False
        if not here or any(m.kind not in _RECIPIENT for m in here):
            return False
    return False


def _attribution(s: Sentence) -> bool:
    """A sentence that only says who said the one before («Про це заявив …», "Об этом
    сообщил …"): a pronoun among its first two words, a verb of saying, no action."""
    kinds = {m.kind for m in s.marks}
    return (
        "say" in kinds
        and not kinds & set(ACTION_OF_CUE)
        and any(m.kind == "pronoun" and m.first <= 1 for m in s.marks)
    )


def _explained(
    s: Sentence, field: str, lang: str | None, rules: ClaimRules, context: Context
) -> list[DemandClaim]:
    """A sentence that names the regions of the demand before it and nothing else ("Moscow
    demanded a withdrawal. That means Donetsk and Luhansk", «Речь идёт о …»), or that goes
    on with the list of the claims before it ("… from Donetsk and Luhansk. Also from
    Zaporizhzhia and Kherson", «А также …»)."""
    leads = [m for m in s.marks if m.kind == "explains" or (m.kind == "continues" and not m.first)]
    if not leads:
        return []
    lead = leads[0]
    at = at_word(s)
    regions = [
        r
        for m in s.marks
        if m.first > lead.last and m.kind in ("region", "four_regions")
        if item_at(s, at.get(m.first, [])) is m
        for r in item_regions(m, rules, [])
    ]
    if not regions:
        return []
    before = s.field.before(s)
    if lead.kind == "continues":
        if before is None or id(before) not in context.claimed or not _elliptical(s, lead):
            return []
        found: tuple[Action, str] | None = context.kinds[id(before)], context.claimed[id(before)]
    else:
        found = _demands_before(s, None, rules, context)
    if found is None:
        return []
    kind, actor = found
    regions = list(dict.fromkeys(regions))
    return _claims(s, field, lang, rules, lead, kind, actor, regions, set())


_ELLIPSIS_GAP = 2


def _elliptical(s: Sentence, lead: Mark) -> bool:
    """The sentence is the list and little more: its regions start within two words of the
    lead and at most two words follow them ("Also from Luhansk and Kherson.", "…, he
    added"), not a sentence of its own ("Also Kharkiv was shelled overnight")."""
    items = [m for m in s.marks if m.kind in ("region", "four_regions") and m.first > lead.last]
    return (
        bool(items)
        and items[0].first - lead.last <= _ELLIPSIS_GAP + 1
        and len(s.words) - 1 - max(m.last for m in items) <= _ELLIPSIS_GAP
    )


def _claims(
    s: Sentence,
    field: str,
    lang: str | None,
    rules: ClaimRules,
    action: Mark,
    kind: Action,
    actor: str,
    regions: list[str],
    done: set[tuple[str, str]],
) -> list[DemandClaim]:
    sentence = s.text[s.start : s.end]
    regions = [
        p for r in regions for p in (rules.four_regions if r == "four_regions" else (r,))
    ]  # «чотирьох «нових регіонів»» read as the gazetteer's entity: the four
    regions = [r for r in dict.fromkeys(regions) if (r, kind) not in done]
    done.update((r, kind) for r in regions)
    where = (sentence, s.start, s.end, lang, rules.version, field, action.label)
    return [DemandClaim(region, kind, actor, *where) for region in regions]
