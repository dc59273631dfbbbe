#!/usr/bin/env python3
"""Validate blind3_ukru.jsonl form and print counts."""
import json, re, sys, os
from collections import Counter
P = os.path.join(os.path.dirname(os.path.abspath(__file__)), "blind3_ukru.jsonl")
KEYS = ["id", "lang", "published", "title", "text", "labels", "claims", "source", "note"]
LABELS = {"istanbul_talks", "territorial_demands"}
REGIONS = {"donetsk", "luhansk", "zaporizhzhia", "kherson", "crimea", "kharkiv", "sumy",
           "dnipropetrovsk", "odesa", "mykolaiv", "donbas"}
ACTIONS = {"withdraw", "recognise", "seize_threat", "buffer_zone", "other"}
LOOK = re.compile(r"look-?alike", re.I)
err = []; items = []; ids = set(); urls = Counter()
for n, line in enumerate(open(P, encoding="utf-8"), 1):
    if not line.strip():
        err.append(f"line {n}: empty"); continue
    try:
        d = json.loads(line)
    except Exception as e:
        err.append(f"line {n}: bad json {e}"); continue
    if list(d) != KEYS: err.append(f"line {n}: keys {list(d)}")
    i = d.get("id", "")
    m = re.fullmatch(r"b3-(uk|ru)-(\d{3})", i)
    if not m or m.group(1) != d.get("lang"): err.append(f"{i}: bad id/lang")
    if i in ids: err.append(f"{i}: duplicate id")
    ids.add(i)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", d.get("published", "")): err.append(f"{i}: bad date")
    if not set(d["labels"]) <= LABELS or len(set(d["labels"])) != len(d["labels"]): err.append(f"{i}: bad labels")
    for c in d["claims"]:
        if set(c) != {"region", "action"} or c["region"] not in REGIONS or c["action"] not in ACTIONS:
            err.append(f"{i}: bad claim {c}")
    if len({(c["region"], c["action"]) for c in d["claims"]}) != len(d["claims"]): err.append(f"{i}: dup claim")
    if d["claims"] and "territorial_demands" not in d["labels"]: err.append(f"{i}: claims without demand label")
    if not d["source"].startswith("http"): err.append(f"{i}: bad source")
    urls[d["source"]] += 1
    w = len(d["text"].split())
    if not 60 <= w <= 600: err.append(f"{i}: {w} words")
    if not d["note"].strip(): err.append(f"{i}: empty note")
    if not d["labels"] and not LOOK.search(d["note"]): err.append(f"{i}: negative without look-alike note")
    items.append(d)
for u, k in urls.items():
    if k > 1: err.append(f"url used {k} times: {u}")
used = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "used_urls.txt")
if os.path.exists(used):
    U = {l.strip() for l in open(used, encoding="utf-8") if l.strip()}
    for d in items:
        if d["source"] in U: err.append(f"{d['id']}: source in used_urls.txt")
print("lang | talks only | demands only | both | none | total | with claims | claims | hard")
tot = Counter()
for lang in ("uk", "ru"):
    L = [d for d in items if d["lang"] == lang]
    t = sum(1 for d in L if d["labels"] == ["istanbul_talks"])
    dm = sum(1 for d in L if d["labels"] == ["territorial_demands"])
    b = sum(1 for d in L if len(d["labels"]) == 2)
    z = sum(1 for d in L if not d["labels"])
    wc = sum(1 for d in L if d["claims"]); nc = sum(len(d["claims"]) for d in L)
    h = sum(1 for d in L if "HARD" in d["note"])
    print(f"{lang} | {t} | {dm} | {b} | {z} | {len(L)} | {wc} | {nc} | {h}")
    if len(L) < 35: err.append(f"{lang}: only {len(L)} items (min 35)")
    if L and z / len(L) < 1 / 3: err.append(f"{lang}: look-alike share {z/len(L):.2f} < 1/3")
    for k, v in dict(t=t, dm=dm, b=b, z=z, n=len(L), wc=wc, nc=nc).items(): tot[k] += v
print(f"all | {tot['t']} | {tot['dm']} | {tot['b']} | {tot['z']} | {tot['n']} | {tot['wc']} | {tot['nc']}")
print(f"istanbul_talks positives {tot['t']+tot['b']}, territorial_demands positives {tot['dm']+tot['b']}, "
      f"negatives {tot['z']} ({tot['z']/max(tot['n'],1):.0%})")
ca = Counter((c["region"], c["action"]) for d in items for c in d["claims"])
print("claims by region/action:", dict(sorted(ca.items())))
if err:
    print("ERRORS:"); [print(" ", e) for e in err]; sys.exit(1)
print("OK")
