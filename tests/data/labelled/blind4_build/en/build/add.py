import json,sys,re
KEYS=["id","lang","published","title","text","labels","claims","source","note"]
F="/work/blind4/en/blind4_en.jsonl"
def add(**kw):
    o={k:kw[k] for k in KEYS}
    o["claims"]=[{"region":r,"action":a} for r,a in o["claims"]]
    n=len(o["text"].split())
    assert 60<=n<=600,(o["id"],n)
    ids=[json.loads(l)["id"] for l in open(F)] if __import__("os").path.exists(F) else []
    assert o["id"] not in ids,o["id"]
    with open(F,"a") as f: f.write(json.dumps(o,ensure_ascii=False)+"\n")
    print(o["id"],n,"words")
