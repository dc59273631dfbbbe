"""Imported first by the extraction pool's forkserver (`extract.forkserver_preload`), and by
nothing else: from here on the forkserver, and every worker it forks, ignores SIGINT.

Ctrl-C in a terminal goes to the whole process group. The process that owns the pool stops it
(`extract.discard_pool`, `extract.shutdown_pools`) and says in one line what the run left;
the forkserver, still importing its preloaded modules, and each idle worker, waiting for a
task, printed a `KeyboardInterrupt` traceback of their own under that line. The forkserver
itself ignores SIGINT once its imports are done; this covers the imports too, and the
workers inherit it. Outside a package's `__init__` with imports, so that it runs before the
slow imports do."""

import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)
