"""Write articles.jsonl from the lists in build_en.py and build_ukru.py (run from this folder)."""

import json
from pathlib import Path

from build_en import EN
from build_ukru import RU, UK

HERE = Path(__file__).resolve().parent
with (HERE / "articles.jsonl").open("w", encoding="utf-8") as out:
    for lang, rows in (("en", EN), ("uk", UK), ("ru", RU)):
        for i, (labels, title, text) in enumerate(rows, start=1):
            record = {"id": f"{lang}-{i:03d}", "lang": lang, "title": title, "text": text,
                      "labels": labels}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
