"""Full-text search over articles with DuckDB's fts extension, loaded from the PyPI package
that ships it (never downloaded at run time).

fts indexes are not incremental: `refresh_index` rebuilds the BM25 index over all articles
(titles and texts). A run calls it once, after landing, only when new articles landed.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import duckdb

from pipelines.errors import StoreError


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


def refresh_index(con: duckdb.DuckDBPyConnection) -> None:
    load_fts(con)
    con.execute(
        "PRAGMA create_fts_index('articles', 'article_id', 'title', 'text', "
        "stemmer = 'porter', stopwords = 'english', strip_accents = 1, lower = 1, overwrite = 1)"
    )


def search(
    con: duckdb.DuckDBPyConnection, query: str, limit: int = 20
) -> list[tuple[str, str, str, float]]:
    """(article_id, title, url, score) of the best-matching articles for a plain-words query."""
    load_fts(con)
    try:
        return [
            (r[0], r[1], r[2], float(r[3]))
            for r in con.execute(
                "SELECT article_id, title, url, score FROM ("
                "  SELECT *, fts_main_articles.match_bm25(article_id, ?) AS score FROM articles"
                ") WHERE score IS NOT NULL ORDER BY score DESC LIMIT ?",
                [query, limit],
            ).fetchall()
        ]
    except duckdb.CatalogException as exc:
        raise StoreError(
            "no search index yet: it is built after the first run that lands articles"
        ) from exc
