import json, sys
KEYS=["id","lang","published","title","text","labels","claims","source","note"]
OUT="/work/blind4/uk/blind4_uk.jsonl"
items=json.load(sys.stdin)
with open(OUT,"a",encoding="utf-8") as f:
    for it in items:
        it={k:it[k] for k in KEYS}
        assert it["lang"]=="uk"
        f.write(json.dumps(it,ensure_ascii=False)+"\n")
        print(it["id"], len(it["text"].split()), "words")
