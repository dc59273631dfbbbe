"""`newswatch ui`: serve the read-only dashboard over the DuckDB store on a local port."""

from __future__ import annotations

import errno
import ipaddress
import shlex
import socket
from pathlib import Path
from typing import Annotated

import typer

from flows.cli_common import (
    CONFIG_DIR_DEFAULT,
    DB_DEFAULT,
    ConfigDir,
    DbPath,
    command_name,
    console,
    err_console,
    existing_db,
    fail,
)

ui_app = typer.Typer()

DEFAULT_PORT = 8765


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound here so a taken port is one clear line, not a traceback."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise fail(f"cannot listen on {host}: {exc.strerror}; pass --host 127.0.0.1") from None
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise fail(
                f"port {port} on {host} is already in use (another `newswatch ui`?); stop it "
                "or pass --port N"
            ) from None
        raise fail(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


@ui_app.command()
def ui(
    db: DbPath = DB_DEFAULT,
    port: Annotated[
        int, typer.Option("--port", help="TCP port (0: any free port).", min=0, max=65535)
    ] = DEFAULT_PORT,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on; anything but loopback exposes it.")
    ] = "127.0.0.1",
    config_dir: ConfigDir = CONFIG_DIR_DEFAULT,
) -> None:
    """Open the analyst's dashboard: latest matches, articles, trends, feed health (read-only)."""
    import uvicorn

    from flows.ui.app import UiSettings, create_app, prefect_ui_url
    from pipelines.config import rules_paths
    from pipelines.errors import NewswatchError
    from pipelines.rules import load_ruleset
    from pipelines.store.backend import parse_location

    existing_db(db)
    try:
        ruleset = load_ruleset(*rules_paths(config_dir))
    except NewswatchError as exc:
        err_console.print(
            f"[yellow]warning:[/] rules not loaded ({exc}); pages show the stored evidence only",
            highlight=False,
            markup=False,
        )
        ruleset = None
    if not _is_loopback(host):
        err_console.print(
            f"[bold yellow]warning:[/] listening on {host}: the dashboard has no login, so "
            "anyone who can reach this address can read the whole database",
            highlight=False,
        )
    sock = _bind(host, port)
    bound_port = sock.getsockname()[1]
    shown_host = f"[{host}]" if ":" in host else host
    on_db = "" if db == DB_DEFAULT else f" --db {shlex.quote(str(db))}"
    search = f"{command_name()} search{on_db}"
    app = create_app(
        UiSettings(Path(parse_location(db).absolute()), ruleset, prefect_ui_url(), search)
    )
    console.print(
        f"newswatch ui: http://{shown_host}:{bound_port}/  (database {db}; Ctrl-C stops it)",
        highlight=False,
        markup=False,
    )
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, server_header=False)
    )
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
