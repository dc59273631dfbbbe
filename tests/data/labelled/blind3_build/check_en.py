#!/usr/bin/env python3
"""Form check for blind3_en.jsonl (English part of the blind3 set). Exit 1 on any error."""
import json, re, sys, collections, os
HERE = os.path.dirname(os.path.abspath(__file__))
PATH = os.path.join(HERE, "blind3_en.jsonl")
KEYS = ["id", "lang", "published", "title", "text", "labels", "claims", "source", "note"]
LABELS = {"istanbul_talks", "territorial_demands"}
REGIONS = {"donetsk", "luhansk", "zaporizhzhia", "kherson", "crimea", "kharkiv", "sumy",
           "dnipropetrovsk", "odesa", "mykolaiv", "donbas"}
ACTIONS = {"withdraw", "recognise", "seize_threat", "buffer_zone", "other"}
errs = []
items = []
for n, line in enumerate(open(PATH, encoding="utf-8"), 1):
    try:
        d = json.loads(line)
    except Exception as e:
        errs.append(f"line {n}: bad JSON {e}"); continue
    items.append(d)
    if list(d.keys()) != KEYS:
        errs.append(f"line {n}: keys {list(d.keys())}")
    if not re.fullmatch(r"b3-en-\d{3}", d.get("id", "")): errs.append(f"line {n}: bad id {d.get('id')}")
    if d.get("lang") != "en": errs.append(f"{d.get('id')}: lang {d.get('lang')}")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", d.get("published", "")): errs.append(f"{d['id']}: date")
    if not set(d["labels"]) <= LABELS or len(set(d["labels"])) != len(d["labels"]): errs.append(f"{d['id']}: labels")
    for c in d["claims"]:
        if set(c) != {"region", "action"} or c["region"] not in REGIONS or c["action"] not in ACTIONS:
            errs.append(f"{d['id']}: bad claim {c}")
    if len({(c['region'], c['action']) for c in d["claims"]}) != len(d["claims"]): errs.append(f"{d['id']}: duplicate claim")
    if d["claims"] and "territorial_demands" not in d["labels"]: errs.append(f"{d['id']}: claims without demand label")
    if not d["source"].startswith("http"): errs.append(f"{d['id']}: source")
    if not d["note"].strip() or not d["title"].strip(): errs.append(f"{d['id']}: empty note/title")
    w = len(d["text"].split())
    if not 60 <= w <= 600: errs.append(f"{d['id']}: {w} words")
ids = [d["id"] for d in items]
if len(ids) != len(set(ids)): errs.append("duplicate ids")
srcs = [d["source"] for d in items]
if len(srcs) != len(set(srcs)): errs.append("duplicate sources")
used_p = "/work/blind3/used_urls.txt"
if os.path.exists(used_p):
    used = {l.strip() for l in open(used_p) if l.strip()}
    for d in items:
        if d["source"] in used: errs.append(f"{d['id']}: source already used elsewhere")
cnt = collections.Counter()
for d in items:
    L = set(d["labels"])
    cnt["both" if len(L) == 2 else ("talks_only" if L == {"istanbul_talks"} else ("demands_only" if L else "none"))] += 1
N = len(items)
neg = cnt["none"]
talks = sum("istanbul_talks" in d["labels"] for d in items)
dem = sum("territorial_demands" in d["labels"] for d in items)
claims = collections.Counter((c["region"], c["action"]) for d in items for c in d["claims"])
with_claims = sum(bool(d["claims"]) for d in items)
hard = sum("HARD" in d["note"] for d in items)
print(f"items {N} (lang en)")
print(f"talks_only {cnt['talks_only']}  demands_only {cnt['demands_only']}  both {cnt['both']}  none {neg}")
print(f"istanbul_talks positives {talks}; territorial_demands positives {dem}")
print(f"look-alike negatives {neg} = {neg/N:.1%}")
print(f"items with claims {with_claims}; claims {sum(claims.values())}; HARD-marked {hard}")
for (r, a), k in sorted(claims.items()): print(f"  {r:15s} {a:13s} {k}")
outlets = collections.Counter(re.sub(r'^www\.', '', d['source'].split('/')[2]) for d in items)
print(f"distinct outlets {len(outlets)}; most used: {outlets.most_common(5)}")
if N < 65: errs.append(f"only {N} items (<65)")
if neg * 3 < N: errs.append("look-alike share below one third")
if errs:
    print("ERRORS:"); [print(" ", e) for e in errs]; sys.exit(1)
print("OK")
