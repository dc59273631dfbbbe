"""Full-text search over articles with DuckDB's fts extension, loaded from the PyPI package
that ships it (never downloaded at run time).

fts stems English only (Porter). A query word also finds the indexed words that share its
stem as the rules stem them (`pipelines.rules.text`: Ukrainian and Russian endings,
«Стамбул» finds «Стамбулі», «Стамбуле», «Стамбула»): the index keeps each of its words'
stem beside it (`fts_main_articles.stems`), and `rank` adds a query word's stem-mates to
the query.

fts indexes are not incremental: `refresh_index` rebuilds the BM25 index over all articles
(titles and texts), which grows with the database. So runs never build it: `ensure_index`
rebuilds it when someone searches and articles landed since the last build.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import duckdb

from pipelines.config import StoreSettings
from pipelines.errors import StoreError
from pipelines.rules.text import WORD
from pipelines.store.backend import backend_of


@cache
def extension_path() -> Path:
    import duckdb_extension_fts

    root = Path(duckdb_extension_fts.__file__).parent
    version = duckdb.__version__
    exact = root / "extensions" / f"v{version}" / "fts.duckdb_extension"
    if exact.exists():
        return exact
    found = sorted(root.glob("extensions/*/fts.duckdb_extension"))
    if not found:
        raise StoreError(
            f"the fts extension file is missing from {root}; reinstall duckdb-extension-fts "
            f"matching duckdb {version}"
        )
    raise StoreError(
        f"duckdb {version} needs duckdb-extension-fts=={version}, found {found[0].parent.name}"
    )


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """Load the extension from disk; forbid DuckDB's automatic download."""
    con.execute("SET autoinstall_known_extensions = false")
    con.execute(f"LOAD '{extension_path()}'")


_STATE_DDL = (
    "CREATE TABLE IF NOT EXISTS search_index_state (articles BIGINT, last_fetched_at "
    "TIMESTAMPTZ, built_at TIMESTAMPTZ)"
)
_ARTICLES_NOW = "SELECT count(*), max(fetched_at) FROM articles"


def refresh_index(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the BM25 index over every article and record what it covers.

    A DuckDB file holds its index itself. A lake cannot (fts keeps its index in tables and
    macros of a DuckDB catalog), so its index lives in a DuckDB file beside the catalog
    (`Backend.search_path()`, `data/newswatch.search.duckdb`): built in a new file from the
    lake's articles, then renamed over the old one, so a search never sees half an index and
    a landing never waits for one."""
    backend = backend_of(con)
    if backend.enforces_keys:
        _build_index(con, "articles")
        return
    target = backend.search_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    fresh = target.with_name(f".{target.name}.{os.getpid()}.new")
    fresh.unlink(missing_ok=True)
    try:
        with duckdb.connect(str(fresh)) as side:
            copy = con.execute(
                "SELECT article_id, title, text, fetched_at FROM articles"
            ).to_arrow_table()
            side.register("_lake_articles", copy)
            side.execute("CREATE TABLE articles AS SELECT * FROM _lake_articles")
            side.unregister("_lake_articles")
            _build_index(side, "articles")
        os.replace(fresh, target)
    finally:
        fresh.unlink(missing_ok=True)


def _build_index(con: duckdb.DuckDBPyConnection, table: str) -> None:
    load_fts(con)
    con.execute(
        f"PRAGMA create_fts_index('{table}', 'article_id', 'title', 'text', "
        "stemmer = 'porter', stopwords = 'english', strip_accents = 1, lower = 1, overwrite = 1)"
    )
    terms = [t for (t,) in con.execute("SELECT term FROM fts_main_articles.dict").fetchall()]
    con.execute("CREATE TABLE fts_main_articles.stems (stem VARCHAR, term VARCHAR)")
    con.execute(
        "INSERT INTO fts_main_articles.stems SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[])",
        [word_stems(terms), terms],
    )
    con.execute(_STATE_DDL)
    con.execute("DELETE FROM search_index_state")
    con.execute(f"INSERT INTO search_index_state SELECT *, now() FROM ({_ARTICLES_NOW})")


@contextmanager
def _index_connection(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Where the index of the store behind `con` is: `con` itself, or the lake's index file
    (opened read-only; `CatalogException` when it does not exist yet, like a missing index)."""
    backend = backend_of(con)
    if backend.enforces_keys:
        yield con
        return
    path = backend.search_path()
    if not path.exists():
        raise duckdb.CatalogException(f"no search index at {path}")
    with duckdb.connect(str(path), read_only=True) as side:
        yield side


def index_is_stale(con: duckdb.DuckDBPyConnection) -> bool:
    """True when articles landed (or none is indexed yet) since the index was built."""
    try:
        with _index_connection(con) as side:
            built = side.execute(
                "SELECT articles, last_fetched_at FROM search_index_state"
            ).fetchone()
    except duckdb.CatalogException:
        return True
    return built != con.execute(_ARTICLES_NOW).fetchone()


def unindexed_articles(con: duckdb.DuckDBPyConnection) -> int | None:
    """Articles landed since the index was built (not searchable until it is rebuilt), or
    None when the store has no index yet. Read-only: wherever the index lives."""
    try:
        with _index_connection(con) as side:
            row = side.execute("SELECT articles FROM search_index_state").fetchone()
            side.execute("SELECT 1 FROM fts_main_articles.docs LIMIT 0")
    except duckdb.CatalogException:
        return None
    if row is None:
        return None
    now = con.execute("SELECT count(*) FROM articles").fetchone()
    return max(0, (int(now[0]) if now else 0) - int(row[0]))


def ensure_index(db_path: Path, settings: StoreSettings | None = None) -> int | None:
    """Rebuild the index when it is stale; returns the number of articles indexed, or None
    when it was already current. On a DuckDB file it takes the write lock only when it has to
    rebuild; on a lake it never does."""
    from pipelines import store

    with store.open_store(db_path, read_only=True, settings=settings) as con:
        if not index_is_stale(con):
            return None
        if not backend_of(con).enforces_keys:
            refresh_index(con)
            row = con.execute("SELECT count(*) FROM articles").fetchone()
            return int(row[0]) if row else 0
    with store.open_store(db_path, settings=settings) as con:
        refresh_index(con)
        row = con.execute("SELECT articles FROM search_index_state").fetchone()
    return int(row[0]) if row else 0


def word_stems(words: list[str]) -> list[str]:
    """Each word's stem as the rules stem it, after fts's own lower-casing and accent
    stripping (which turns «й» into «и» in the index)."""
    from pipelines.rules.compiled import fold_stem_all

    stripped = [
        "".join(c for c in unicodedata.normalize("NFD", w.lower()) if not unicodedata.combining(c))
        for w in words
    ]
    return [stem for _, stem in fold_stem_all(stripped)]


def expanded(side: duckdb.DuckDBPyConnection, query: str) -> str:
    """The query with, after its own words, the indexed words that share a stem with one of
    them; the query as it is for an index built without stems."""
    words = WORD.findall(query)
    if not words:
        return query
    try:
        mates = side.execute(
            "SELECT DISTINCT term FROM fts_main_articles.stems "
            "WHERE stem IN (SELECT unnest(?::VARCHAR[])) ORDER BY term",
            [word_stems(words)],
        ).fetchall()
    except duckdb.CatalogException:
        return query
    return " ".join([query, *(t for (t,) in mates)])


def rank(con: duckdb.DuckDBPyConnection, query: str, limit: int = 20) -> list[tuple[str, float]]:
    """(article_id, score) of the best-matching articles for a plain-words query, best first
    (`expanded`: with the indexed forms of its words).

    Only ids and scores go through the ranking; carrying every article's title and URL
    through it cost more than the scoring itself on a large store (bench/bench_ui.py)."""
    try:
        with _index_connection(con) as side:
            load_fts(side)
            query = expanded(side, query)
            return [
                (r[0], float(r[1]))
                for r in side.execute(
                    "SELECT article_id, score FROM ("
                    "  SELECT article_id, fts_main_articles.match_bm25(article_id, ?) AS score"
                    "  FROM articles"
                    ") WHERE score IS NOT NULL ORDER BY score DESC, article_id LIMIT ?",
                    [query, limit],
                ).fetchall()
            ]
    except duckdb.CatalogException as exc:
        raise StoreError(
            "no search index: run `newswatch search`, which builds it when articles have landed"
        ) from exc


def search(
    con: duckdb.DuckDBPyConnection, query: str, limit: int = 20
) -> list[tuple[str, str, str, float]]:
    """(article_id, title, url, score) of the best-matching articles for a plain-words query."""
    ranked = rank(con, query, limit)
    if not ranked:
        return []
    found = {
        r[0]: (r[1], r[2])
        for r in con.execute(
            "SELECT article_id, title, url FROM articles "
            "WHERE article_id IN (SELECT unnest(?::VARCHAR[]))",
            [[article_id for article_id, _ in ranked]],
        ).fetchall()
    }
    return [(aid, *found[aid], score) for aid, score in ranked if aid in found]
