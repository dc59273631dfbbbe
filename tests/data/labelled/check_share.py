#!/usr/bin/env python3
"""Form check of one language's share of a blind set written by helpers (blind5 and later):
`python3 tests/data/labelled/check_share.py blind7 en|uk|ru`. The English blind5 writer's
checker, made to take the set and the language: keys, ids (`b7-en-001`), labels, claims,
lengths, sources unused by earlier sets (`<set>_build/used_urls.txt`), the look-alike and
claims shares. Prints counts; exits 1 on any error."""
import json, re, sys, os, collections
HERE = os.path.dirname(os.path.abspath(__file__))
SET = sys.argv[1] if len(sys.argv) > 1 else "blind7"
LANG = sys.argv[2] if len(sys.argv) > 2 else "en"
PREFIX = "b" + SET.removeprefix("blind")
P = os.path.join(HERE, f"{SET}.jsonl")
USED = os.path.join(HERE, f"{SET}_build", "used_urls.txt")
KEYS = ["id", "lang", "published", "title", "text", "labels", "claims", "source", "note"]
LABELS = {"istanbul_talks", "territorial_demands"}
REGIONS = {"donetsk", "luhansk", "zaporizhzhia", "kherson", "crimea", "kharkiv", "sumy",
           "dnipropetrovsk", "odesa", "mykolaiv", "donbas"}
ACTIONS = {"withdraw", "recognise", "seize_threat", "buffer_zone", "other"}
errs = []
rows = []
for n, line in enumerate(open(P, encoding="utf-8"), 1):
    if f'"lang": "{LANG}"' not in line:
        continue
    if not line.strip():
        errs.append(f"line {n}: blank line"); continue
    try:
        r = json.loads(line)
    except Exception as e:
        errs.append(f"line {n}: bad JSON {e}"); continue
    rows.append(r)
    if list(r.keys()) != KEYS:
        errs.append(f"line {n}: keys {list(r.keys())}")
    if not re.fullmatch(rf"{PREFIX}-{LANG}-\d{{3}}", r.get("id", "")):
        errs.append(f"line {n}: bad id {r.get('id')}")
    if r.get("lang") != LANG:
        errs.append(f"{r.get('id')}: lang {r.get('lang')}")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", r.get("published", "")):
        errs.append(f"{r.get('id')}: published {r.get('published')}")
    labs = r.get("labels", [])
    if not isinstance(labs, list) or set(labs) - LABELS or len(set(labs)) != len(labs):
        errs.append(f"{r['id']}: labels {labs}")
    cl = r.get("claims", [])
    if not isinstance(cl, list):
        errs.append(f"{r['id']}: claims not a list"); cl = []
    seen = set()
    for c in cl:
        if not isinstance(c, dict) or set(c) != {"region", "action"}:
            errs.append(f"{r['id']}: bad claim {c}"); continue
        if c["region"] not in REGIONS: errs.append(f"{r['id']}: region {c['region']}")
        if c["action"] not in ACTIONS: errs.append(f"{r['id']}: action {c['action']}")
        k = (c["region"], c["action"])
        if k in seen: errs.append(f"{r['id']}: duplicate claim {k}")
        seen.add(k)
    if cl and "territorial_demands" not in labs:
        errs.append(f"{r['id']}: claims without territorial_demands label")
    w = len(r.get("text", "").split())
    if not 60 <= w <= 600:
        errs.append(f"{r['id']}: text has {w} words")
    if not r.get("source", "").startswith("http"):
        errs.append(f"{r['id']}: source {r.get('source')}")
    if not r.get("note"):
        errs.append(f"{r['id']}: empty note")
ids = [r["id"] for r in rows]
for i, c in collections.Counter(ids).items():
    if c > 1: errs.append(f"duplicate id {i}")
for s, c in collections.Counter(r["source"] for r in rows).items():
    if c > 1: errs.append(f"duplicate source {s}")
if os.path.exists(USED):
    used = {u.strip() for u in open(USED, encoding="utf-8") if u.strip()}
    for r in rows:
        if r["source"] in used: errs.append(f"{r['id']}: source already in used_urls.txt")

N = len(rows)
def cat(r):
    s = set(r["labels"])
    return "both" if len(s) == 2 else ("istanbul_talks only" if s == {"istanbul_talks"} else ("territorial_demands only" if s else "none"))
cats = collections.Counter(cat(r) for r in rows)
neg = cats["none"]
with_claims = sum(1 for r in rows if r["claims"])
nclaims = sum(len(r["claims"]) for r in rows)
print(f"items: {N}")
for k in ["istanbul_talks only", "territorial_demands only", "both", "none"]:
    print(f"  {k}: {cats[k]}")
print(f"istanbul_talks positives: {cats['istanbul_talks only'] + cats['both']}")
print(f"territorial_demands positives: {cats['territorial_demands only'] + cats['both']}")
print(f"look-alike negatives: {neg} ({neg / N:.1%})")
print(f"items with claims: {with_claims} ({with_claims / N:.1%}); claims: {nclaims}")
print(f"items marked DOUBT: {sum('DOUBT' in r['note'] for r in rows)}; HARD: {sum('HARD' in r['note'] for r in rows)}")
tab = collections.Counter((c["region"], c["action"]) for r in rows for c in r["claims"])
acts = sorted(ACTIONS)
print("region x action:", " ".join(f"{a:>12}" for a in acts))
for reg in sorted(REGIONS):
    if any(tab[(reg, a)] for a in acts):
        print(f"  {reg:15}", " ".join(f"{tab[(reg, a)]:>12}" for a in acts))
years = collections.Counter(r["published"][:4] for r in rows)
print("by year:", dict(sorted(years.items())))
if neg * 3 < N: errs.append(f"look-alike share {neg}/{N} below a third")
if with_claims < 0.6 * N: errs.append(f"items with claims {with_claims}/{N} below 60%")
if errs:
    print("\nERRORS:"); [print(" ", e) for e in errs]; sys.exit(1)
print("\nOK")
