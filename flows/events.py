"""Prefect events for new matches and demand escalations, so Automations can notify on them
(README: alerts)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from prefect.events import emit_event

from pipelines.models import Escalation
from pipelines.run.summary import NewMatch

MATCH_EVENT = "newswatch.match.created"
MORE_EVENT = "newswatch.match.more"
ESCALATION_EVENT = "newswatch.demand.escalated"


def emit_escalation_events(escalations: Sequence[Escalation]) -> int:
    """One `newswatch.demand.escalated` event per escalation a landing recorded (they are
    few: one per region, action and period)."""
    for e in escalations:
        emit_event(
            event=ESCALATION_EVENT,
            resource={
                "prefect.resource.id": f"newswatch.demand.{e.region}.{e.action}",
                "prefect.resource.name": f"{e.region} / {e.action}",
            },
            related=[
                {
                    "prefect.resource.id": f"newswatch.article.{e.article_id}",
                    "prefect.resource.role": "first-article",
                }
            ],
            payload={
                "region": e.region,
                "action": e.action,
                "actor": e.actor,
                "first_ever": e.first_ever,
                "period_start": e.period_start.isoformat(),
                "article_id": e.article_id,
                "sentence": e.sentence,
                "outlets_count": e.outlets,
            },
        )
    return len(escalations)


def emit_match_events(new_matches: dict[str, list[NewMatch]]) -> int:
    """Emit one `newswatch.match.created` event per new match; returns how many."""
    count = 0
    for topic, rows in new_matches.items():
        for row in rows:
            emit_event(
                event=MATCH_EVENT,
                resource={
                    "prefect.resource.id": f"newswatch.article.{row.article_id}",
                    "prefect.resource.name": (row.title or "")[:200],
                    "newswatch.url": row.url,
                },
                related=[_topic(topic)],
                payload={
                    "topic": topic,
                    "title": row.title,
                    "url": row.url,
                    "outlet": row.outlet,
                    "rule": row.rule,
                    "snippet": row.snippet,
                    "entities": row.entities,
                },
            )
            count += 1
    return count


def _topic(topic: str) -> dict[str, str]:
    return {
        "prefect.resource.id": f"newswatch.topic.{topic}",
        "prefect.resource.role": "topic",
        "prefect.resource.name": topic,
    }


class MatchEvents:
    """The match events of one run: one per new match, at most `per_topic` per topic.

    Each event costs the Prefect server real work (it stores it and runs the Automations'
    triggers): a backfill that finds thousands of matches emitted thousands of events, which
    on a 2-core machine running the server took ~13 % of the run's time (bench_e2e --flow),
    and an Automation would have sent as many notifications. The matches past the budget are
    counted instead, and `finish` emits one `newswatch.match.more` per topic with their count
    (the matches themselves are in the database)."""

    def __init__(self, per_topic: int) -> None:
        self.per_topic = per_topic
        self.emitted: Counter[str] = Counter()
        self.held_back: Counter[str] = Counter()

    def emit(self, new_matches: dict[str, list[NewMatch]]) -> int:
        """Emit the events of one landed batch's new matches, within the budget."""
        within: dict[str, list[NewMatch]] = {}
        for topic, rows in new_matches.items():
            room = max(0, self.per_topic - self.emitted[topic])
            within[topic] = rows[:room]
            self.emitted[topic] += len(within[topic])
            if len(rows) > room:
                self.held_back[topic] += len(rows) - room
        return emit_match_events(within)

    def finish(self) -> int:
        """One `newswatch.match.more` per topic whose matches went past the budget."""
        if not self.per_topic:
            return 0
        for topic, count in sorted(self.held_back.items()):
            emit_event(
                event=MORE_EVENT,
                resource={
                    "prefect.resource.id": f"newswatch.topic.{topic}",
                    "prefect.resource.name": topic,
                },
                payload={"topic": topic, "more_matches": count, "events": self.per_topic},
            )
        return len(self.held_back)
