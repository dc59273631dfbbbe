"""The "Now" page: the latest matches, newest first, one row per story (syndicated copies
folded together), with filters; and the full-text search over every article."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import duckdb

from pipelines import search
from pipelines.dashboard.highlight import Segment, bracketed

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


def filter_options(con: duckdb.DuckDBPyConnection) -> FilterOptions:
    """The topics, outlets and languages that have matches, for the filter menus."""
    rows = con.execute(
        f"""
        SELECT 't', m.topic FROM matches m GROUP BY ALL
        UNION ALL
        SELECT 'o', {_OUTLET} FROM (SELECT DISTINCT article_id FROM matches) m
            JOIN articles a USING (article_id) LEFT JOIN feed_state f ON f.feed_url = a.feed_url
            GROUP BY ALL
        UNION ALL
        SELECT 'l', a.lang FROM (SELECT DISTINCT article_id FROM matches) m
            JOIN articles a USING (article_id) WHERE a.lang IS NOT NULL GROUP BY ALL
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
    clauses, params = ["TRUE"], {}
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
        params["since"] = datetime.combine(filters.since, datetime.min.time())
    if filters.until:
        clauses.append("coalesce(a.published_at, a.fetched_at) < $until")
        params["until"] = datetime.combine(filters.until + timedelta(days=1), datetime.min.time())
    return " AND ".join(clauses), params


def latest_stories(con: duckdb.DuckDBPyConnection, filters: NowFilters) -> NowPage:
    """One page of matched stories, the most recently matched first (then the most recently
    published), each shown by its earliest matching copy.

    The page's stories are picked from narrow columns first; snippets (inside the evidence
    JSON) and titles are read for those stories only."""
    where, params = _where(filters)
    page = max(1, filters.page)
    top = con.execute(
        f"""
        SELECT a.story_id, max(m.matched_at) AS last_matched,
               max(coalesce(a.published_at, a.fetched_at)) AS last_published,
               count(*) OVER () AS total
        FROM matches m JOIN articles a USING (article_id)
        LEFT JOIN feed_state f ON f.feed_url = a.feed_url
        WHERE {where}
        GROUP BY a.story_id
        ORDER BY last_matched DESC, last_published DESC, a.story_id
        LIMIT $limit OFFSET $offset
        """,
        {**params, "limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE},
    ).fetchall()
    total = int(top[0][3]) if top else _count_stories(con, where, params)
    story_ids = [r[0] for r in top]
    rows = (
        con.execute(
            f"""
        SELECT a.story_id, m.article_id, m.topic, m.rule, m.matched_at,
               m.evidence->>'snippet', a.title, a.url, a.lang,
               coalesce(a.published_at, a.fetched_at) AS published, {_OUTLET}
        FROM articles a JOIN matches m USING (article_id)
        LEFT JOIN feed_state f ON f.feed_url = a.feed_url
        WHERE a.story_id IN (SELECT unnest($ids::VARCHAR[])) AND {where}
        ORDER BY published, m.article_id, m.topic
        """,
            {**params, "ids": story_ids},
        ).fetchall()
        if story_ids
        else []
    )
    copies = _copies(con, story_ids)
    grouped: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for r in rows:
        grouped[r[0]].append(r)
    stories: list[StoryRow] = []
    for story_id in story_ids:
        hits = grouped[story_id]
        first = hits[0]
        stories.append(
            StoryRow(
                story_id=story_id,
                article_id=first[1],
                title=first[6] or "(no title)",
                url=first[7],
                outlet=first[10] or "",
                lang=first[8],
                published_at=first[9],
                matched_at=max(h[4] for h in hits),
                topics=tuple(dict.fromkeys(TopicRule(h[2], h[3]) for h in hits)),
                snippet=bracketed(first[5] or ""),
                copies=copies.get(story_id, ()),
            )
        )
    return NowPage(tuple(stories), total, page, max(1, -(-total // PAGE_SIZE)))


def _count_stories(con: duckdb.DuckDBPyConnection, where: str, params: dict[str, Any]) -> int:
    """Stories matching the filters (asked only for a page past the last one)."""
    row = con.execute(
        f"""
        SELECT count(DISTINCT a.story_id) FROM matches m JOIN articles a USING (article_id)
        LEFT JOIN feed_state f ON f.feed_url = a.feed_url WHERE {where}
        """,
        params,
    ).fetchone()
    return int(row[0]) if row else 0


def _copies(con: duckdb.DuckDBPyConnection, story_ids: list[str]) -> dict[str, tuple[Copy, ...]]:
    if not story_ids:
        return {}
    rows = con.execute(
        f"""
        SELECT a.story_id, a.article_id, {_OUTLET} AS outlet, a.url
        FROM articles a LEFT JOIN feed_state f ON f.feed_url = a.feed_url
        WHERE a.story_id IN (SELECT unnest($ids::VARCHAR[]))
        ORDER BY a.story_id, outlet, a.fetched_at
        """,
        {"ids": story_ids},
    ).fetchall()
    out: dict[str, list[Copy]] = defaultdict(list)
    for story_id, article_id, outlet, url in rows:
        out[story_id].append(Copy(article_id, outlet or "", url))
    return {k: tuple(v) for k, v in out.items()}


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
    state = _index_state(con)
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
        ranked = [(r[0], r[3]) for r in search.search(con, query, limit)]
        behind = state
    return SearchResult(query, _search_hits(con, ranked), state is not None, behind)


def _index_state(con: duckdb.DuckDBPyConnection) -> int | None:
    """Articles landed since the fts index was built, or None when there is no index."""
    try:
        row = con.execute(
            "SELECT (SELECT count(*) FROM articles) - articles FROM search_index_state"
        ).fetchone()
        con.execute("SELECT 1 FROM fts_main_articles.docs LIMIT 0")
    except duckdb.CatalogException:
        return None
    return max(0, int(row[0])) if row else None


def _search_hits(
    con: duckdb.DuckDBPyConnection, ranked: list[tuple[str, float]]
) -> tuple[SearchHit, ...]:
    if not ranked:
        return ()
    rows = con.execute(
        f"""
        SELECT a.article_id, a.title, a.url, {_OUTLET},
               coalesce(a.published_at, a.fetched_at),
               (SELECT list(m.topic ORDER BY m.topic) FROM matches m
                WHERE m.article_id = a.article_id)
        FROM articles a LEFT JOIN feed_state f ON f.feed_url = a.feed_url
        WHERE a.article_id IN (SELECT unnest($ids::VARCHAR[]))
        """,
        {"ids": [r[0] for r in ranked]},
    ).fetchall()
    by_id = {r[0]: r for r in rows}
    return tuple(
        SearchHit(
            article_id=aid,
            title=by_id[aid][1] or "(no title)",
            url=by_id[aid][2],
            outlet=by_id[aid][3] or "",
            published_at=by_id[aid][4],
            topics=tuple(by_id[aid][5] or ()),
            score=score,
        )
        for aid, score in ranked
        if aid in by_id
    )
