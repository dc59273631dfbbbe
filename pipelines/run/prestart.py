"""Start the extraction pool's forkserver early, without importing the extraction package.

The extraction workers fork from a forkserver that imports and warms trafilatura once
(`forkserver_preload`, `pipelines.extract.forkserver`): about half a second of CPU, on an
idle core, before the first worker can start. A run used to start it only once its poll had
found new entries, so the first pages waited for it. When a run knows it will extract before
it polls (a due feed has never been polled into its database: a first run, a feed just
added), `start_extraction_server` starts the forkserver at once, and it boots while the feeds
are polled; the workers themselves still start only once there are new entries. Runs of a
schedule, whose feeds were all polled before and mostly answer 304, do not start it early:
booting it costs them CPU for nothing, and it holds the run's stdout until it is up (a
`newswatch run | jq` waits for it). This module stays light (no trafilatura, no
`pipelines.extract`).
"""

from __future__ import annotations

import inspect
import multiprocessing
import multiprocessing.context
import os
import sys


def start_extraction_server() -> None:
    """Start the forkserver the extraction workers fork from, if it is not running yet.

    Returns at once: the forkserver imports and warms up in its own process meanwhile."""
    import multiprocessing.forkserver

    forkserver_context()
    multiprocessing.forkserver.ensure_running()


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
    import. `pipelines.extract.forkserver` comes last: it warms the forkserver up (see
    `warm_up_process`), so that every worker it forks starts warm."""
    names = ["trafilatura", "pipelines.extract"]
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
