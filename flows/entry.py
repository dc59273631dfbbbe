"""The `newswatch` command's entry point.

Importing the command line takes a noticeable moment (typer, rich, DuckDB, the rules and
claims modules). Ctrl-C then printed a KeyboardInterrupt traceback from deep inside an import,
an ImportError when it landed in DuckDB's native initialisation, or crashed the process
(SIGSEGV) there; and between the imports and a command's own handling, another traceback
from typer. While the imports run, Ctrl-C is only noted (a Python handler runs between
bytecodes, never inside a native module's initialisation), then honoured: one line, exit
code 130, as for an interrupted command."""

from __future__ import annotations

import signal
import sys

from pipelines.allocators import at_process_start

INTERRUPTED_EXIT = 130


def main() -> None:
    at_process_start()
    noted: list[int] = []
    watching = signal.getsignal(signal.SIGINT) is signal.default_int_handler
    if watching:
        signal.signal(signal.SIGINT, lambda signum, frame: noted.append(signum))
    try:
        from flows.cli import main as cli_main
    finally:
        if watching:
            signal.signal(signal.SIGINT, signal.default_int_handler)
    if noted:
        _interrupted("error: interrupted while starting; nothing was done.")
    try:
        cli_main()
    except KeyboardInterrupt:  # before a command's own handling (typer building the command)
        _interrupted("error: interrupted.")


def _interrupted(message: str) -> None:
    sys.stderr.write(message + "\n")
    raise SystemExit(INTERRUPTED_EXIT)


if __name__ == "__main__":
    main()
