"""One sentence read for claims: which action words are demands, on which regions, by whom.

See docs/DEMANDS.md "How a sentence is read" for the steps; each function below is one.
"""

from __future__ import annotations

from pipelines.claims.govern import governor, negated
from pipelines.claims.lexicon import ACTION_OF_CUE, Action, ClaimRules
from pipelines.claims.parties import (
    CONJUNCTIONS,
    COORDINATORS,
    Context,
    actor_of,
    demander,
    others_reading,
    russia_withdraws,
    russian,
)
from pipelines.claims.parties import ITEMS as _ITEMS
from pipelines.claims.sentence import Mark, Sentence
from pipelines.models import DemandClaim

_BEFORE_SKIP = 6
_COORDINATION_WINDOW = 30
_NOT_PHRASES = frozenset({*_ITEMS, "actor", "glue", "object_marker", "future"})


def _at(s: Sentence) -> dict[int, list[Mark]]:
    at = s.memo.get("at")
    if at is None:
        at = s.memo["at"] = {}
        for m in s.marks:
            at.setdefault(m.first, []).append(m)
    return at


def _item(s: Sentence, here: list[Mark]) -> Mark | None:
    """The region (or "four regions", "those territories") among marks that start at one
    word, unless a facility follows it ("the Zaporizhzhia nuclear plant")."""
    item = next((m for m in here if m.kind in _ITEMS), None)
    if item is not None and any(m.kind == "facility" for m in _at(s).get(item.last + 1, ())):
        return None
    if (
        item is not None
        and s.rules.rivers
        and s.words.folded[item.first].startswith(s.rules.rivers)
        and any(m.kind == "river" for m in _at(s).get(item.first - 1, ()))
    ):
        return None  # «отвести войска за Днепр»: the river
    return item


def _item_regions(item: Mark, rules: ClaimRules, recent: list[str]) -> list[str]:
    if item.kind == "four_regions":
        return list(rules.four_regions)
    if item.kind == "anaphora":
        return recent
    return [item.label]


def scope(
    s: Sentence, action: Mark, rules: ClaimRules, recent: list[str], taken: set[int]
) -> tuple[list[str], int]:
    """The regions an action word governs: after it (the first within
    `before_first_region` words, the rest joined by `glue`, up to a list that is the subject
    of a later action, `taken`); failing that, a list right before it, past modal and copula
    words only ("Zaporizhzhia and Kherson must be handed over", "Kharkiv and Dnipropetrovsk
    are next")."""
    if action.kind == "sovereign":  # "Donetsk and Luhansk are part of Russia"
        if any(m.kind in _PLACE for m in _at(s).get(action.first - 1, ())):
            return [], action.last  # "shelled Donetsk from Russian territory"
        return subject_list(s, action, rules, recent)[0], action.last
    at = _at(s)
    found: list[str] = []
    i = action.last + 1
    last_item = action.last
    while i < len(s.words):
        if s.broken(i - 1, i):
            break
        if found and _aside(s, i):
            i += 1  # "… Luhansk, and – depending on who speaks – Zaporizhzhia and Kherson"
            continue
        here = at.get(i, [])
        kinds = {m.kind for m in here}
        if "participle" in kinds:
            i += 1  # "the occupied Crimea": an adjective, not another action
            continue
        other = [m for m in here if m.kind in ACTION_OF_CUE and m is not action]
        if other and (
            found or any(ACTION_OF_CUE[m.kind] != ACTION_OF_CUE[action.kind] for m in other)
        ):
            break  # another action ends the scope; "recognition of the annexation of" does not
        if "clause_break" in kinds:
            break
        item = _item(s, here)
        if item is not None:
            if i in taken:
                break  # "leave Donbas, and Kharkiv and Dnipropetrovsk are next"
            found += _item_regions(item, rules, recent)
            last_item = i = item.last
            i += 1
            continue
        if found:
            if "glue" not in kinds:
                break
            i = max(m.last for m in here if m.kind == "glue") + 1
            continue
        if i - last_item > rules.before_first_region and not _far_source(s, action, i):
            break
        i += 1
    if found:
        return list(dict.fromkeys(found)), last_item
    regions, _, predicate = subject_list(s, action, rules, recent)
    if regions and (predicate or action.kind in ("next", "other")):
        return regions, action.last
    lead = _apposition(s, action)
    if lead is not None:  # "withdrawal from the regions Russia claims — Donetsk, …"
        return scope(s, Mark(action.kind, action.label, lead, lead), rules, recent, taken)
    return _pronoun_object(s, action, rules, recent), action.last


_PLACE = frozenset({"object_marker", "locative"})
_FROM = frozenset({"from", "з", "із", "зі", "с", "со", "из"})
_FAR_SOURCE = 16


def _far_source(s: Sentence, action: Mark, i: int) -> bool:
    """A withdrawal's region may stand further off after "from" ("the withdrawal of units
    of the Armed Forces of Ukraine and other formations from their territories"), past
    words of a place ("from the territory of the Russian Federation, including the DPR")."""
    if ACTION_OF_CUE.get(action.kind) != "withdraw":
        return False
    key = f"far{action.first}"
    far = s.memo.get(key)
    if far is None:
        far = s.memo[key] = _source_item(s, action)
    return i <= far


_SOURCE_WORDS = frozenset(
    {"glue", "region_noun", "russian_forces", "russian_party", "actor", "participle"}
)
_SOURCE_WALK = 10


def _source_item(s: Sentence, action: Mark) -> int:
    """Where the first region after the withdrawal's "from" stands (-1 if none): right
    after it, or past words of a place only (glue, a region noun, Russia's name)."""
    at = _at(s)
    n = len(s.words)
    for j in range(action.last + 1, min(action.last + _FAR_SOURCE, n - 1)):
        if s.words.folded[j] not in _FROM:
            continue
        k = j + 1
        while k < min(j + 1 + _SOURCE_WALK, n):
            here = at.get(k, [])
            if _item(s, here) is not None:
                return k
            if s.broken(k - 1, k) or not here or any(m.kind not in _SOURCE_WORDS for m in here):
                break
            k = max(m.last for m in here) + 1
    return -1


def _apposition(s: Sentence, action: Mark) -> int | None:
    """The word before a dash that opens a list of regions, when the action's object is a
    region noun before it ("from the regions which Russia claims … — Donetsk, Luhansk …"):
    the list names the regions."""
    at = _at(s)
    noun = False
    for k in range(action.last + 1, len(s.words)):
        if noun and any(c in s.gap(k - 1, k) for c in "—–") and _item(s, at.get(k, [])):
            return k - 1
        noun = noun or any(m.kind == "region_noun" for m in at.get(k, ()))
        if s.broken(k - 1, k):
            return None
    return None


def _pronoun_object(s: Sentence, action: Mark, rules: ClaimRules, recent: list[str]) -> list[str]:
    """The regions named earlier in the sentence, when the action's object is a pronoun
    right after or before it: "Crimea is Russia, and Kyiv must recognise it", «Київ має це
    визнати»."""
    at = _at(s)
    subject = _pronoun_subject(s, action)
    if subject is None and not any(
        m.kind == "pronoun" for i in (action.first - 1, action.last + 1) for m in at.get(i, ())
    ):
        return []
    found: list[str] = []
    for m in s.marks:
        if m.kind in _ITEMS and m.last < action.first and _item(s, at.get(m.first, [])) is m:
            found += _item_regions(m, rules, recent)
    if not found and subject == 0:  # the sentence opens with it: "This must be recognised"
        found = s.memo.get("regions_before", [])
    return list(dict.fromkeys(found))


_PRONOUN_REACH = 10


def _pronoun_subject(s: Sentence, action: Mark) -> int | None:
    """Where the pronoun subject of a passive or modal action stands, past modal, copula
    and other plain words: "this needs to be recognised", «это тоже нужно признавать»."""
    at = _at(s)
    for i in range(action.first - 1, max(action.first - 1 - _PRONOUN_REACH, -1), -1):
        kinds = {m.kind for m in at.get(i, ())}
        if "pronoun" in kinds:
            modal = any(
                m.kind in ("modal", "copula") and i < m.first < action.first for m in s.marks
            )
            return i if modal else None
        if kinds & {*ACTION_OF_CUE, *_ITEMS, "other_actors", "russian_party", "actor"}:
            return None
    return None


_ALSO = frozenset({"также", "також", "еще", "ще"})


def subject_list(
    s: Sentence, action: Mark, rules: ClaimRules, recent: list[str]
) -> tuple[list[str], set[int], bool]:
    """The list of regions right before an action, past modal, copula and list words: its
    regions, the positions of its items, and whether a modal or copula stands between (a
    predicate: "… must be handed over"). A comma and a conjunction ("Donbas, and the
    Kharkiv …") start another clause and end it."""
    ending = s.memo.get("ending")
    if ending is None:
        ending = s.memo["ending"] = {}
        for m in s.marks:
            ending.setdefault(m.last, []).append(m)
    i = action.first - 1
    skipped = 0
    found: list[str] = []
    positions: set[int] = set()
    predicate = False
    while i >= 0:
        if s.broken(i, i + 1):
            break
        here = ending.get(i, [])
        item = next((m for m in here if m.kind in _ITEMS), None)
        if item is not None and _item(s, _at(s).get(item.first, [])) is None:
            break
        if item is not None:
            found[:0] = _item_regions(item, rules, recent)
            positions.add(item.first)
            i = item.first - 1
            continue
        kinds = {m.kind for m in here}
        if found and "glue" in kinds:
            if (
                s.words.folded[i] in CONJUNCTIONS
                and i
                and "," in s.gap(i - 1, i)
                and s.words.folded[i + 1] not in _ALSO
            ):
                break  # but ", а также", ", а також" go on with the list
            i = min(m.first for m in here if m.kind == "glue") - 1
            continue
        if not found and kinds & {"modal", "could", "copula", "glue"} and skipped < _BEFORE_SKIP:
            skipped += 1
            predicate = predicate or bool(kinds & {"modal", "could", "copula"})
            i = min(m.first for m in here) - 1
            continue
        break
    return list(dict.fromkeys(found)), positions, predicate


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
        m.kind == "clause_break" and end < m.first < action.first and not _aside(s, m.first)
        for m in s.marks
    )


def _aside(s: Sentence, i: int) -> bool:
    """Token i is inside a parenthetical between dashes ("– depending on who speaks –")."""
    dashed = s.memo.get("dashed")
    if dashed is None:
        body = s.text[s.start : s.end]
        dashed = s.memo["dashed"] = " – " in body or " — " in body
    if not dashed:
        return False
    start = s.start + s.words.start[i]
    before = s.text.rfind(" – ", s.start, start), s.text.rfind(" — ", s.start, start)
    after = s.text.find(" – ", start, s.end), s.text.find(" — ", start, s.end)
    return max(before) >= 0 and max(after) >= 0


_ACTION_OF: dict[str, Action] = {"demand_object": "recognise"}
_OBJECT_GAP = 2


def _demanded_objects(s: Sentence) -> list[Mark]:
    """A `demand_object` verb whose object is a region itself, up to two words on with no
    action word between ("demands for 'four regions today'", «вимагаємо чотири області»):
    a demand to cede it, read as an action of its own."""
    at = _at(s)
    out: list[Mark] = []
    for m in s.marks:
        if m.kind != "demand_object":
            continue
        for j in range(m.last + 1, m.last + 2 + _OBJECT_GAP):
            here = at.get(j, [])
            if any(x.kind in ACTION_OF_CUE for x in here) or s.broken(m.last, j):
                break
            if _item(s, here) is not None:
                out.append(m)
                break
    return out


def sentence_claims(
    s: Sentence, field: str, lang: str | None, rules: ClaimRules, context: Context
) -> list[DemandClaim]:
    """The claims of one sentence, one per (region, action)."""
    kinds = {m.kind for m in s.marks}
    if not kinds & {*_ITEMS, "pronoun"} or not kinds & {*ACTION_OF_CUE, *_ACTION_OF}:
        return []
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
        and not any(m.kind == "participle" for m in _at(s)[a.first])
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
            actor_before = _demand_before(s, kind, rules)
            if actor_before is not None and not (
                kind == "withdraw" and russia_withdraws(s, action, action, rules)
            ):
                out += _claims(s, field, lang, rules, action, kind, actor_before, regions, done)
            continue
        if negated(s, gov, action):
            continue
        if action.kind == "other" and any(
            m.kind == "other_actors" and m.last < action.first for m in s.marks
        ):
            continue  # "Zelensky will never recognise Russia's claims to Kherson"
        if kind == "withdraw" and russia_withdraws(s, gov, action, rules):
            continue
        if (
            kind == "recognise"
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
                if speaker is None:
                    continue
                actor = speaker
            elif not russian(who, rules) or others_reading(s, gov, rules, context):
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


def _demand_before(s: Sentence, kind: Action, rules: ClaimRules) -> str | None:
    """The Russian party of a demand in the sentence before (same paragraph) for the same
    action that named no region: the regions follow in this one ("Lavrov said the new
    territorial realities must be recognised. He recalled the accession of Crimea …")."""
    before = s.field.before(s)
    if before is None or before.paragraph != s.paragraph:
        return None
    for a in before.marks:
        if ACTION_OF_CUE.get(a.kind) != kind:
            continue
        regions, scope_end = scope(before, a, rules, [], set())
        if regions:
            continue
        gov = governor(before, a, kind, scope_end, rules)
        if gov is None or gov is a or negated(before, gov, a):
            continue
        if kind == "withdraw" and russia_withdraws(before, gov, a, rules):
            continue
        who = demander(before, gov, a, rules, scope_end)
        if who is not None and russian(who, rules):
            return actor_of(before, gov, who, rules)
    return None


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
    regions = [r for r in regions if (r, kind) not in done]
    done.update((r, kind) for r in regions)
    where = (sentence, s.start, s.end, lang, rules.version, field, action.label)
    return [DemandClaim(region, kind, actor, *where) for region in regions]
