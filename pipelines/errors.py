"""One exception hierarchy for the whole core, in the manner of httpx.

Every error a user can cause or meet carries a message that says what went wrong, where, and
what to do about it. Callers catch `NewswatchError` to report and go on.
"""

from __future__ import annotations


class NewswatchError(Exception):
    """Base class of every error newswatch raises on purpose."""


class ConfigError(NewswatchError):
    """A configuration file is missing, unreadable or invalid."""


class RuleError(ConfigError):
    """A rule or entity file is invalid; the message names file, line and column."""


class FetchError(NewswatchError):
    """A URL could not be fetched (network, limits, refused by the SSRF guard, robots.txt)."""


class BlockedURLError(FetchError):
    """A URL was refused before any request was made (SSRF guard, scheme, robots.txt)."""


class ExtractError(NewswatchError):
    """A page could not be turned into an article."""


class StoreError(NewswatchError):
    """The DuckDB store could not be opened, migrated or written."""


class StoreLockedError(StoreError):
    """Another process holds the DuckDB file; raised after the last retry."""


class AlertError(NewswatchError):
    """An alert channel failed or is misconfigured."""
