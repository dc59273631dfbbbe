"""Imported by the extraction pool's forkserver, and by nothing else.

multiprocessing's forkserver imports the modules it is given (`extract.forkserver_preload`),
then forks every extraction worker from itself. Importing this module, last, warms the
forkserver up (`extract.warm_up_process`: trafilatura's first-use caches, the heap frozen), so
that every worker starts with trafilatura warm instead of each warming up on its own, while the
run that started it polls its feeds. The forkserver offers no other hook than imports.
"""

from __future__ import annotations

from pipelines.extract import warm_up_process

warm_up_process()
