"""Imported by the extraction pool's forkserver, and by nothing else.

multiprocessing's forkserver imports the modules it is given (`extract.forkserver_preload`),
then forks every extraction worker from itself. Importing this module, last, warms the
forkserver up (`extract.warm_up_process`: trafilatura's first-use caches, the heap frozen), so
that every worker starts with trafilatura warm instead of each warming up on its own, while the
run that started it polls its feeds. The forkserver offers no other hook than imports.

It also forgets a library copy of the parent's `-m` main module that the preloaded modules
imported (see `extract.pool.MAIN_MODULE_ENV`), so that runpy does not warn in every worker.
"""

from __future__ import annotations

import os
import sys

from pipelines.extract.pool import MAIN_MODULE_ENV, warm_up_process

warm_up_process()
_main = os.environ.get(MAIN_MODULE_ENV)
if _main and not hasattr(sys.modules.get(_main), "__path__"):
    sys.modules.pop(_main, None)
