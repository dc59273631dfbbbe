"""Which page each extraction worker is on, and since when: to stop a worker stuck in C code.

A page's own deadline is a SIGALRM in its worker (`worker._worker`), which Python takes only
between bytecodes: a parser stuck in C code never sees it (lxml on one `<p>` with 300,000
attributes ran for minutes). The pool shares a small board with its workers: each writes its
pid, the page it starts and when (`CLOCK_MONOTONIC`, one clock for every process), and clears
the time when the page is done. The process that owns the pool reads the board
(`stuck`) and kills a worker that has been on one page past the page's deadline plus
`GRACE_S`; `extraction.Extraction` then fails that page as a timeout and hands the pages the
worker's death took down with it to a new pool.
"""

from __future__ import annotations

import os
import time
from typing import Any

GRACE_S = 5.0
"""How long past a page's deadline a worker may stay on it before it is stopped: the alarm's
own way out (trafilatura unwinding, the result sent back) takes far less."""

_FIELDS = 3
"""Per worker: pid, page, start time (0 when on no page)."""

_board: Any = None
_slot = 0


def new_board(context: Any, workers: int) -> Any:
    """The shared board of a pool of `workers` (a lock-guarded array of doubles: a counter
    that hands out slots, then one slot per worker)."""
    return context.Array("d", 1 + _FIELDS * workers)


def join(board: Any) -> None:
    """In a worker, as it starts: take the next slot of the board."""
    global _board, _slot
    workers = (len(board) - 1) // _FIELDS
    with board.get_lock():
        taken = int(board[0])
        board[0] = taken + 1
    _board, _slot = board, taken % workers


def on_page(page: int) -> None:
    """In a worker: it starts page `page`."""
    if _board is not None:
        at = 1 + _FIELDS * _slot
        _board[at : at + _FIELDS] = [float(os.getpid()), float(page), time.monotonic()]


def off_page() -> None:
    """In a worker: the page is done."""
    if _board is not None:
        _board[1 + _FIELDS * _slot + 2] = 0.0


def let_go(board: Any, pid: int) -> None:
    """Clear the slot of a worker that was stopped, so that it is not stopped twice (its pid
    may come back as another process's)."""
    with board.get_lock():
        for at in range(1, len(board), _FIELDS):
            if int(board[at]) == pid:
                board[at + 2] = 0.0


def dead_on(board: Any) -> list[int]:
    """The pages workers were on when they died (a crash in a parser, or out of memory):
    slots that show a page started by a process that no longer exists."""
    return [page for pid, page, _ in _busy(board) if not _alive(pid)]


def stuck(board: Any, limit_s: float) -> list[tuple[int, int]]:
    """(pid, page) of each worker that has been on one page for longer than `limit_s`."""
    now = time.monotonic()
    return [(pid, page) for pid, page, started in _busy(board) if now - started > limit_s]


def _busy(board: Any) -> list[tuple[int, int, float]]:
    """(pid, page, start time) of each slot that shows a worker on a page."""
    values = board[:]
    out = []
    for at in range(1, len(values), _FIELDS):
        pid, page, started = values[at : at + _FIELDS]
        if started and pid:
            out.append((int(pid), int(page), started))
    return out


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process under that pid: it exists
        pass
    return True
