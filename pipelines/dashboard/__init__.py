"""Read models of the analyst's dashboard (`newswatch ui`): plain SQL over the store, typed
results. Every function takes an open read-only connection and returns dataclasses; the web
layer (`flows/ui`) opens a short-lived connection per request with `read_connection` and
renders what comes back. Nothing here writes, imports Prefect or a web framework."""
