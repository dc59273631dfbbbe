"""Micro-batches: how `pipelines.run.batches.overlapped` runs them (order, overlap, failures)."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from pipelines.run.batches import micro_batches, overlapped


async def settle() -> None:
    """Let every task that can run, run (no timing: a bounded number of loop turns)."""
    for _ in range(20):
        await asyncio.sleep(0)


class Recorder:
    """Batches that log their steps; each finishes its downloads, then waits for `release`."""

    def __init__(self, fail: int | None = None) -> None:
        self.log: list[str] = []
        self.release: dict[int, asyncio.Event] = {}
        self.fail = fail

    async def start(self, batch: int, downloaded: asyncio.Event) -> str:
        self.log.append(f"start {batch}")
        self.release[batch] = asyncio.Event()
        try:
            if batch == self.fail:
                raise RuntimeError(f"batch {batch} failed")
            downloaded.set()
            await self.release[batch].wait()
            return f"result {batch}"
        except asyncio.CancelledError:
            self.log.append(f"cancelled {batch}")
            raise


def test_next_batch_starts_once_pages_are_in_and_at_most_two_are_in_flight() -> None:
    async def scenario() -> list[str]:
        rec = Recorder()
        async with contextlib.aclosing(overlapped([1, 2, 3], rec.start)) as results:
            order = []
            pending = asyncio.ensure_future(anext(results))
            await settle()
            # batch 1 downloaded: batch 2 started while 1 is still running; 3 not yet
            assert rec.log == ["start 1", "start 2"]
            rec.release[1].set()
            order.append(await pending)
            assert rec.log == ["start 1", "start 2"]  # the caller is landing batch 1
            pending = asyncio.ensure_future(anext(results))
            await settle()
            assert rec.log == ["start 1", "start 2", "start 3"]
            rec.release[2].set()
            rec.release[3].set()
            order.append(await pending)
            order.append(await anext(results))
            with pytest.raises(StopAsyncIteration):
                await anext(results)
        return [f"{b}:{r}" for b, r in order]

    assert asyncio.run(scenario()) == ["1:result 1", "2:result 2", "3:result 3"]


def test_a_failed_batch_raises_and_starts_no_other() -> None:
    async def scenario() -> Recorder:
        rec = Recorder(fail=1)
        with pytest.raises(RuntimeError, match="batch 1 failed"):
            async with contextlib.aclosing(overlapped([1, 2, 3], rec.start)) as results:
                async for _ in results:
                    pass
        return rec

    assert asyncio.run(scenario()).log == ["start 1"]


def test_the_batch_in_flight_is_cancelled_when_the_caller_fails() -> None:
    async def scenario() -> Recorder:
        rec = Recorder()
        with pytest.raises(ValueError, match="landing failed"):
            async with contextlib.aclosing(overlapped([1, 2, 3], rec.start)) as results:
                pending = asyncio.ensure_future(anext(results))
                await settle()
                rec.release[1].set()
                await pending
                raise ValueError("landing failed")
        return rec

    assert asyncio.run(scenario()).log == ["start 1", "start 2", "cancelled 2"]


def test_a_failure_of_the_next_batch_surfaces_when_its_turn_comes() -> None:
    async def scenario() -> tuple[list[str], Recorder]:
        rec = Recorder(fail=2)
        got = []
        with pytest.raises(RuntimeError, match="batch 2 failed"):
            async with contextlib.aclosing(overlapped([1, 2, 3], rec.start)) as results:
                pending = asyncio.ensure_future(anext(results))
                await settle()
                rec.release[1].set()
                got.append((await pending)[1])
                await anext(results)
        return got, rec

    got, rec = asyncio.run(scenario())
    assert got == ["result 1"]  # batch 1 was delivered (and could land) before 2 failed
    assert "start 3" not in rec.log


def test_micro_batches_split_in_order_and_never_return_none() -> None:
    assert micro_batches(list(range(5)), 2) == [[0, 1], [2, 3], [4]]  # type: ignore[arg-type]
    assert micro_batches([], 500) == [[]]
