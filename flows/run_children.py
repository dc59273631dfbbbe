"""`newswatch serve`'s flow-run processes, forked from a server that has imported them once.

Prefect's runner starts each flow run of a served deployment in a new process, with the
`spawn` start method (`prefect.flow_engine.run_flow_in_subprocess`): a fresh interpreter that
imports Prefect's engine and newswatch's flows again, about a second of CPU on an idle machine
and several on a loaded one, before the run can start. Every run of a monitor that mostly finds
304s paid that, and a `prefect deployment run` waited for it.

Here the runner's processes come from multiprocessing's forkserver instead, which imports the
engine and the flows once (`PRELOAD`) and forks each run from itself: the child starts with
them loaded. Everything else is Prefect's: the same call, arguments, environment and control
channel; the child re-reads its settings from the environment it is given, as under `spawn`.
The only change is the process it starts from. Should Prefect stop asking `multiprocessing`
for a `spawn` context there, runs simply go back to spawning.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
from typing import Any

PRELOAD = ["prefect.flow_engine", "flows.monitor", "flows.maintenance"]
"""What the forkserver imports before it forks the first run: the engine, then the flows'
modules (which import the pipelines they run)."""


class _ForkserverForSpawn:
    """Stands for the `multiprocessing` module inside `prefect.flow_engine`: its request for a
    `spawn` context gets the preloaded forkserver; everything else is the real module."""

    def __init__(self, context: multiprocessing.context.BaseContext) -> None:
        self._context = context

    def get_context(self, method: str | None = None) -> multiprocessing.context.BaseContext:
        if method == "spawn":
            return self._context
        return multiprocessing.get_context(method)

    def __getattr__(self, name: str) -> Any:
        return getattr(multiprocessing, name)


def fork_flow_runs() -> multiprocessing.context.BaseContext:
    """Start this process's flow runs from the preloaded forkserver (see the module's doc).

    The forkserver starts now, from this process's environment, and imports `PRELOAD` while
    the runner starts, so that the first run finds it ready; each run still gets its own
    environment from Prefect. Returns the context runs start from.
    """
    import multiprocessing.forkserver

    import prefect.flow_engine

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    multiprocessing.forkserver.ensure_running()
    prefect.flow_engine.multiprocessing = _ForkserverForSpawn(context)  # type: ignore[assignment]
    return context
