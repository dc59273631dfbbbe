"""What every `newswatch` command shares: option types, consoles, error exit, quiet Prefect."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

ConfigDir = Annotated[
    Path,
    typer.Option(
        "--config-dir",
        envvar="NEWSWATCH_CONFIG_DIR",
        help="Directory with feeds.yaml (and optional rules.yaml, entities.yaml, settings.yaml).",
    ),
]
DbPath = Annotated[
    Path,
    typer.Option("--db", envvar="NEWSWATCH_DB", help="DuckDB database file."),
]


def quiet_prefect() -> None:
    """Keep Prefect's own logging and shutdown chatter out of a normal CLI run."""
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "ERROR")
    os.environ.setdefault("PREFECT_LOGGING_SERVER_LEVEL", "ERROR")
    # A failed run is reported by the CLI in one clear line; Prefect's own ERROR record with
    # the traceback would come first and bury it.
    os.environ.setdefault("PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL", "CRITICAL")
    os.environ.setdefault("PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL", "CRITICAL")
    # The temporary API takes ~6 s to start on an idle machine; Prefect gives up after 20 s,
    # which a busy laptop or CI runner can exceed.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")


def fail(message: str, code: int = 2) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    return typer.Exit(code)
