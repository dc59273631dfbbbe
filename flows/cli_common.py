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


def prefect_api_configured() -> bool:
    """Whether Prefect would talk to a configured API (a server or Prefect Cloud).

    Decided without importing Prefect (about two seconds) when no place Prefect reads its
    settings from mentions an API URL: the environment, the profiles file, `prefect.toml`,
    `.env` or `pyproject.toml` in the working directory. Otherwise Prefect's own settings say.
    """
    if os.environ.get("PREFECT_API_URL"):
        return True
    home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()
    profiles = Path(os.environ.get("PREFECT_PROFILES_PATH") or home / "profiles.toml")
    mentions = (
        (profiles, "PREFECT_API_URL"),
        (Path(".env"), "PREFECT_API_URL"),
        (Path("prefect.toml"), ""),
        (Path("pyproject.toml"), "[tool.prefect"),
    )
    if not any(_mentions(path, marker) for path, marker in mentions):
        return False
    from prefect.settings import get_current_settings

    return bool(get_current_settings().api.url)


def _mentions(path: Path, marker: str) -> bool:
    try:
        return marker in path.read_text(errors="replace")
    except OSError:
        return False


def fail(message: str, code: int = 2) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    return typer.Exit(code)
