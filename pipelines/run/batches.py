"""How a run paces itself: micro-batches that overlap, and a clock of seconds per stage."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import TypeVar

from pipelines.models import FeedItem

_B = TypeVar("_B")
_R = TypeVar("_R")


class StageClock:
    """Seconds spent per stage of a run: `lap(stage)` adds the time since the previous lap
    (or `restart()`) to that stage, `add` a duration measured elsewhere."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def restart(self) -> None:
        self._last = time.perf_counter()

    def add(self, stage: str, seconds: float) -> None:
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.add(stage, now - self._last)
        self._last = now


def micro_batches(fresh: Sequence[FeedItem], size: int) -> list[list[FeedItem]]:
    """The new entries in batches of `size`, each landed before the next one's are (see
    `overlapped`), so a backfill of any length holds at most two batches in memory. Never
    empty: a run with nothing new still lands its feed states once."""
    size = max(1, size)
    return [list(fresh[i : i + size]) for i in range(0, len(fresh), size)] or [[]]


async def overlapped(
    batches: Sequence[_B], start: Callable[[_B, asyncio.Event], Awaitable[_R]]
) -> AsyncIterator[tuple[_B, _R]]:
    """`start(batch, downloaded)` for each batch, its result yielded in batch order.

    The next batch starts as soon as the current one has set `downloaded` (its pages are in)
    or has ended without setting it (nothing to download, or failed), not when it is done:
    its pages reach the extraction workers while the current batch is still being extracted,
    and then landed by the caller, so the workers never stand idle at a batch boundary (they
    did at each: during the landing, then the first downloads). The one after that
    starts only once the caller is done with the current batch, so at most two batches are
    in flight. A batch that fails cancels the one started after it; use it in
    `contextlib.aclosing`, so that this also happens when the caller fails."""
    pending: asyncio.Future[_R] | None = None
    downloaded = asyncio.Event()
    try:
        for i, batch in enumerate(batches):
            current = pending or asyncio.ensure_future(start(batch, downloaded))
            pending = None
            if i + 1 < len(batches):
                signal = asyncio.ensure_future(downloaded.wait())
                await asyncio.wait({signal, current}, return_when=asyncio.FIRST_COMPLETED)
                signal.cancel()
                failed = current.done() and (current.cancelled() or current.exception())
                if not failed:
                    downloaded = asyncio.Event()
                    pending = asyncio.ensure_future(start(batches[i + 1], downloaded))
            yield batch, await current
    finally:
        if pending is not None:
            pending.cancel()
            with contextlib.suppress(BaseException):
                await pending
