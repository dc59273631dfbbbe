"""Allocators for a process that lands articles: the memory it keeps after a landing.

A landing builds Arrow tables and DuckDB writes them from its own threads. With the defaults,
pyarrow allocates from mimalloc, which keeps what a landing freed, and glibc gives each thread
that allocates at the same time an arena of its own (up to eight per core), each keeping its
own free pages. Both stay resident after a landing, and the next landing's peak starts from
there. The system allocator for Arrow and at most two arenas took a 1,000-page run's main
process on the lake from about 270 MB to about 245 MB at its peak, at the same speed
(docs/PERFORMANCE.md, "2026-12-08").

Two moments, because both settings are best made before anything allocates:

- `at_process_start`, in the `newswatch` command's entry point, before pyarrow is imported
  (pyarrow picks its default pool from `ARROW_DEFAULT_MEMORY_POOL` when it is imported) and
  before any thread has an arena;
- `when_opening_the_store`, in `pipelines.store.connect`, for processes started otherwise
  (Prefect's runs under a worker, a notebook): Arrow's pool is switched, and the arena cap
  applies to arenas not created yet (glibc never removes one, and once a process has had
  more than eight it no longer reads the cap).

Whoever sets `ARROW_DEFAULT_MEMORY_POOL`, `MALLOC_ARENA_MAX` or glibc's `arena_max` tunable
keeps what they set. This module imports nothing heavy.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from collections.abc import Callable

MALLOC_ARENAS = 2
_M_ARENA_MAX = -8
"""glibc's mallopt parameter for the most arenas (malloc.h)."""

_ARROW_POOL = "ARROW_DEFAULT_MEMORY_POOL"
_LOCK = threading.Lock()
_applied = False


def at_process_start() -> None:
    """Before pyarrow is imported: Arrow's default pool is the system allocator for this
    process (and its children, which inherit the variable), and glibc keeps at most
    `MALLOC_ARENAS` arenas."""
    _once(lambda: os.environ.setdefault(_ARROW_POOL, "system"))


def when_opening_the_store() -> None:
    """The same for a process whose start this package did not see, once per process."""
    _once(_system_arrow_pool)


def _once(arrow_pool: Callable[[], object]) -> None:
    """Arrow's pool set by `arrow_pool`, and the arenas capped, once per process."""
    global _applied
    with _LOCK:
        if _applied:
            return
        arrow_pool()
        _cap_arenas()
        _applied = True


def _system_arrow_pool() -> None:
    if _ARROW_POOL not in os.environ:
        import pyarrow as pa

        pa.set_memory_pool(pa.system_memory_pool())


def _cap_arenas() -> None:
    tunables = os.environ.get("GLIBC_TUNABLES", "")
    if "MALLOC_ARENA_MAX" not in os.environ and "arena_max" not in tunables:
        limit_malloc_arenas(MALLOC_ARENAS)


def limit_malloc_arenas(arenas: int) -> bool:
    """glibc's `mallopt(M_ARENA_MAX, arenas)`; False where there is no glibc to ask (another
    C library or system), which leaves the allocator as it is."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018 (present in glibc only)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_ARENA_MAX, arenas))
