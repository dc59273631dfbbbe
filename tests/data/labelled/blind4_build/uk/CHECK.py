#!/usr/bin/env python3
"""Form check for blind4_uk.jsonl (Ukrainian share of the blind4 set).

Checks: every line parses; keys present and in the required order; ids unique and
well formed (b4-uk-NNN); lang == "uk"; published is a real YYYY-MM-DD date; labels a
subset of the two topics; claims only on territorial_demands items and drawn from the
allowed regions/actions, no duplicate (region, action) per item; text 60-600 words with
paragraphs split by a blank line; source is an http(s) URL, unique, and not in
../used_urls.txt; note non-empty. Then prints counts per label, look-alike share and
claim share, and checks the brief's minimums (>= 1/3 negatives, >= 60 % with claims).

Exit code 0 when everything passes, 1 otherwise.  Usage: python3 CHECK.py [file]
"""
import collections
import datetime
import json
import os
import re
import sys


def _share(lang):
    """This language's lines of the set (`blind4.jsonl`, the three shares concatenated)."""
    import io

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "blind4.jsonl")
    with open(path, encoding="utf-8") as whole:
        lines = [line for line in whole if json.loads(line)["lang"] == lang]
    return io.StringIO("".join(lines))

HERE = os.path.dirname(os.path.abspath(__file__))
PATH = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "blind4_uk.jsonl")
USED = os.path.join(HERE, "..", "used_urls.txt")

KEYS = ["id", "lang", "published", "title", "text", "labels", "claims", "source", "note"]
TOPICS = {"istanbul_talks", "territorial_demands"}
REGIONS = {"donetsk", "luhansk", "zaporizhzhia", "kherson", "crimea", "kharkiv", "sumy",
           "dnipropetrovsk", "odesa", "mykolaiv", "donbas"}
ACTIONS = {"withdraw", "recognise", "seize_threat", "buffer_zone", "other"}

errors = []


def err(msg):
    errors.append(msg)


used = set()
if os.path.exists(USED):
    used = {u.strip() for u in open(USED, encoding="utf-8") if u.strip()}

items = []
with _share('uk') as f:
    for n, line in enumerate(f, 1):
        if not line.strip():
            err(f"line {n}: empty line")
            continue
        try:
            items.append(json.loads(line))
        except json.JSONDecodeError as e:
            err(f"line {n}: does not parse: {e}")

ids, sources = set(), set()
words = []
for it in items:
    iid = it.get("id", "?")
    if list(it.keys()) != KEYS:
        err(f"{iid}: keys {list(it.keys())} != {KEYS}")
    if not re.fullmatch(r"b4-uk-\d{3}", str(iid)):
        err(f"{iid}: bad id")
    if iid in ids:
        err(f"{iid}: duplicate id")
    ids.add(iid)
    if it.get("lang") != "uk":
        err(f"{iid}: lang {it.get('lang')!r}")
    try:
        d = datetime.date.fromisoformat(it.get("published", ""))
        if not (2014 <= d.year <= 2026):
            err(f"{iid}: implausible date {d}")
    except (TypeError, ValueError):
        err(f"{iid}: bad published {it.get('published')!r}")
    for k in ("title", "text", "note", "source"):
        if not isinstance(it.get(k), str) or not it.get(k).strip():
            err(f"{iid}: empty {k}")
    text = it.get("text", "")
    nw = len(text.split())
    words.append(nw)
    if not 60 <= nw <= 600:
        err(f"{iid}: text has {nw} words (60-600)")
    if "\n\n" not in text:
        err(f"{iid}: text has a single paragraph")
    if "\n\n\n" in text:
        err(f"{iid}: triple newline in text")
    labels = it.get("labels")
    if not isinstance(labels, list) or not set(labels) <= TOPICS or len(set(labels)) != len(labels):
        err(f"{iid}: bad labels {labels!r}")
        labels = []
    claims = it.get("claims")
    if not isinstance(claims, list):
        err(f"{iid}: claims not a list")
        claims = []
    seen = set()
    for c in claims:
        if not isinstance(c, dict) or list(c.keys()) != ["region", "action"]:
            err(f"{iid}: bad claim {c!r}")
            continue
        if c["region"] not in REGIONS:
            err(f"{iid}: bad region {c['region']!r}")
        if c["action"] not in ACTIONS:
            err(f"{iid}: bad action {c['action']!r}")
        key = (c["region"], c["action"])
        if key in seen:
            err(f"{iid}: duplicate claim {key}")
        seen.add(key)
    if claims and "territorial_demands" not in labels:
        err(f"{iid}: claims on an item without territorial_demands")
    src = it.get("source", "")
    if not re.match(r"https?://", src):
        err(f"{iid}: source is not a URL")
    if src in sources:
        err(f"{iid}: duplicate source {src}")
    sources.add(src)
    if src in used:
        err(f"{iid}: source already used by another set ({src})")

# counts
n = len(items)
combo = collections.Counter()
for it in items:
    ls = set(it.get("labels", []))
    combo["both" if ls == TOPICS else (next(iter(ls)) + " only" if ls else "none")] += 1
neg = combo["none"]
with_claims = sum(1 for it in items if it.get("claims"))
n_claims = sum(len(it.get("claims", [])) for it in items)
hard = sum(1 for it in items if "HARD" in it.get("note", ""))
doubt = [it["id"] for it in items if "DOUBT" in it.get("note", "")]
ra = collections.Counter((c["region"], c["action"]) for it in items for c in it.get("claims", []))

print(f"file: {PATH}")
print(f"items: {n}")
for k in ("istanbul_talks only", "territorial_demands only", "both", "none"):
    print(f"  {k:26s} {combo[k]}")
print(f"istanbul_talks positives:      {combo['istanbul_talks only'] + combo['both']}")
print(f"territorial_demands positives: {combo['territorial_demands only'] + combo['both']}")
print(f"look-alike negatives: {neg} ({neg / n:.1%})" if n else "no items")
print(f"items with claims: {with_claims} ({with_claims / n:.1%}); claims in all: {n_claims}" if n else "")
print(f"HARD items: {hard}; items with DOUBT: {len(doubt)} {doubt}")
print(f"words per text: min {min(words)}, median {sorted(words)[len(words) // 2]}, max {max(words)}" if words else "")
print("claims by region x action:")
regions = sorted({r for r, _ in ra})
acts = sorted(ACTIONS)
print("  " + "region".ljust(16) + "".join(a[:12].rjust(13) for a in acts))
for r in regions:
    print("  " + r.ljust(16) + "".join(str(ra[(r, a)]).rjust(13) for a in acts))

if n and neg * 3 < n:
    err(f"look-alike share {neg}/{n} below one third")
if n and with_claims < 0.6 * n:
    err(f"items with claims {with_claims}/{n} below 60 %")

if errors:
    print("\nFAIL:")
    for e in errors:
        print("  " + e)
    sys.exit(1)
print("\nOK: all form checks pass")
