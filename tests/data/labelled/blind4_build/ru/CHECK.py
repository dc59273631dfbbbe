#!/usr/bin/env python3
"""Validate the form of blind4_ru.jsonl and print its counts.

Checks: every line parses; keys present and in the required order; ids unique and
well-formed (b4-ru-nnn); lang == "ru"; published is a real YYYY-MM-DD date; labels
are a subset of the two topics; claims are {region, action} with valid values and no
duplicates; items without territorial_demands carry no claims; source is an http(s)
URL and unique; text is 60-600 words with paragraphs separated by a blank line;
sources are not in ../used_urls.txt. Prints counts per label, claims, look-alike
share and claims share, and exits non-zero on any error.
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
PATH = os.path.join(HERE, "blind4_ru.jsonl")
USED = os.path.join(HERE, "..", "used_urls.txt")
KEYS = ["id", "lang", "published", "title", "text", "labels", "claims", "source", "note"]
LABELS = {"istanbul_talks", "territorial_demands"}
REGIONS = {"donetsk", "luhansk", "zaporizhzhia", "kherson", "crimea", "kharkiv", "sumy",
           "dnipropetrovsk", "odesa", "mykolaiv", "donbas"}
ACTIONS = {"withdraw", "recognise", "seize_threat", "buffer_zone", "other"}

errors = []
def err(msg):
    errors.append(msg)

rows = []
with _share('ru') as f:
    for n, line in enumerate(f, 1):
        if not line.strip():
            err(f"line {n}: empty line")
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as e:
            err(f"line {n}: bad JSON: {e}")

used = set()
if os.path.exists(USED):
    used = {u.strip().rstrip("/") for u in open(USED, encoding="utf-8") if u.strip()}

ids, sources = set(), set()
for r in rows:
    rid = r.get("id", "?")
    if list(r.keys()) != KEYS:
        err(f"{rid}: keys {list(r.keys())} != {KEYS}")
    if not re.fullmatch(r"b4-ru-\d{3}", str(rid)):
        err(f"{rid}: bad id")
    if rid in ids:
        err(f"{rid}: duplicate id")
    ids.add(rid)
    if r.get("lang") != "ru":
        err(f"{rid}: lang {r.get('lang')!r}")
    try:
        d = datetime.date.fromisoformat(r.get("published", ""))
        if not (datetime.date(2014, 1, 1) <= d <= datetime.date(2026, 12, 31)):
            err(f"{rid}: published out of range {d}")
    except ValueError:
        err(f"{rid}: bad published {r.get('published')!r}")
    for k in ("title", "text", "note", "source"):
        if not isinstance(r.get(k), str) or not r.get(k).strip():
            err(f"{rid}: empty {k}")
    text = r.get("text", "")
    words = len(text.split())
    if not 60 <= words <= 600:
        err(f"{rid}: text has {words} words (60-600)")
    if "\n\n" not in text and words > 120:
        err(f"{rid}: long text without paragraph breaks")
    if re.search(r"(?<!\n)\n(?!\n)", text):
        err(f"{rid}: single newline inside text (paragraphs must be separated by a blank line)")
    labels = r.get("labels")
    if not isinstance(labels, list) or not set(labels) <= LABELS or len(set(labels)) != len(labels):
        err(f"{rid}: bad labels {labels}")
        labels = []
    claims = r.get("claims")
    if not isinstance(claims, list):
        err(f"{rid}: claims not a list")
        claims = []
    seen = set()
    for c in claims:
        if not isinstance(c, dict) or list(c.keys()) != ["region", "action"]:
            err(f"{rid}: bad claim {c}")
            continue
        if c["region"] not in REGIONS:
            err(f"{rid}: bad region {c['region']}")
        if c["action"] not in ACTIONS:
            err(f"{rid}: bad action {c['action']}")
        key = (c["region"], c["action"])
        if key in seen:
            err(f"{rid}: duplicate claim {key}")
        seen.add(key)
    if claims and "territorial_demands" not in labels:
        err(f"{rid}: claims without territorial_demands label")
    if not labels and not r.get("note", "").lower().startswith("look-alike"):
        err(f"{rid}: negative whose note does not start with 'Look-alike'")
    src = r.get("source", "")
    if not re.match(r"https?://", src):
        err(f"{rid}: source not a URL")
    if src in sources:
        err(f"{rid}: duplicate source")
    sources.add(src)
    if src.rstrip("/") in used:
        err(f"{rid}: source already in used_urls.txt")

# counts
n = len(rows)
combo = collections.Counter()
for r in rows:
    s = set(r["labels"])
    combo["both" if s == LABELS else (next(iter(s)) + " only" if s else "none")] += 1
talks = sum("istanbul_talks" in r["labels"] for r in rows)
dem = sum("territorial_demands" in r["labels"] for r in rows)
with_claims = sum(bool(r["claims"]) for r in rows)
n_claims = sum(len(r["claims"]) for r in rows)
neg = combo["none"]
by_action = collections.Counter(c["action"] for r in rows for c in r["claims"])
by_region = collections.Counter(c["region"] for r in rows for c in r["claims"])
hard = sum("HARD" in r["note"] for r in rows)
doubt = [r["id"] for r in rows if "DOUBT" in r["note"]]
words = sorted(len(r["text"].split()) for r in rows)
years = collections.Counter(r["published"][:4] for r in rows)

print(f"file: {PATH}")
print(f"items: {n} (lang ru: {sum(r['lang']=='ru' for r in rows)})")
for k in ("istanbul_talks only", "territorial_demands only", "both", "none"):
    print(f"  {k:26s} {combo[k]}")
print(f"per topic: istanbul_talks {talks}, territorial_demands {dem}")
print(f"look-alike negatives: {neg} ({neg/n:.1%}; required >= 33.3%)")
print(f"items with claims: {with_claims} ({with_claims/n:.1%}; required >= 60%), claims total: {n_claims}")
print("claims by action: " + ", ".join(f"{a} {by_action[a]}" for a in sorted(by_action)))
print("claims by region: " + ", ".join(f"{k} {by_region[k]}" for k in sorted(by_region)))
print(f"HARD items: {hard}; DOUBT items: {len(doubt)}: {' '.join(doubt)}")
print(f"words: min {words[0]}, median {words[len(words)//2]}, max {words[-1]}")
print("published years: " + ", ".join(f"{y} {years[y]}" for y in sorted(years)))
if n and neg * 3 < n:
    err(f"look-alike share {neg}/{n} below a third")
if n and with_claims * 10 < n * 6:
    err(f"claims share {with_claims}/{n} below 60%")

if errors:
    print(f"\nFAILED: {len(errors)} error(s)")
    for e in errors:
        print("  " + e)
    sys.exit(1)
print("\nOK: all checks passed")
