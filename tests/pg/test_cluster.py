"""The fixture's PostgreSQL is real: DuckDB's postgres extension, loaded from its PyPI package,
reaches it over 127.0.0.1."""

from __future__ import annotations

import duckdb


def test_cluster_answers_duckdb(pg_dsn: str) -> None:
    import duckdb_extension_postgres_scanner as ext

    path = next((__import__("pathlib").Path(ext.__file__).parent / "extensions").glob("*/*"))
    con = duckdb.connect()
    con.execute("SET autoinstall_known_extensions = false")
    con.execute(f"LOAD '{path}'")
    con.execute(f"ATTACH '{pg_dsn}' AS pg (TYPE postgres)")
    con.execute("CREATE TABLE pg.t (a INT)")
    con.execute("INSERT INTO pg.t VALUES (1), (2)")
    assert con.execute("SELECT sum(a) FROM pg.t").fetchone() == (3,)
