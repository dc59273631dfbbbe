"""Claims are read in the extraction workers next to matching, and by the main process only
when the workers read them with another claims lexicon."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from pipelines.claims import article_claims, load_claim_rules
from pipelines.config import DEFAULT_CONFIG_DIR, ExtractSettings
from pipelines.extract import Extraction
from pipelines.extract.run_rules import RunRules
from pipelines.ingest.identity import canonical_url
from pipelines.models import FeedItem, FetchResult
from pipelines.rules import load_ruleset

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def pages() -> list[tuple[FeedItem, FetchResult]]:
    from seeds.articles import ARTICLES
    from seeds.build import render

    out = []
    for art in ARTICLES:
        url = f"https://ex.example/{art['slug']}.html"
        body = render(art).replace("{{BASE_URL}}", "https://ex.example").encode()
        feed_item = FeedItem("https://ex.example/rss", url, url, canonical_url(url), art["title"])
        out.append((feed_item, FetchResult(url, url, 200, body, {"content-type": "text/html"})))
    return out


def test_workers_read_claims_as_the_main_process_would(tmp_path: Path) -> None:
    files = [tmp_path / n for n in ("rules.yaml", "entities.yaml", "claims.yaml")]
    for f in files:
        shutil.copy(DEFAULT_CONFIG_DIR / f.name, f)
    ruleset = load_ruleset(files[0], files[1])
    claim_rules = load_claim_rules(files[2], ruleset.loaded)

    def run(with_fallback: bool) -> list:
        extraction = Extraction(
            ExtractSettings(workers=2),
            rules=RunRules.compiled(ruleset, claim_rules if with_fallback else None),
            rules_files=tuple(files),
        )
        for feed_item, fetched in pages():
            extraction.add(feed_item, fetched)
        articles = extraction.articles()
        matches = extraction.matches(articles, NOW)
        topics = {a.article_id: [m.topic for m in matches if m.article_id == a.article_id]
                  for a in articles}  # fmt: skip
        expected = {
            a.article_id: article_claims(topics[a.article_id], a.title, a.text, a.lang, claim_rules)
            for a in articles
        }
        assert {a.article_id: a.claims for a in articles} == expected
        return articles

    # Without a lexicon in this process, every claim was read in a worker.
    articles = run(with_fallback=False)
    claimed = [a for a in articles if a.claims]
    assert len(claimed) >= 5
    assert {c.rules_version for a in claimed for c in a.claims} == {claim_rules.version}
    assert all(not a.claims for a in articles if "drone" in a.url or "festival" in a.url)

    # claims.yaml changed after this process loaded it: the workers read another version,
    # and the main process reads the claims again with its own.
    files[2].write_text(files[2].read_text(encoding="utf-8") + "\n# changed\n", "utf-8")
    articles = run(with_fallback=True)
    assert {c.rules_version for a in articles for c in a.claims} == {claim_rules.version}
