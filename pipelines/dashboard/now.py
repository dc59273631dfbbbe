"""The "Now" page: the latest matches, newest first, one row per story (syndicated copies
folded together), with filters; and the full-text search over every article."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import duckdb

from pipelines.dashboard.highlight import Segment, bracketed
from pipelines.store import search

PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class NowFilters:
    topic: str | None = None
    outlet: str | None = None
    lang: str | None = None
    since: date | None = None
    until: date | None = None
    """Inclusive: matches published on this day are shown."""
    page: int = 1


@dataclass(frozen=True, slots=True)
class Copy:
    """One outlet's copy of a story."""

    article_id: str
    outlet: str
    url: str


@dataclass(frozen=True, slots=True)
class TopicRule:
    topic: str
    rule: str


@dataclass(frozen=True, slots=True)
class StoryRow:
    story_id: str
    article_id: str
    title: str
    url: str
    outlet: str
    lang: str | None
    published_at: datetime | None
    matched_at: datetime
    topics: tuple[TopicRule, ...]
    snippet: tuple[Segment, ...]
    copies: tuple[Copy, ...]
    """Every article of the story (the shown one included), by outlet."""


@dataclass(frozen=True, slots=True)
class FilterOptions:
    topics: tuple[str, ...]
    outlets: tuple[str, ...]
    langs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NowPage:
    stories: tuple[StoryRow, ...]
    total_stories: int
    page: int
    pages: int


_OUTLET = "coalesce(a.site_name, f.name, a.feed_url)"
_FEEDS = "LEFT JOIN feed_state f ON f.feed_url = a.feed_url"
"""Joined where the outlet name is needed (it falls back to the feed's name)."""


def filter_options(con: duckdb.DuckDBPyConnection) -> FilterOptions:
    """The topics that have matches, and the outlets and languages of the articles, for the
    filter menus."""
    rows = con.execute(
        f"""
        SELECT 't', topic FROM (SELECT DISTINCT topic FROM matches)
        UNION ALL
        SELECT DISTINCT 'o', {_OUTLET} FROM articles a LEFT JOIN feed_state f USING (feed_url)
        UNION ALL
        SELECT DISTINCT 'l', lang FROM articles
        """
    ).fetchall()
    by_kind: dict[str, list[str]] = defaultdict(list)
    for kind, value in rows:
        if value is not None:
            by_kind[kind].append(value)
    return FilterOptions(
        tuple(sorted(by_kind["t"])),
        tuple(sorted(by_kind["o"], key=str.casefold)),
        tuple(sorted(by_kind["l"])),
    )


def _where(filters: NowFilters) -> tuple[str, dict[str, Any]]:
    clauses: list[str] = ["TRUE"]
    params: dict[str, Any] = {}
    if filters.topic:
        clauses.append("m.topic = $topic")
        params["topic"] = filters.topic
    if filters.outlet:
        clauses.append(f"{_OUTLET} = $outlet")
        params["outlet"] = filters.outlet
    if filters.lang:
        clauses.append("a.lang = $lang")
        params["lang"] = filters.lang
    if filters.since:
        clauses.append("coalesce(a.published_at, a.fetched_at) >= $since")
        params["since"] = datetime.combine(filters.since, time.min, UTC)
    if filters.until:
        clauses.append("coalesce(a.published_at, a.fetched_at) < $until")
        params["until"] = datetime.combine(filters.until + timedelta(days=1), time.min, UTC)
    return " AND ".join(clauses), params


def latest_stories(con: duckdb.DuckDBPyConnection, filters: NowFilters) -> NowPage:
    """One page of matched stories, the most recently matched first (then the most recently
    published), each shown by its earliest matching copy.

    The page's stories are picked from narrow columns first; titles and snippets (inside the
    evidence JSON) are read for those stories only."""
    where, params = _where(filters)
    feeds = _FEEDS if filters.outlet else ""
    page = max(1, filters.page)
    top = con.execute(
        f"""
        SELECT a.story_id, max(m.matched_at) AS last_matched,
               max(coalesce(a.published_at, a.fetched_at)) AS last_published,
               count(*) OVER () AS total
        FROM matches m JOIN articles a USING (article_id) {feeds}
        WHERE {where}
        GROUP BY a.story_id
        ORDER BY last_matched DESC, last_published DESC, a.story_id
        LIMIT $limit OFFSET $offset
        """,
        {**params, "limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE},
    ).fetchall()
    total = int(top[0][3]) if top else _count_stories(con, where, params, feeds)
    rows = _story_rows(con, [r[0] for r in top], filters)
    return NowPage(tuple(rows), total, page, max(1, -(-total // PAGE_SIZE)))


def _count_stories(
    con: duckdb.DuckDBPyConnection, where: str, params: dict[str, Any], feeds: str
) -> int:
    """Stories matching the filters (asked only for a page past the last one)."""
    row = con.execute(
        f"SELECT count(DISTINCT a.story_id) FROM matches m JOIN articles a USING (article_id) "
        f"{feeds} WHERE {where}",
        params,
    ).fetchone()
    return int(row[0]) if row else 0


@dataclass(frozen=True, slots=True)
class _StoryArticle:
    story_id: str
    article_id: str
    title: str | None
    url: str
    lang: str | None
    published_at: datetime
    outlet: str


_Shown = tuple[_StoryArticle, str, str, datetime, str | None]
"""A match shown in a story row: article, topic, rule, matched_at, snippet."""


def _story_rows(
    con: duckdb.DuckDBPyConnection, story_ids: list[str], filters: NowFilters
) -> list[StoryRow]:
    """The rows of the page's stories: every article of each (its copies), and the matches
    that pass the filters, with their snippets. Two narrow lookups: joining matches to
    articles in one query made DuckDB read the snippet out of every match's evidence."""
    if not story_ids:
        return []
    articles = [
        _StoryArticle(*r)
        for r in con.execute(
            f"""
            WITH a AS (SELECT * FROM articles
                       WHERE story_id IN (SELECT unnest($ids::VARCHAR[])))
            SELECT a.story_id, a.article_id, a.title, a.url, a.lang,
                   coalesce(a.published_at, a.fetched_at), coalesce({_OUTLET}, '')
            FROM a {_FEEDS} ORDER BY a.story_id, 7, a.fetched_at
            """,
            {"ids": story_ids},
        ).fetchall()
    ]
    by_id = {a.article_id: a for a in articles}
    shown: dict[str, list[_Shown]] = defaultdict(list)
    for article_id, topic, rule, matched_at, snippet in con.execute(
        "SELECT article_id, topic, rule, matched_at, evidence->>'snippet' FROM matches "
        "WHERE article_id IN (SELECT unnest($ids::VARCHAR[])) ORDER BY topic",
        {"ids": list(by_id)},
    ).fetchall():
        article = by_id[article_id]
        if _passes(filters, article, topic):
            shown[article.story_id].append((article, topic, rule, matched_at, snippet))
    copies: dict[str, list[Copy]] = defaultdict(list)
    for a in articles:
        copies[a.story_id].append(Copy(a.article_id, a.outlet, a.url))
    rows = []
    for story_id in story_ids:
        hits = sorted(shown[story_id], key=lambda h: (h[0].published_at, h[0].article_id))
        first, snippet = hits[0][0], hits[0][4]
        rows.append(
            StoryRow(
                story_id=story_id,
                article_id=first.article_id,
                title=first.title or "(no title)",
                url=first.url,
                outlet=first.outlet,
                lang=first.lang,
                published_at=first.published_at,
                matched_at=max(h[3] for h in hits),
                topics=tuple(dict.fromkeys(TopicRule(h[1], h[2]) for h in hits)),
                snippet=bracketed(snippet or ""),
                copies=tuple(copies[story_id]),
            )
        )
    return rows


def _passes(filters: NowFilters, article: _StoryArticle, topic: str) -> bool:
    """The filters of `_where`, for one match of a story they picked."""
    day = article.published_at.astimezone(UTC).date()
    return (
        (not filters.topic or topic == filters.topic)
        and (not filters.outlet or article.outlet == filters.outlet)
        and (not filters.lang or article.lang == filters.lang)
        and (not filters.since or day >= filters.since)
        and (not filters.until or day <= filters.until)
    )


@dataclass(frozen=True, slots=True)
class SearchHit:
    article_id: str
    title: str
    url: str
    outlet: str
    published_at: datetime | None
    topics: tuple[str, ...]
    score: float


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: str
    hits: tuple[SearchHit, ...]
    indexed: bool
    """False when no full-text index exists: the hits then come from titles only."""
    unindexed_articles: int
    """Articles landed since the index was built (not searchable until it is rebuilt)."""


def search_articles(
    con: duckdb.DuckDBPyConnection, query: str, limit: int = PAGE_SIZE
) -> SearchResult:
    """Full-text search with the store's BM25 index, read-only: the index is never rebuilt
    here (`newswatch search` does that); without one, titles are searched for the words."""
    state = search.unindexed_articles(con)
    if state is None:
        words = [w for w in query.split() if w]
        clauses = " AND ".join(f"a.title ILIKE $w{i}" for i in range(len(words))) or "FALSE"
        params: dict[str, Any] = {f"w{i}": f"%{w}%" for i, w in enumerate(words)}
        params["limit"] = limit
        found = con.execute(
            f"SELECT a.article_id, 0.0 FROM articles a WHERE {clauses} "
            "ORDER BY coalesce(a.published_at, a.fetched_at) DESC LIMIT $limit",
            params,
        ).fetchall()
        ranked = [(r[0], float(r[1])) for r in found]
        behind = 0
    else:
        ranked = search.rank(con, query, limit)
        behind = state
    return SearchResult(query, _search_hits(con, ranked), state is not None, behind)


def _search_hits(
    con: duckdb.DuckDBPyConnection, ranked: list[tuple[str, float]]
) -> tuple[SearchHit, ...]:
    if not ranked:
        return ()
    ids = {"ids": [r[0] for r in ranked]}
    rows = con.execute(
        f"""
        WITH a AS (SELECT * FROM articles WHERE article_id IN (SELECT unnest($ids::VARCHAR[])))
        SELECT a.article_id, a.title, a.url, {_OUTLET}, coalesce(a.published_at, a.fetched_at)
        FROM a {_FEEDS}
        """,
        ids,
    ).fetchall()
    topics: dict[str, list[str]] = defaultdict(list)
    for article_id, topic in con.execute(
        "SELECT article_id, topic FROM matches "
        "WHERE article_id IN (SELECT unnest($ids::VARCHAR[])) ORDER BY topic",
        ids,
    ).fetchall():
        topics[article_id].append(topic)
    by_id = {r[0]: r for r in rows}
    return tuple(
        SearchHit(
            article_id=aid,
            title=by_id[aid][1] or "(no title)",
            url=by_id[aid][2],
            outlet=by_id[aid][3] or "",
            published_at=by_id[aid][4],
            topics=tuple(topics[aid]),
            score=score,
        )
        for aid, score in ranked
        if aid in by_id
    )
