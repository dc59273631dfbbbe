"""The extraction process pool: a forkserver that imports and warms trafilatura once, workers
forked from it, each with a slot on the pool's board (`watchdog`), started while a run polls
(`warm_up`) and stopped with the process; `extraction.Extraction` hands pages to it."""

from __future__ import annotations

import contextlib
import gc
import inspect
import multiprocessing
import multiprocessing.util
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from pipelines.config import ExtractSettings
from pipelines.extract import watchdog
from pipelines.extract.page import extract_one
from pipelines.extract.worker import RulesFiles, _rules_files, _worker_ruleset

_POOLS: dict[int, ProcessPoolExecutor] = {}
_BOARDS: dict[int, Any] = {}
"""Each pool's board of which page each worker is on (`watchdog`)."""
_STARTING: dict[int, threading.Event] = {}
"""Pools `warm_up` is starting from its thread: set once all their workers are started."""
_CANCELLED: set[int] = set()
"""Pools `shutdown_pools` is stopping: `warm_up`'s thread starts no more of their workers."""


def _started(workers: int) -> bool:
    """False while `warm_up`'s thread is still starting the pool of `workers` processes."""
    starting = _STARTING.get(workers)
    return starting is None or starting.is_set()


def _pool(workers: int, rules: RulesFiles | None = None) -> ProcessPoolExecutor:
    """The extraction pool for `workers` processes, started once and reused across runs.

    Workers fork from a server that has already imported and warmed up trafilatura (see
    `forkserver_preload`): no per-worker import or warm-up cost, and no fork of this (possibly
    threaded) process. Each worker loads the ruleset as it starts (see `_init_worker`); `rules`
    are the rules files it loads then."""
    pool = _POOLS.get(workers)
    if pool is None:
        context = forkserver_context()
        board = _BOARDS[workers] = watchdog.new_board(context, workers)
        pool = _POOLS[workers] = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_init_worker,
            initargs=(os.getpid(), rules, board),
        )
        _stop_before_children_are_joined()
    return pool


_EXIT_HOOKED: set[int] = set()


def _stop_before_children_are_joined() -> None:
    """In a process multiprocessing started (a `newswatch serve` flow run), stop the pools
    before the process's exit joins its children: it ends with `os._exit`, so Python's own
    exit handler, which would stop the pools, never runs, and joining the idle workers
    waited forever (the finished run's process stayed, and so did `serve`, deaf to SIGTERM,
    waiting for it). A finaliser of priority 0 or more runs before that join; this one runs
    first, while the pool's call queue can still send its workers the word to stop (the
    queue's own finaliser, of priority 10, closes it)."""
    if os.getpid() in _EXIT_HOOKED:
        return
    _EXIT_HOOKED.add(os.getpid())
    multiprocessing.util.Finalize(None, shutdown_pools, exitpriority=100)


def ready_pool(settings: ExtractSettings) -> ProcessPoolExecutor | None:
    """The extraction pool when its workers are up (`warm_up`), else None: a run hands it
    other CPU work while the workers have no page yet (parsing the polled feeds). None while
    the pool is still starting: a task submitted then would block the caller until it is."""
    workers = _workers(settings)
    pool = _POOLS.get(workers)
    return pool if pool is not None and _started(workers) else None


def forkserver_context() -> multiprocessing.context.ForkServerContext:
    """The multiprocessing context extraction workers start from: the process's forkserver,
    with the modules of `forkserver_preload` imported in it once."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(forkserver_preload())
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if spec is not None and spec.name:
        # Read by pipelines.extract.forkserver in the forkserver, which this process starts with its
        # own environment (see MAIN_MODULE_ENV).
        os.environ[MAIN_MODULE_ENV] = spec.name
    return ctx


MAIN_MODULE_ENV = "NEWSWATCH_FORKSERVER_MAIN_MODULE"
"""The name of this process's `-m` main module (`prefect.engine` in a deployment's flow run),
for the forkserver: a preloaded module can import that module as a library
(`prefect.flow_engine` imports `prefect.engine`), and then runpy warns in every worker, as it
runs the main module again, that it is already imported ("'prefect.engine' found in
sys.modules after import of package 'prefect'"). The forkserver forgets that library copy
once preloading is done, as Prefect's own bootstrap does before running `prefect.engine`."""


def forkserver_preload() -> list[str]:
    """Modules the forkserver imports once, before it forks any extraction worker.

    multiprocessing runs the parent's main module again in every worker it starts (in case a task
    refers to something defined there), so each worker imported all that the main module imports
    (the whole of Prefect for a flow run, `python -m prefect.engine`), and that while the run polls
    its feeds. Imported once in the forkserver, those modules are loaded in every worker it forks,
    and running the main module again costs next to nothing. The main module itself is not named:
    for `python -m package.module`, runpy warns in every worker when the module it is about to run
    is already imported. Only modules this process has already imported are named: they are known to
    import. `pipelines.forkserver_interrupt` comes first: the forkserver and its workers leave
    Ctrl-C to this process. `pipelines.extract.forkserver` comes last: it warms the forkserver
    up (see `warm_up_process`), so that every worker it forks starts warm."""
    names = ["pipelines.forkserver_interrupt", "trafilatura", "pipelines.extract"]
    main = sys.modules.get("__main__")
    if main is None:
        return names
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.parent:
        names.append(spec.parent)  # python -m package.module: runpy imports the package first
    for name, value in vars(main).items():
        if name.startswith("__"):
            continue
        module = value.__name__ if inspect.ismodule(value) else getattr(value, "__module__", "")
        if (
            isinstance(module, str)
            and module in sys.modules
            and module not in ("__main__", "__mp_main__")
            and not (spec is not None and module == spec.name)
        ):
            names.append(module)
    # Last, once everything else is loaded: warms trafilatura up in the forkserver itself.
    return [*dict.fromkeys(names), "pipelines.extract.forkserver"]


def warm_up_process() -> None:
    """Extract a small built-in page once, then freeze what is loaded.

    A process's first page costs more than the next ones (trafilatura and its helpers build
    caches on first use). The forkserver does this once (`pipelines.extract.forkserver`), and
    every worker forked from it inherits the caches. What is loaded then lives as long as the
    process: out of the garbage collector's sight (`gc.freeze`), full collections stop walking
    it again and again while pages are extracted."""
    with contextlib.suppress(Exception):  # a warm-up: the first real page reports any problem
        extract_one(_WARM_UP_PAGE, "http://localhost/warm-up.html", None)
    gc.collect()
    gc.freeze()


def _init_worker(owner: int, rules: RulesFiles | None, board: Any = None) -> None:
    """Worker initializer: watch the owner (`_exit_with_owner`), take a slot on the pool's
    board (`watchdog`), then load the ruleset and match once, which takes that cost off the
    first real page; the pool is started while a run polls its feeds (`warm_up`), so that
    happens before its pages arrive."""
    _exit_with_owner(owner)
    if board is not None:
        watchdog.join(board)
    try:
        ruleset = _worker_ruleset(rules) if rules else None
        if ruleset is not None:
            ruleset.match("Warm-up", _WARM_UP_PARAGRAPH, "en")
    except Exception:
        pass
    gc.collect()
    gc.freeze()


_WARM_UP_PARAGRAPH = (
    "<p>Delegations met in Istanbul on Friday to discuss a ceasefire, an exchange of "
    "prisoners and the regions Moscow demands that Kyiv withdraw from.</p>"
)
_WARM_UP_PAGE = (
    "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Warm-up</title>"
    "<meta name='author' content='newswatch'><script type='application/ld+json'>"
    '{"@type": "NewsArticle", "datePublished": "2025-05-16"}</script></head><body><header>'
    "<nav><ul><li><a href='/world'>World</a></li><li><a href='/politics'>Politics</a></li>"
    "</ul></nav></header><article><h1>Warm-up</h1><time datetime='2025-05-16'>16 May</time>"
    + _WARM_UP_PARAGRAPH * 6
    + "</article><footer><p>newswatch</p></footer></body></html>"
).encode()
"""A small news page the forkserver extracts once (`warm_up_process`)."""


def _exit_with_owner(owner: int) -> None:
    """End this worker when the process that owns the pool is gone.

    The pool lives as long as its owner; an owner killed without running its exit handlers
    (SIGKILL, OOM killer, a cancelled flow run) would otherwise leave the workers and their
    forkserver running, orphaned. Checked every second from a daemon thread."""

    def watch() -> None:
        while True:
            time.sleep(1)
            try:
                os.kill(owner, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:
                continue

    threading.Thread(target=watch, name="newswatch-owner-watch", daemon=True).start()


def discard_pool(settings: ExtractSettings) -> None:
    """Kill the extraction pool of these settings (a worker is stuck); the next use starts
    another."""
    _discard_pool(_workers(settings))


def _take_pool(workers: int) -> ProcessPoolExecutor | None:
    """Forget the pool of `workers` processes, with its start and its board; returns it."""
    _STARTING.pop(workers, None)
    _BOARDS.pop(workers, None)
    return _POOLS.pop(workers, None)


def _discard_pool(workers: int) -> None:
    """Kill a pool whose workers are stuck (a page that never returned to Python)."""
    pool = _take_pool(workers)
    if pool is None:
        return
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        proc.kill()
    pool.shutdown(wait=False, cancel_futures=True)


START_WAIT_S = 60.0
"""How long stopping a pool waits for `warm_up`'s thread to finish starting it; past that the
half-started pool's processes are killed."""


def shutdown_pools() -> None:
    """Stop every extraction pool of this process (the next extraction starts a new one).

    A pool `warm_up` is still starting is told to stop starting workers, and stopped only once
    the worker being started is up: a pool shut down meanwhile left that worker unpickling
    semaphores its parent had removed (the forkserver's `SemLock._rebuild … FileNotFoundError`
    traceback at exit) or the process waiting forever at exit on the half-started pool. Call
    this before the interpreter exits (its own exit handler runs too late: after the threads
    are joined)."""
    for workers in list(_POOLS):
        starting = _STARTING.get(workers)
        _CANCELLED.add(workers)
        if starting is not None and not starting.wait(START_WAIT_S):
            _discard_pool(workers)
            continue
        pool = _take_pool(workers)
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    _CANCELLED.clear()


def _workers(settings: ExtractSettings) -> int:
    return max(1, settings.workers or os.cpu_count() or 1)


def warm_up(settings: ExtractSettings, rules_files: tuple[Path, ...] | None = None) -> None:
    """Start the extraction workers now, in the background, so that they are ready (and warm,
    with the ruleset of `rules_files` loaded) when the first pages arrive: a run calls this
    once its poll has found new entries. A pool that already exists is left as it is: its
    workers are running.

    Starting the first worker waits for the forkserver to import its modules, so the workers
    are started from a thread, and the run goes on polling meanwhile."""
    workers = _workers(settings)
    if workers in _POOLS:
        return
    pool = _pool(workers, _rules_files(rules_files))
    started = _STARTING[workers] = threading.Event()

    def start() -> None:
        # The forkserver is started from this thread, with its signal mask: SIGINT blocked,
        # so that Ctrl-C meanwhile cannot interrupt the forkserver's interpreter start-up
        # (a traceback from `site` or `multiprocessing`), before
        # `pipelines.forkserver_interrupt` has it ignored. Python handles signals in the main
        # thread, so blocking them here changes nothing for this process.
        if hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            for _ in range(workers):
                if workers in _CANCELLED:  # `shutdown_pools` is waiting: start no more
                    break
                pool.submit(os.getpid)
        except (RuntimeError, EOFError, OSError):
            # The pool was shut down meanwhile (RuntimeError), or its forkserver went away
            # while starting a worker (Ctrl-C: EOFError, BrokenPipeError): the next run
            # starts another.
            pass
        finally:
            started.set()

    threading.Thread(target=start, name="newswatch-warm-up", daemon=True).start()
