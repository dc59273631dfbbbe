"""`newswatch ui`: a small, read-only web app over the DuckDB store (Starlette + Jinja2)."""
