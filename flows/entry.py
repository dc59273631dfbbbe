"""The `newswatch` command's entry point.

Importing the command line takes a noticeable moment (typer, rich, DuckDB, the rules and
claims modules), and Ctrl-C then, before any command runs, printed a KeyboardInterrupt
traceback from deep inside an import. Here it ends as an interrupted command does: one line,
exit code 130."""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from flows.cli import main as cli_main
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted while starting; nothing was done.\n")
        raise SystemExit(130) from None
    cli_main()


if __name__ == "__main__":
    main()
