"""Prefect events for new matches, so Automations can notify on them (see docs/ALERTS.md)."""

from __future__ import annotations

from typing import Any

from prefect.events import emit_event

MATCH_EVENT = "newswatch.match.created"


def emit_match_events(new_matches: dict[str, list[dict[str, Any]]]) -> int:
    """Emit one `newswatch.match.created` event per new match; returns how many."""
    count = 0
    for topic, rows in new_matches.items():
        for row in rows:
            emit_event(
                event=MATCH_EVENT,
                resource={
                    "prefect.resource.id": f"newswatch.article.{row['article_id']}",
                    "prefect.resource.name": row["title"][:200],
                    "newswatch.url": row["url"],
                },
                related=[
                    {
                        "prefect.resource.id": f"newswatch.topic.{topic}",
                        "prefect.resource.role": "topic",
                        "prefect.resource.name": topic,
                    },
                ],
                payload={
                    "topic": topic,
                    "title": row["title"],
                    "url": row["url"],
                    "outlet": row["outlet"],
                    "rule": row.get("rule"),
                    "snippet": row["snippet"],
                    "entities": row.get("entities", []),
                },
            )
            count += 1
    return count
