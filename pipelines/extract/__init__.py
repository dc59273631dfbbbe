"""Page bytes → Article: `page` (trafilatura, charset, metadata), `worker` (what a worker
process runs per page: deadline, hashes, rules), `pool` (the process pool), `extraction`
(`Extraction`: pages in, outcomes out) and `watchdog` (a worker stuck in C code)."""

from pipelines.extract.extraction import Extraction, extract_pages
from pipelines.extract.page import TRAFILATURA_OPTIONS, extract_one, not_markup
from pipelines.extract.pool import (
    discard_pool,
    forkserver_context,
    forkserver_preload,
    ready_pool,
    shutdown_pools,
    warm_up,
    warm_up_process,
)

__all__ = [
    "TRAFILATURA_OPTIONS",
    "Extraction",
    "discard_pool",
    "extract_one",
    "extract_pages",
    "forkserver_context",
    "forkserver_preload",
    "not_markup",
    "ready_pool",
    "shutdown_pools",
    "warm_up",
    "warm_up_process",
]
