"""The "Over time" page: matches per topic per day, and the escalation view: which regions
territorial-demand coverage names, week by week, with the week each region first appears."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import duckdb

from pipelines.dashboard.connection import has_relation

DAYS_SHOWN = 120
WEEKS_SHOWN = 26
LEVELS = 4
DEMAND_TOPIC = "territorial_demands"


@dataclass(frozen=True, slots=True)
class TopicDays:
    """Matches per topic per day, every day from the first to the last shown (zeros filled)."""

    days: tuple[date, ...]
    series: dict[str, tuple[int, ...]]
    totals: dict[str, int]
    spans: dict[str, tuple[date, date]]
    """Per topic, its first and last day with matches."""


def matches_per_topic_day(con: duckdb.DuckDBPyConnection, days: int = DAYS_SHOWN) -> TopicDays:
    """The last `days` days that have matches (counted back from the latest such day)."""
    rows = con.execute(
        """
        WITH per_day AS (
            SELECT m.topic, CAST(coalesce(a.published_at, a.fetched_at) AS DATE) AS day,
                   count(*) AS n
            FROM matches m JOIN articles a USING (article_id) GROUP BY ALL
        )
        SELECT topic, day, n FROM per_day
        WHERE day > (SELECT max(day) FROM per_day) - $days
        ORDER BY day, topic
        """,
        {"days": days},
    ).fetchall()
    if not rows:
        return TopicDays((), {}, {}, {})
    first, last = rows[0][1], rows[-1][1]
    axis = tuple(first + timedelta(days=i) for i in range((last - first).days + 1))
    index = {d: i for i, d in enumerate(axis)}
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(axis))
    for topic, day, n in rows:
        counts[topic][index[day]] = int(n)
    series = {t: tuple(counts[t]) for t in sorted(counts)}
    spans = {}
    for topic, values in series.items():
        busy = [i for i, n in enumerate(values) if n]
        spans[topic] = (axis[busy[0]], axis[busy[-1]])
    return TopicDays(axis, series, {t: sum(v) for t, v in series.items()}, spans)


@dataclass(frozen=True, slots=True)
class Cell:
    count: int
    level: int
    """0 (none) to LEVELS (the busiest cell of the view)."""
    first: bool
    """The week this region is first named."""
    actions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RegionRow:
    region: str
    label: str
    first_week: date
    cells: tuple[Cell, ...]


@dataclass(frozen=True, slots=True)
class Escalation:
    source: str
    """The relation the view is computed from: demand_regions_weekly (claims) when the
    database has demand claims, else entity_mentions_weekly (region entities in matches of
    the topic)."""
    topic: str
    weeks: tuple[date, ...]
    rows: tuple[RegionRow, ...]
    """Regions in the order they were first named, then by name."""


def escalation(
    con: duckdb.DuckDBPyConnection,
    regions: Sequence[str],
    labels: Mapping[str, str] | None = None,
    topic: str = DEMAND_TOPIC,
    weeks: int = WEEKS_SHOWN,
) -> Escalation:
    """Regions named per week; `regions` are the entity ids that count as regions (used
    only with the entity fallback: demand claims name regions already)."""
    # Every database has the claims views since the store's migration 5; one with no claims
    # yet (older articles, before a rematch) shows the regions its matches name.
    found = _from_claims(con) if has_relation(con, "demand_regions_weekly") else []
    if found:
        source = "demand_regions_weekly"
    else:
        source = "entity_mentions_weekly"
        found = _from_entities(con, regions, topic)
    labels = labels or {}
    if not found:
        return Escalation(source, topic, (), ())
    all_weeks = sorted({w for w, _, _, _ in found})
    last = all_weeks[-1]
    start = max(all_weeks[0], last - timedelta(weeks=weeks - 1))
    axis = tuple(start + timedelta(weeks=i) for i in range((last - start).days // 7 + 1))
    index = {w: i for i, w in enumerate(axis)}
    first_week: dict[str, date] = {}
    counts: dict[str, dict[date, int]] = defaultdict(dict)
    actions: dict[str, dict[date, tuple[str, ...]]] = defaultdict(dict)
    for week, region, n, acts in found:
        first_week[region] = min(first_week.get(region, week), week)
        counts[region][week] = counts[region].get(week, 0) + n
        actions[region][week] = tuple(sorted(set(actions[region].get(week, ())) | set(acts)))
    busiest = max((n for per in counts.values() for w, n in per.items() if w in index), default=0)
    rows = []
    for region in sorted(counts, key=lambda r: (first_week[r], labels.get(r, r).casefold())):
        cells = tuple(
            Cell(
                count=(n := counts[region].get(w, 0)),
                level=-(-LEVELS * n // busiest) if n and busiest else 0,
                first=w == first_week[region],
                actions=actions[region].get(w, ()),
            )
            for w in axis
        )
        if any(c.count for c in cells):
            rows.append(RegionRow(region, labels.get(region, region), first_week[region], cells))
    return Escalation(source, topic, axis, tuple(rows))


_Found = list[tuple[date, str, int, tuple[str, ...]]]


def _week(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _from_entities(con: duckdb.DuckDBPyConnection, regions: Sequence[str], topic: str) -> _Found:
    """What the view entity_mentions_weekly counts (articles per week, topic and entity), for
    one topic and the region entities. The entity list is cut out of the evidence JSON with a
    regular expression instead of parsing each match's whole evidence (its term list, most
    of the text) as JSON. Entity ids are plain identifiers, never quoted or bracketed."""
    rows = con.execute(
        """
        WITH named AS (
            SELECT m.article_id, unnest(string_split(regexp_extract(
                       m.evidence, '"entities":\\s*\\[([^\\]]*)\\]', 1), ',')) AS quoted
            FROM matches m WHERE m.topic = $topic
        )
        SELECT date_trunc('week', coalesce(a.published_at, a.fetched_at)) AS week,
               trim(n.quoted, '" ') AS entity, count(DISTINCT n.article_id) AS articles
        FROM named n JOIN articles a USING (article_id)
        WHERE trim(n.quoted, '" ') IN (SELECT unnest($regions::VARCHAR[]))
        GROUP BY ALL
        """,
        {"topic": topic, "regions": list(regions)},
    ).fetchall()
    return [(_week(w), e, int(n), ()) for w, e, n in rows]


_COUNT_COLUMNS = ("articles", "claims", "mentions", "stories", "n", "count")


def _from_claims(con: duckdb.DuckDBPyConnection) -> _Found:
    """Rows of demand_regions_weekly (region × action × week), summed over actions."""
    columns = [
        r[0] for r in con.execute("SELECT * FROM demand_regions_weekly LIMIT 0").description or []
    ]
    counted = next((c for c in _COUNT_COLUMNS if c in columns), None)
    amount = f'"{counted}"' if counted else "1"
    action = '"action"' if "action" in columns else "NULL"
    rows = con.execute(
        f'SELECT "week", "region", {action}, {amount} FROM demand_regions_weekly '
        'WHERE "region" IS NOT NULL AND "week" IS NOT NULL'
    ).fetchall()
    return [(_week(w), r, int(n or 0), (a,) if a else ()) for w, r, a, n in rows]
