"""The article page: the cleaned text with every hit highlighted, why each topic fired, the
entities named, the story's other copies and the alert status per channel."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from pipelines.dashboard.highlight import Segment, bracketed, occurrences, paragraphs
from pipelines.dashboard.now import Copy
from pipelines.rules import TopicHit

Rematch = Callable[[str, str, str | None], list[TopicHit]]
"""The current ruleset's matcher (`RuleSet.match`): title, text, language → topic hits."""


@dataclass(frozen=True, slots=True)
class Term:
    """One distinct term that made a rule true: what the text says, which query part it
    satisfied, in which field, how often."""

    term: str
    query: str
    field: str
    count: int
    entity: str | None


@dataclass(frozen=True, slots=True)
class MatchWhy:
    topic: str
    rule: str
    rule_query: str | None
    """The rule's query in the rules now loaded (None when they no longer have that rule)."""
    score: float
    rules_version: str
    matched_at: datetime
    terms: tuple[Term, ...]
    more_terms: int
    snippet: tuple[Segment, ...]


@dataclass(frozen=True, slots=True)
class AlertStatus:
    channel: str
    topic: str
    status: str
    attempts: int
    last_error: str | None
    sent_at: datetime | None
    next_attempt_at: datetime | None
    escalation: str | None = None
    """For an escalation alert, what escalated: "sumy / seize_threat"."""


@dataclass(frozen=True, slots=True)
class ArticleView:
    article_id: str
    title: str
    url: str
    outlet: str
    author: str | None
    lang: str | None
    published_at: datetime | None
    fetched_at: datetime
    extract_status: str
    story_id: str
    title_segments: tuple[Segment, ...]
    text_paragraphs: tuple[tuple[Segment, ...], ...]
    hit_count: int
    matches: tuple[MatchWhy, ...]
    current_topics: tuple[str, ...] | None
    """Topics the rules loaded now find in the stored text (None when no rules are loaded)."""
    entities: tuple[str, ...]
    other_copies: tuple[Copy, ...]
    alerts: tuple[AlertStatus, ...]


def article_view(
    con: duckdb.DuckDBPyConnection,
    article_id: str,
    rematch: Rematch | None = None,
    rule_queries: Mapping[tuple[str, str], str] | None = None,
) -> ArticleView | None:
    """Everything the article page shows, or None when there is no such article.

    Hits are highlighted wherever the terms of the stored evidence occur (evidence keeps the
    first occurrence and a count per term), plus the terms the current rules find when
    `rematch` is given, so every occurrence is marked, not only the first."""
    row = con.execute(
        """
        SELECT a.article_id, a.title, a.url, coalesce(a.site_name, f.name, a.feed_url),
               a.author, a.lang, a.published_at, a.fetched_at, a.extract_status, a.story_id,
               a.text
        FROM articles a LEFT JOIN feed_state f ON f.feed_url = a.feed_url
        WHERE a.article_id = $id
        """,
        {"id": article_id},
    ).fetchone()
    if row is None:
        return None
    title, text, lang = row[1] or "", row[10] or "", row[5]
    matches = con.execute(
        "SELECT topic, rule, score, rules_version, matched_at, evidence FROM matches "
        "WHERE article_id = $id ORDER BY topic",
        {"id": article_id},
    ).fetchall()
    queries = rule_queries or {}
    whys: list[MatchWhy] = []
    terms_by_field: dict[str, set[str]] = {"title": set(), "text": set()}
    entities: set[str] = set()
    for topic, rule, score, version, matched_at, evidence_text in matches:
        evidence: dict[str, Any] = json.loads(evidence_text) if evidence_text else {}
        terms = tuple(_term(h) for h in evidence.get("hits", []))
        for t in terms:
            terms_by_field.setdefault(t.field, set()).add(t.term)
        entities.update(evidence.get("entities") or [])
        whys.append(
            MatchWhy(
                topic=topic,
                rule=rule,
                rule_query=queries.get((topic, rule)),
                score=float(score),
                rules_version=version,
                matched_at=matched_at,
                terms=terms,
                more_terms=int(evidence.get("more_terms") or 0),
                snippet=bracketed(evidence.get("snippet") or ""),
            )
        )
    current: tuple[str, ...] | None = None
    if rematch is not None:
        hits = rematch(title, text, lang)
        current = tuple(h.topic for h in hits)
        for hit in hits:
            entities.update(hit.evidence.get("entities") or [])
            for h in hit.evidence.get("hits", []):
                terms_by_field.setdefault(h["field"], set()).add(h["term"])
    title_segments = occurrences(title, terms_by_field["title"])
    text_segments = occurrences(text, terms_by_field["text"])
    copies = con.execute(
        """
        SELECT a.article_id, coalesce(a.site_name, f.name, a.feed_url), a.url
        FROM articles a LEFT JOIN feed_state f ON f.feed_url = a.feed_url
        WHERE a.story_id = $story AND a.article_id <> $id ORDER BY a.fetched_at
        """,
        {"story": row[9], "id": article_id},
    ).fetchall()
    alerts = con.execute(
        "SELECT al.channel, al.topic, al.status, al.attempts, al.last_error, al.sent_at, "
        "al.next_attempt_at, e.region || ' / ' || e.action "
        "FROM alerts al LEFT JOIN demand_escalation_alerts e USING (escalation_id) "
        "WHERE al.story_id = $story ORDER BY al.topic, e.region, e.action, al.channel",
        {"story": row[9]},
    ).fetchall()
    return ArticleView(
        article_id=row[0],
        title=title or "(no title)",
        url=row[2],
        outlet=row[3] or "",
        author=row[4],
        lang=lang,
        published_at=row[6],
        fetched_at=row[7],
        extract_status=row[8],
        story_id=row[9],
        title_segments=title_segments,
        text_paragraphs=paragraphs(text_segments),
        hit_count=sum(s.hit for s in title_segments) + sum(s.hit for s in text_segments),
        matches=tuple(whys),
        current_topics=current,
        entities=tuple(sorted(entities)),
        other_copies=tuple(Copy(r[0], r[1] or "", r[2]) for r in copies),
        alerts=tuple(AlertStatus(*r) for r in alerts),
    )


def _term(hit: Mapping[str, Any]) -> Term:
    return Term(
        term=str(hit.get("term", "")),
        query=str(hit.get("query", "")),
        field=str(hit.get("field", "text")),
        count=int(hit.get("count") or 1),
        entity=hit.get("entity"),
    )
