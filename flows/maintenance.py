"""Daily maintenance flows: `rematch` (current rules over stored articles) and `feed-health`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import acreate_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.write_slot import write_slot
from pipelines import store
from pipelines.config import DEFAULT_DB, RUN_CONFIG_DIR, load_settings, rules_paths
from pipelines.rules import load_ruleset
from pipelines.store.rematch import rematch


@task(name="rematch-stored-articles", cache_policy=NO_CACHE)
async def rematch_task(config_dir: str, db_path: str, topic: str | None) -> dict[str, Any]:
    ruleset = load_ruleset(*rules_paths(Path(config_dir)))
    settings = load_settings(Path(config_dir))
    async with await write_slot():
        with store.open_store(Path(db_path), settings=settings.store) as con:
            report = rematch(con, ruleset, None, topic)
    return {
        "articles": report.articles,
        "added": report.added,
        "updated": report.updated,
        "removed": report.removed,
        "rules_version": report.rules_version,
    }


@flow(name="rematch")
async def rematch_flow(
    config_dir: str = RUN_CONFIG_DIR, db_path: str = DEFAULT_DB, topic: str | None = None
) -> dict[str, Any]:
    """Re-run the current rules over every stored article; updates matches, never alerts."""
    report = await rematch_task(config_dir, db_path, topic)
    await acreate_markdown_artifact(
        key="newswatch-rematch",
        markdown=(
            f"# rematch\n\nrules {report['rules_version']}: {report['articles']} articles,"
            f" {report['added']} added, {report['updated']} updated, "
            f"{report['removed']} removed"
        ),
    )
    return report


@flow(name="feed-health")
async def feed_health_flow(db_path: str = DEFAULT_DB) -> list[dict[str, Any]]:
    """Report failing, disabled and quiet feeds as a Prefect artifact and warnings.

    Opens the database read-only: it takes no write lock and runs no migration, so it runs
    beside readers (a notebook, the DuckDB CLI) and holds up a writer only for one query.
    """
    logger = get_run_logger()
    if not Path(db_path).exists():
        logger.warning("database %s does not exist yet: no feed has been polled", db_path)
        await acreate_markdown_artifact(
            key="newswatch-feed-health",
            markdown=f"# feed health\n\nNo database at `{db_path}` yet: no feed has been polled.",
        )
        return []
    with store.open_store(Path(db_path), read_only=True) as con:
        cur = con.execute(
            "SELECT name, feed_url, health, last_status, consecutive_failures, "
            "coalesce(disabled_reason, last_error) FROM feed_health"
        )
        rows = [
            dict(
                zip(
                    ["name", "feed_url", "health", "last_status", "failures", "problem"],
                    r,
                    strict=True,
                )
            )
            for r in cur.fetchall()
        ]
    lines = [
        "# feed health",
        "",
        "| feed | health | status | failures | problem |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['name']} | {r['health']} | {r['last_status']} | {r['failures']} | "
            f"{(r['problem'] or '').replace('|', '/')} |"
        )
        if r["health"] in ("failing", "disabled"):
            logger.warning("feed %s is %s: %s", r["feed_url"], r["health"], r["problem"])
    await acreate_markdown_artifact(key="newswatch-feed-health", markdown="\n".join(lines))
    return rows
