"""What an extraction worker process runs for each page: extract under a hard deadline, hash,
and match the rules, so the main process receives finished results."""

from __future__ import annotations

import signal
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.ingest.identity import signatures
from pipelines.models import (
    evidence_json,
)

if TYPE_CHECKING:
    pass

from pipelines.extract import watchdog
from pipelines.extract.page import _on_alarm, _PageTimeout, _parse_date, extract_one

Job = tuple[bytes, str, str | None, str, datetime | None]
"""(page bytes, final URL, Content-Type, the feed item's title, its publication time)."""
RulesFiles = tuple[str, ...]
"""(rules.yaml, entities.yaml[, claims.yaml]): workers load the ruleset (and the claims
lexicon) themselves, once."""


def _rules_files(paths: tuple[Path, ...] | None) -> RulesFiles | None:
    return tuple(str(p) for p in paths) if paths else None


def _worker_batch(
    jobs: list[Job],
    timeout_s: float,
    rules: RulesFiles | None = None,
    pages: list[int] | None = None,
) -> list[dict]:
    """Extract (and match, and read claims from) several pages in one task (fewer round
    trips); each keeps its own deadline, and is put on the pool's board as `pages` numbers
    it while it runs (`watchdog`)."""
    ruleset = _worker_ruleset(rules) if rules else None
    claim_rules = _worker_claim_rules(rules, ruleset) if rules and ruleset else None
    out = []
    for k, (content, url, ctype, title, published) in enumerate(jobs):
        if pages is not None:
            watchdog.on_page(pages[k])
        try:
            out.append(
                _worker(content, url, ctype, timeout_s, title, ruleset, claim_rules, published)
            )
        finally:
            watchdog.off_page()
    return out


def _worker_claim_rules(rules: RulesFiles, ruleset: Any) -> Any:
    """The claims lexicon of `rules[2]` (None without one, or when it fails to load: the
    main process then reads those articles' claims itself, as for matching)."""
    if len(rules) < 3:
        return None
    try:
        from pipelines.claims import cached_claim_rules

        return cached_claim_rules(Path(rules[2]), ruleset.loaded)
    except Exception:
        return None


def _worker_ruleset(rules: RulesFiles) -> Any:
    """The ruleset, loaded once per worker process and again when a file changes. A ruleset
    that fails to load here matches nothing: the main process, which validated the same files,
    notices the missing version and matches those articles itself."""
    try:
        from pipelines.rules import cached_ruleset

        return cached_ruleset(Path(rules[0]), Path(rules[1]))
    except Exception:
        return None


def _worker(
    content: bytes,
    url: str,
    content_type: str | None,
    timeout_s: float,
    item_title: str = "",
    ruleset: Any = None,
    claim_rules: Any = None,
    item_published: datetime | None = None,
) -> dict:
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout_s)
    try:
        data = extract_one(content, url, content_type)
        text = data.get("text") or ""
        data["content_hash"], data["simhash"] = signatures(text) if text else ("", 0)
        if ruleset is not None and text:
            title = (data.get("title") or item_title or "").strip()
            # The date the article will carry (see page._article): date: conditions see it.
            published = item_published or _parse_date(data.get("date"))
            hits = ruleset.match(title, text, data.get("language"), published)
            data["hits"] = [(h.topic, h.rule, h.score, evidence_json(h.evidence)) for h in hits]
            data["rules_version"] = ruleset.version
            if claim_rules is not None:
                from pipelines.claims import article_claims

                data["claims"] = article_claims(
                    (h.topic for h in hits), title, text, data.get("language"), claim_rules
                )
                data["claims_version"] = claim_rules.version
        return {"ok": data}
    except _PageTimeout:
        return {"timeout": f"extraction took longer than {timeout_s:g}s"}
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
