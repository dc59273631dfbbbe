"""What the run's alert channels leave out: the lines `newswatch run` prints under "Alerts"."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipelines.config import ChannelSettings
    from pipelines.run.summary import RunSummary


@dataclass(frozen=True)
class AlertCoverage:
    """The run's alert channels, to say which new matches and escalations none of them
    takes (none configured, or their `topics` and `kinds` leave them out)."""

    channels: dict[str, ChannelSettings]
    config_dir: Path

    def left_out(self, summary: RunSummary) -> list[str]:
        from pipelines.alerts import channel_topics, escalation_channels

        takes = channel_topics(self.channels)
        counts = {
            topic: summary.new_match_counts.get(topic, len(rows))
            for topic, rows in summary.new_matches.items()
            if not any(not topics or topic in topics for topics in takes.values())
        }
        if summary.escalations and not escalation_channels(self.channels):
            counts["escalations"] = len(summary.escalations)
        total = sum(counts.values())
        if not total:
            return []
        settings = self.config_dir / "settings.yaml"
        if not self.channels:
            return [
                f"no alert channel is configured, so none of the {total} new match(es) and "
                f"escalation(s) went out: add one under `alerts: channels:` in {settings} "
                "(README, Alerts); later runs alert on what they land"
            ]
        return [
            f"no alert channel takes {total} of them ({', '.join(counts)}): the channels' "
            f"`topics` and `kinds` in {settings} leave them out"
        ]
