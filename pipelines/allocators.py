"""Allocators for a process that lands articles: the memory it keeps after a landing.

A landing builds Arrow tables and DuckDB writes them from its own threads. With the defaults,
pyarrow allocates from mimalloc, which keeps what a landing freed, and glibc gives each thread
that allocates at the same time an arena of its own (up to eight per core), each keeping its
own free pages. Both stay resident after a landing, and the next landing's peak starts from
there. The system allocator for Arrow and at most two arenas took a 1,000-page run's main
process on the lake from about 270 MB to about 245 MB at its peak, at the same speed
(docs/PERFORMANCE.md, "2026-12-08"). Whoever sets `ARROW_DEFAULT_MEMORY_POOL` or
`MALLOC_ARENA_MAX` keeps what they set.

This module imports nothing heavy: the command's entry point calls it before pyarrow is
imported (pyarrow reads its variable once, when it first allocates), and the store calls
it again when it opens, for processes started otherwise (Prefect's runs, a notebook).
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading

MALLOC_ARENAS = 2
_M_ARENA_MAX = -8
"""glibc's mallopt parameter for the most arenas (malloc.h)."""

_LOCK = threading.Lock()
_applied = False


def use_lean_allocators() -> None:
    """Arrow on the system allocator and at most `MALLOC_ARENAS` glibc arenas, once per
    process, unless the environment already says which."""
    global _applied
    with _LOCK:
        if _applied:
            return
        _applied = True
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL") is None:
        os.environ["ARROW_DEFAULT_MEMORY_POOL"] = "system"
        arrow = sys.modules.get("pyarrow")
        if arrow is not None:
            arrow.set_memory_pool(arrow.system_memory_pool())
    if os.environ.get("MALLOC_ARENA_MAX") is None:
        limit_malloc_arenas(MALLOC_ARENAS)


def limit_malloc_arenas(arenas: int) -> bool:
    """glibc's `mallopt(M_ARENA_MAX, arenas)`; False where there is no glibc to ask (another
    C library or system), which leaves the allocator as it is."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_ARENA_MAX, arenas))
