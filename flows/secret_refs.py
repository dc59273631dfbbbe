"""Channel secrets from Prefect Secret blocks.

A channel URL (or any part of it) may be written `{prefect-secret:BLOCK_NAME}` in
settings.yaml; the Prefect layer replaces it with the block's value before alerts are sent, so
tokens live in Prefect, not in files. (`${ENV_VAR}` works everywhere, without Prefect.)
"""

from __future__ import annotations

import re
from dataclasses import replace

from pipelines.config import Config
from pipelines.errors import ConfigError

_REF = re.compile(r"\{prefect-secret:([A-Za-z0-9_-]+)\}")


async def resolve_secret_refs(config: Config) -> Config:
    """A copy of `config` whose channel URLs have their Secret-block references filled in."""
    channels = config.settings.alerts.channels
    if not any(_REF.search(ch.url) for ch in channels.values()):
        return config
    from prefect.blocks.system import Secret

    values: dict[str, str] = {}
    for ch in channels.values():
        for name in _REF.findall(ch.url):
            if name not in values:
                try:
                    block = await Secret.aload(name)
                except ValueError as exc:
                    raise ConfigError(
                        f"alert channel refers to Prefect Secret block {name!r}, which does not "
                        f"exist; create it with `prefect block create secret` ({exc})"
                    ) from exc
                values[name] = str(block.get())
    settings = config.settings.model_copy(deep=True)
    for ch in settings.alerts.channels.values():
        ch.url = _REF.sub(lambda m: values[m.group(1)], ch.url)
    return replace(config, settings=settings)
