"""How `--help` shows the commands' docstrings."""

from __future__ import annotations

import inspect

import typer


def reflowed(text: str) -> str:
    """A docstring as `--help` should show it: each paragraph's lines joined into one, so that
    the terminal wraps it (typer keeps a docstring's line breaks after its first paragraph,
    which cut sentences at the source's width); lists and indented blocks stay as written."""
    paragraphs = inspect.cleandoc(text).split("\n\n")
    kept = (
        p if any(line.startswith((" ", "- ", "* ", "|", "```")) for line in p.splitlines()) else
        " ".join(p.split("\n"))
        for p in paragraphs
    )  # fmt: skip
    return "\n\n".join(kept)


def reflow_help(typer_app: typer.Typer) -> None:
    """`reflowed` help for every command of `typer_app` and its groups."""
    for command in typer_app.registered_commands:
        if command.help is None and command.callback is not None and command.callback.__doc__:
            command.help = reflowed(command.callback.__doc__)
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            reflow_help(group.typer_instance)
