"""The alert channels of settings.yaml, checked before a run starts.

Pydantic checks a channel's shape; two mistakes it cannot see stopped nothing until the
alerts were due: a channel URL no sender can use (`notascheme://…`), which failed every
alert after the articles had landed and retried them for hours, and a topic that is no
topic of rules.yaml (`territorial_demand`), which quietly took nothing. Both now stop the
run before it starts, at the file, line and column of the value.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection
from pathlib import Path
from urllib.parse import urlsplit

from pipelines.alerts.channels import CONSOLE_SCHEME, WEBHOOK_PREFIX
from pipelines.alerts.redact import _library_logs_redacted, _redactor, redact
from pipelines.config import ChannelSettings
from pipelines.errors import ConfigError


def check_channels(
    channels: dict[str, ChannelSettings],
    topics: Collection[str],
    settings_path: Path,
    rules_path: Path,
) -> None:
    """Raise ConfigError naming every channel URL no sender takes and every `topics` entry
    that is no topic of the rules."""
    problems: list[str] = []
    for name, channel in channels.items():
        key = ("alerts", "channels", name)
        why = url_problem(channel.url)
        if why is not None:
            problems.append(
                f"{_where(settings_path, (*key, 'url'))}: alerts.channels.{name}.url: {why}"
            )
        for i, topic in enumerate(channel.topics):
            if topic in topics:
                continue
            close = difflib.get_close_matches(topic, list(topics), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            problems.append(
                f"{_where(settings_path, (*key, 'topics', i))}: alerts.channels.{name}.topics: "
                f"{topic!r} is no topic of {rules_path} (its topics: {', '.join(topics)}){hint}"
            )
    if problems:
        raise ConfigError("\n".join(problems))


def url_problem(url: str) -> str | None:
    """Why no sender can use a channel URL, or None: console://, webhook+http(s)://HOST…,
    or a URL Apprise accepts (its services' own schemes)."""
    if url.startswith(CONSOLE_SCHEME):
        return None
    if url.startswith(WEBHOOK_PREFIX):
        target = url[len(WEBHOOK_PREFIX) :]
        try:
            parts = urlsplit(target)
            ok = parts.scheme in ("http", "https") and bool(parts.hostname)
        except ValueError:
            ok = False
        return None if ok else f"{redact(url)} is no webhook+http(s)://HOST/… URL"
    import apprise
    from apprise.manager_plugins import NotificationManager

    scheme = url.partition("://")[0].lower() if "://" in url else ""
    known = scheme in NotificationManager().schemas()
    if SECRET_REF in url:  # filled in when the flow sends: only its service can be checked
        if SECRET_REF in scheme or not scheme or known:
            return None
        return f"{redact(url)} is no URL Apprise can send to ({scheme}:// is no service it knows)"
    with _library_logs_redacted(_redactor(url)):  # Apprise logs the URL it cannot parse
        if apprise.Apprise().add(url):
            return None
    if not scheme:
        said = "it has no scheme://"
    elif not known:
        said = f"{scheme}:// is no service Apprise knows"
    else:
        said = f"the rest of it is not what {scheme}:// needs"
    return (
        f"{redact(url)} is no URL Apprise can send to ({said}); the services and their URLs: "
        "https://github.com/caronc/apprise/wiki"
    )


SECRET_REF = "{prefect-secret:"
"""A Prefect Secret block's value, filled in only when a flow sends (`flows.secret_refs`)."""


def _where(path: Path, loc: tuple[str | int, ...]) -> str:
    """path:line:column of a value of settings.yaml, or the path alone when the value came
    from the environment or the file cannot be read again."""
    from pipelines.yamlfile import node_at, parse, read_source, where

    try:
        source = read_source(path)
        _, root = parse(source)
    except (ConfigError, OSError):
        return str(path)
    node = node_at(root, loc)
    if node is None or node is root:
        return str(path)
    return where(source, node)
