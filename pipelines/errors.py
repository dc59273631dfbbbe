"""One exception hierarchy for the whole core, in the manner of httpx.

Every error a user can cause or meet carries a message that says what went wrong, where, and
what to do about it. The `newswatch` CLI catches `NewswatchError` in one place (its top
command group, `flows.cli`) and prints it as one `error:` line, exit status 2.

    NewswatchError
    ├── ConfigError            config directory, settings.yaml, feeds.yaml, environment
    │   ├── RuleError          rules.yaml, entities.yaml (file:line:column)
    │   │   └── QuerySyntaxError   one rule query (pipelines.rules.query)
    │   └── ClaimsError        claims.yaml (pipelines.claims.lexicon)
    ├── FetchError             a page a command asked for could not be fetched
    │   └── BlockedURLError    refused before any request (SSRF guard, scheme)
    ├── StoreError             the DuckDB file cannot be opened, migrated or written
    │   └── StoreLockedError   another process holds it, after the last retry
    ├── AlertError             an alert channel that is not configured
    └── PrefectDatabaseError   Prefect's local database (flows.prefect_db)

A run never raises for one bad feed, page or alert: the fetcher, the extraction and the
senders record what went wrong (feed state, article status, outbox row) and the run goes on.
"""

from __future__ import annotations


class NewswatchError(Exception):
    """Base class of every error newswatch raises on purpose."""


class ConfigError(NewswatchError):
    """A configuration file or environment variable is missing, unreadable or invalid."""


class RuleError(ConfigError):
    """A rule or entity file is invalid; the message names file, line and column."""


class FetchError(NewswatchError):
    """A page a command asked for could not be fetched (`pipelines.ingest.fetch.fetch_one`).
    A run's fetches never raise: their `FetchResult` says what happened."""


class BlockedURLError(FetchError):
    """A URL was refused before any request was made (SSRF guard, scheme)."""


class StoreError(NewswatchError):
    """The DuckDB store could not be opened, migrated or written."""


class StoreLockedError(StoreError):
    """Another process holds the DuckDB file; raised after the last retry."""


class AlertError(NewswatchError):
    """An alert channel that is not configured (`pipelines.alerts.channel_named`). A failed
    delivery is no exception: its outbox row records the error and the next try."""
