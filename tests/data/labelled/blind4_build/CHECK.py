#!/usr/bin/env python3
"""Form check for blind4_en.jsonl (blind4, English share).

Checks: every line parses; keys present and in the required order; ids unique and of the
form b4-en-NNN; lang; date format; labels and claims from the allowed sets; claims only on
territorial_demands items; text length 60-600 words; paragraphs separated by blank lines (single newlines only
between list lines);
source is an http(s) URL, unique, and not in /work/blind4/used_urls.txt; note non-empty.
Prints counts per lang/label, look-alike share, claim share and claim counts, and exits 1
on any error or if the look-alike share is under 1/3 or the claim share under 60 %.
"""
import collections
import json
import os
import re
import sys


def _share(lang):
    """This language's lines of the set (`blind4.jsonl`, the three shares concatenated)."""
    import io

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "blind4.jsonl")
    with open(path, encoding="utf-8") as whole:
        lines = [line for line in whole if json.loads(line)["lang"] == lang]
    return io.StringIO("".join(lines))

HERE = os.path.dirname(os.path.abspath(__file__))
FILE = os.path.join(HERE, "blind4_en.jsonl")
USED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "used_urls.txt")

KEYS = ["id", "lang", "published", "title", "text", "labels", "claims", "source", "note"]
LABELS = {"istanbul_talks", "territorial_demands"}
REGIONS = {"donetsk", "luhansk", "zaporizhzhia", "kherson", "crimea", "kharkiv", "sumy",
           "dnipropetrovsk", "odesa", "mykolaiv", "donbas"}
ACTIONS = {"withdraw", "recognise", "seize_threat", "buffer_zone", "other"}

errors = []


def err(msg):
    errors.append(msg)


items = []
LANG = sys.argv[1] if len(sys.argv) > 1 else "en"
with _share(LANG) as f:
    for n, line in enumerate(f, 1):
        if not line.strip():
            err(f"line {n}: empty line")
            continue
        try:
            items.append(json.loads(line))
        except json.JSONDecodeError as e:
            err(f"line {n}: bad JSON: {e}")

used = set()
if os.path.exists(USED):
    used = {u.strip() for u in open(USED, encoding="utf-8") if u.strip()}

ids, sources = set(), set()
words = []
for o in items:
    i = o.get("id", "?")
    if list(o.keys()) != KEYS:
        err(f"{i}: keys {list(o.keys())} != {KEYS}")
    if not re.fullmatch(rf"b4-{LANG}-\d{{3}}", str(i)):
        err(f"{i}: bad id")
    if i in ids:
        err(f"{i}: duplicate id")
    ids.add(i)
    if o.get("lang") != LANG:
        err(f"{i}: lang {o.get('lang')!r}")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(o.get("published", ""))):
        err(f"{i}: bad published {o.get('published')!r}")
    for k in ("title", "text", "source", "note"):
        if not isinstance(o.get(k), str) or not o.get(k).strip():
            err(f"{i}: empty {k}")
    text = o.get("text", "")
    w = len(text.split())
    words.append(w)
    if not 60 <= w <= 600:
        err(f"{i}: text has {w} words (60-600)")
    for para in text.split("\n\n"):
        for ln in para.split("\n")[1:]:
            # a single newline is allowed only inside a list (bullet lines)
            if not re.match(r"(- |— |▪️|\d+\. )", ln):
                err(f"{i}: single newline outside a list: {ln[:40]!r}")
    labels = o.get("labels")
    if not isinstance(labels, list) or not set(labels) <= LABELS or len(set(labels)) != len(labels):
        err(f"{i}: bad labels {labels!r}")
        labels = []
    claims = o.get("claims")
    if not isinstance(claims, list):
        err(f"{i}: claims not a list")
        claims = []
    seen = set()
    for c in claims:
        if not isinstance(c, dict) or list(c.keys()) != ["region", "action"]:
            err(f"{i}: bad claim {c!r}")
            continue
        if c["region"] not in REGIONS:
            err(f"{i}: bad region {c['region']!r}")
        if c["action"] not in ACTIONS:
            err(f"{i}: bad action {c['action']!r}")
        key = (c["region"], c["action"])
        if key in seen:
            err(f"{i}: duplicate claim {key}")
        seen.add(key)
    if claims and "territorial_demands" not in labels:
        err(f"{i}: claims without territorial_demands label")
    src = o.get("source", "")
    if not re.match(r"https?://", src):
        err(f"{i}: source is not a URL")
    if src in sources:
        err(f"{i}: duplicate source {src}")
    sources.add(src)
    if src in used:
        err(f"{i}: source already used by another set: {src}")

# ---- counts ----
n = len(items)
combo = collections.Counter()
per_label = collections.Counter()
claim_items = 0
claim_total = 0
by_region = collections.Counter()
by_action = collections.Counter()
for o in items:
    ls = set(o.get("labels") or [])
    if ls == {"istanbul_talks"}:
        combo["istanbul_talks only"] += 1
    elif ls == {"territorial_demands"}:
        combo["territorial_demands only"] += 1
    elif ls == LABELS:
        combo["both"] += 1
    else:
        combo["none (look-alike)"] += 1
    for l in ls:
        per_label[l] += 1
    cl = o.get("claims") or []
    if cl:
        claim_items += 1
    claim_total += len(cl)
    for c in cl:
        if isinstance(c, dict):
            by_region[c.get("region")] += 1
            by_action[c.get("action")] += 1

neg = combo["none (look-alike)"]
print(f"file: {FILE}")
print(f"items: {n} (lang {LANG}: {sum(1 for o in items if o.get('lang') == LANG)})")
for k in ("istanbul_talks only", "territorial_demands only", "both", "none (look-alike)"):
    print(f"  {k:26s} {combo[k]}")
print(f"per topic: istanbul_talks {per_label['istanbul_talks']}, "
      f"territorial_demands {per_label['territorial_demands']}")
pos = n - neg
if pos:
    print(f"within positives: istanbul_talks {per_label['istanbul_talks'] / pos:.1%}, "
          f"territorial_demands {per_label['territorial_demands'] / pos:.1%}")
print(f"look-alike share: {neg}/{n} = {neg / n:.1%}" if n else "no items")
print(f"items with claims: {claim_items}/{n} = {claim_items / n:.1%}; claims total {claim_total}"
      if n else "")
print("claims by action:", dict(sorted(by_action.items())))
print("claims by region:", dict(sorted(by_region.items())))
if words:
    s = sorted(words)
    print(f"words: min {s[0]}, median {s[len(s) // 2]}, max {s[-1]}")
print(f"hard cases (HARD in note): {sum(1 for o in items if 'HARD' in o.get('note', ''))}; "
      f"with DOUBT: {sum(1 for o in items if 'DOUBT' in o.get('note', ''))}")

if n and neg / n < 1 / 3:
    err(f"look-alike share {neg / n:.1%} < 1/3")
if n and claim_items / n < 0.60:
    err(f"claim share {claim_items / n:.1%} < 60 %")

if errors:
    print(f"\nFAIL: {len(errors)} problem(s)")
    for e in errors:
        print("  -", e)
    sys.exit(1)
print("\nOK: form checks passed")
