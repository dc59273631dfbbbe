"""Which regions an action word governs in a sentence: after it, in a list before a
passive or a copula, far off after "from", after a dash, or the regions a pronoun stands for
(docs/DEMANDS.md "How a sentence is read", step 3)."""

from __future__ import annotations

from pipelines.claims.lexicon import ACTION_OF_CUE, ClaimRules
from pipelines.claims.parties import CONJUNCTIONS
from pipelines.claims.parties import ITEMS as _ITEMS
from pipelines.claims.sentence import Mark, Sentence

_BEFORE_SKIP = 6


def at_word(s: Sentence) -> dict[int, list[Mark]]:
    at = s.memo.get("at")
    if at is None:
        at = s.memo["at"] = {}
        for m in s.marks:
            at.setdefault(m.first, []).append(m)
    return at


def item_at(s: Sentence, here: list[Mark]) -> Mark | None:
    """The region (or "four regions", "those territories") among marks that start at one
    word, unless a facility follows it ("the Zaporizhzhia nuclear plant")."""
    item = next((m for m in here if m.kind in _ITEMS), None)
    if item is not None and any(m.kind == "facility" for m in at_word(s).get(item.last + 1, ())):
        return None
    if (
        item is not None
        and s.rules.rivers
        and s.words.folded[item.first].startswith(s.rules.rivers)
        and any(
            m.kind == "river"
            for j in range(max(0, item.first - _RIVER_REACH), item.first)
            for m in at_word(s).get(j, ())
        )
    ):
        return None  # «отвести войска за Днепр», "both banks of the Dnipro": the river
    return item


_RIVER_REACH = 3
"""Words before a river's name that a `river` word may stand ("banks of the Dnipro")."""

_FOUR_ENTITY = "four_regions"
"""The gazetteer's entity for "the four regions" (entities.yaml), one of its regions."""


def item_regions(item: Mark, rules: ClaimRules, recent: list[str]) -> list[str]:
    """The regions an item names: the four for a "four regions" phrase or the gazetteer's
    entity of that name ("four oblasts"), those just claimed for an anaphora."""
    if item.kind == "four_regions" and item.label in rules.five_cues:
        return list(rules.five_regions or rules.four_regions)  # "the five regions"
    if item.kind == "four_regions" or item.label == _FOUR_ENTITY:
        return list(rules.four_regions)
    if item.kind == "anaphora":
        return recent
    return [item.label]


def scope(
    s: Sentence,
    action: Mark,
    rules: ClaimRules,
    recent: list[str],
    taken: set[int],
    opened: bool = False,
) -> tuple[list[str], int]:
    """The regions an action word governs: after it (the first within
    `before_first_region` words, the rest joined by `glue`, up to a list that is the subject
    of a later action, `taken`); failing that, a list right before it, past modal and copula
    words only ("Zaporizhzhia and Kherson must be handed over", "Kharkiv and Dnipropetrovsk
    are next"). `opened`: the action stands for the word before a bracket that opens the
    list ("from the territories it has seized (Zaporizhzhia, …)")."""
    if action.kind == "sovereign":  # "Donetsk and Luhansk are part of Russia"
        if any(m.kind in _PLACE for m in at_word(s).get(action.first - 1, ())):
            return [], action.last  # "shelled Donetsk from Russian territory"
        return subject_list(s, action, rules, recent)[0], action.last
    at = at_word(s)
    found: list[str] = []
    i = action.last + 1
    last_item = action.last
    resume = -1
    while i < len(s.words):
        if s.broken(i - 1, i) and not (opened and i == action.last + 1) and i != resume:
            resume = _past_brackets(s, i) if found else -1
            if resume < 0:
                break
            i = resume  # "the Donetsk People's Republic (DPR), the Lugansk …"
            continue
        if found and aside(s, i) and not aside(s, action.first):
            i += 1  # "… Luhansk, and – depending on who speaks – Zaporizhzhia and Kherson"
            continue
        here = at.get(i, [])
        kinds = {m.kind for m in here}
        if "participle" in kinds:
            i += 1  # "the occupied Crimea": an adjective, not another action
            continue
        other = [m for m in here if m.kind in ACTION_OF_CUE and m is not action]
        if other and all(m.kind == "sovereign" for m in other) and action.kind != "sovereign":
            i = max(m.last for m in other) + 1  # "recognise Crimea as Russian territory, and …"
            continue
        if other and (
            found or any(ACTION_OF_CUE[m.kind] != ACTION_OF_CUE[action.kind] for m in other)
        ):
            break  # another action ends the scope; "recognition of the annexation of" does not
        if "clause_break" in kinds:
            if found or not same_action_soon(s, action, i):
                break
            last_item = i  # "the realities that arose after the accession of Crimea" go on
        item = item_at(s, here)
        if item is not None:
            if i in taken:
                break  # "leave Donbas, and Kharkiv and Dnipropetrovsk are next"
            found += item_regions(item, rules, recent)
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
    if action.kind == "buffer_zone":
        placed = _placed_before(s, action, rules, recent)
        if placed:  # «створити в Сумській області зону безпеки»
            return placed, action.last
    regions, _, predicate = subject_list(s, action, rules, recent)
    if regions and (predicate or action.kind in ("next", "other")):
        return regions, action.last
    lead = _apposition(s, action)
    if lead is not None:  # "withdrawal from the regions Russia claims — Donetsk, …"
        lead_mark = Mark(action.kind, action.label, lead, lead)
        return scope(s, lead_mark, rules, recent, taken, opened=True)
    return _pronoun_object(s, action, rules, recent), action.last


_PLACED_REACH = 6


def _placed_before(s: Sentence, action: Mark, rules: ClaimRules, recent: list[str]) -> list[str]:
    """The regions of "in <regions>" right before a zone, after the verb that creates it
    ("create in the Sumy region a security zone"): where the zone is to be."""
    at = at_word(s)
    found: list[str] = []
    j = action.first - 1
    while j >= max(0, action.first - _PLACED_REACH):
        here = at.get(j, [])
        kinds = {m.kind for m in here}
        item = item_at(s, here)
        if item is not None:
            found[:0] = item_regions(item, rules, recent)
        elif "locative" in kinds and found:
            before = at.get(j - 1, [])
            return found if any(m.kind == "establish" for m in before) else []
        elif not kinds & {"glue", "region_noun"}:
            return []
        j -= 1
    return []


_RELATIVE_REACH = 4


def same_action_soon(s: Sentence, action: Mark, i: int) -> bool:
    """A clause that opens at word i goes on with the same action, or says what the
    object includes, within a few words and before any region («реалії, які склалися після
    приєднання до Росії Криму»): the regions it names are the action's."""
    at = at_word(s)
    for j in range(i + 1, min(i + 1 + _RELATIVE_REACH, len(s.words))):
        here = at.get(j, [])
        if item_at(s, here) is not None:
            return False
        if any(
            m.kind == "includes"
            or (m.kind in ACTION_OF_CUE and ACTION_OF_CUE[m.kind] == ACTION_OF_CUE[action.kind])
            for m in here
        ):
            return True  # "… the territory of Russia, which in her view includes Donetsk …"
    return False


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
        far = s.memo[key] = _sourceitem_at(s, action)
    return i <= far


_SOURCE_WORDS = frozenset(
    {"glue", "region_noun", "russian_forces", "russian_party", "actor", "participle", "sovereign"}
)
_SOURCE_WALK = 10


def _sourceitem_at(s: Sentence, action: Mark) -> int:
    """Where the first region after the withdrawal's "from" stands (-1 if none): right
    after it, or past words of a place only (glue, a region noun, Russia's name)."""
    at = at_word(s)
    n = len(s.words)
    for j in range(action.last + 1, min(action.last + _FAR_SOURCE, n - 1)):
        if s.words.folded[j] not in _FROM:
            continue
        k = j + 1
        while k < min(j + 1 + _SOURCE_WALK, n):
            here = at.get(k, [])
            if item_at(s, here) is not None:
                return k
            if s.broken(k - 1, k) or not here or any(m.kind not in _SOURCE_WORDS for m in here):
                break
            k = max(m.last for m in here) + 1
    return -1


_APPOSITION = "—–:("
_DESCRIBING = frozenset({"seize", "sovereign"})
_RELATIVE = frozenset(["which", "who", "який", "яка", "які", "которые", "который", "которая"])
"""Clause words that open a description of the territories, not another clause."""


def _apposition(s: Sentence, action: Mark) -> int | None:
    """The word before a dash, colon or bracket that opens a list of regions, when the
    action's object is a region noun before it ("from the regions which Russia claims … —
    Donetsk, Luhansk …", "from the territories it has partly seized (Zaporizhzhia, …)",
    "from territories Russia claims as its own: Donbass …"): the list names the regions."""
    start = s.start + s.words.end[action.last]
    if not any(s.text.find(c, start, s.end) >= 0 for c in _APPOSITION):
        return None
    at = at_word(s)
    noun = False
    for k in range(action.last + 1, len(s.words)):
        if noun and any(c in s.gap(k - 1, k) for c in _APPOSITION) and _opens_list(s, k):
            return k - 1
        here = at.get(k, ())
        if s.broken(k - 1, k) or (
            any(m.kind == "clause_break" for m in here) and s.words.folded[k] not in _RELATIVE
        ):
            return None  # "…, while Kyiv says the occupied territories: Donetsk …"
        if any(m.kind in ACTION_OF_CUE and m.kind not in _DESCRIBING for m in here):
            return None  # "territories it has seized (…)" describe; another action does not
        noun = noun or any(m.kind == "region_noun" for m in here)
    return None


_BRACKETED = 3
"""The most words a bracket of names inside a list holds ("(DPR)", "(Luhansk)")."""
_BRACKETED_LIST = 40
"""The most words a bracket that is itself the list holds ("(Zaporizhzhia, Donetsk, …)")."""
_LISTED = frozenset({"glue", "region_noun"})


def _names_only(s: Sentence, first: int, last: int) -> bool:
    """Words first..last only spell names: regions, glue, region nouns, or capitals ("DPR",
    «ДНР»)."""
    at = at_word(s)
    for j in range(first, last + 1):
        here = at.get(j, [])
        if item_at(s, here) is not None or s.words.surface[j].isupper():
            continue
        if not here or any(m.kind not in _LISTED and m.kind not in _ITEMS for m in here):
            return False
    return True


def _closing(s: Sentence, k: int, reach: int) -> int:
    """The last word inside a bracket that opens before word k, or -1 past `reach` words."""
    n = len(s.words)
    for j in range(k, min(k + reach, n)):
        after = s.gap(j, j + 1) if j + 1 < n else s.text[s.start + s.words.end[j] : s.end]
        if ")" in after:
            return j
    return -1


def _past_brackets(s: Sentence, k: int) -> int:
    """The word after a short bracket that opens before word k and only spells a name
    ("(DPR)", "(Luhansk)"), or -1: a list of regions runs on past it (not past a ";")."""
    if "(" not in s.gap(k - 1, k):
        return -1
    j = _closing(s, k, _BRACKETED)
    if j < 0 or not _names_only(s, k, j):
        return -1
    gap = s.gap(j, j + 1)
    return -1 if "(" in gap or ";" in gap else j + 1


def _opens_list(s: Sentence, k: int) -> bool:
    """A region stands at word k, or right after one glue word ("…: the Donetsk People's
    Republic …"); after a bracket, the bracket holds names only ("(Zaporizhzhia, Donetsk,
    Luhansk and Kherson)", not "(Sumy was shelled again …)")."""
    if "(" in s.gap(k - 1, k):
        j = _closing(s, k, _BRACKETED_LIST)
        if j < 0 or not _names_only(s, k, j):
            return False
    at = at_word(s)
    for j in (k, k + 1):
        if j < len(s.words) and item_at(s, at.get(j, [])) is not None:
            return True
        if not any(m.kind == "glue" for m in at.get(j, ())):
            return False
    return False


def _pronoun_object(s: Sentence, action: Mark, rules: ClaimRules, recent: list[str]) -> list[str]:
    """The regions named earlier in the sentence, when the action's object is a pronoun
    right after or before it: "Crimea is Russia, and Kyiv must recognise it", «Київ має це
    визнати»."""
    at = at_word(s)
    subject = _pronoun_subject(s, action)
    if subject is None and not any(
        m.kind == "pronoun" and s.words.folded[i] not in _POSSESSIVE
        for i in (action.first - 1, action.last + 1)
        for m in at.get(i, ())
    ):
        return []  # "accept its conditions": a possessive, not the object
    found: list[str] = []
    for m in s.marks:
        if m.kind in _ITEMS and m.last < action.first and item_at(s, at.get(m.first, [])) is m:
            found += item_regions(m, rules, recent)
    if not found and subject == 0:  # the sentence opens with it: "This must be recognised"
        found = s.memo.get("regions_before", [])
    return list(dict.fromkeys(found))


_PRONOUN_REACH = 10
_POSSESSIVE = frozenset({"its"})


def _pronoun_subject(s: Sentence, action: Mark) -> int | None:
    """Where the pronoun subject of a passive or modal action stands, past modal, copula
    and other plain words: "this needs to be recognised", «это тоже нужно признавать»."""
    at = at_word(s)
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
        if item is not None and item_at(s, at_word(s).get(item.first, [])) is None:
            break
        if item is not None:
            found[:0] = item_regions(item, rules, recent)
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
        reported = [m for m in here if m.kind == "reported"]
        if reported and skipped < _BEFORE_SKIP:
            skipped += 1  # "Crimea, by his words, is …"
            i = reported[0].first - 1
            continue
        if not found and kinds & {"modal", "could", "copula", "glue"} and skipped < _BEFORE_SKIP:
            skipped += 1
            predicate = predicate or bool(kinds & {"modal", "could", "copula"})
            i = min(m.first for m in here) - 1
            continue
        break
    return list(dict.fromkeys(found)), positions, predicate


def aside(s: Sentence, i: int) -> bool:
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
