"""docs/SETTINGS.md, rendered from the settings models (so the reference cannot drift).

python -m pipelines.settings_reference > docs/SETTINGS.md
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from pipelines.config import (
    CONFIG_DIR_ENV,
    DB_ENV,
    DEFAULT_DB,
    ENV_ALIASES,
    ENV_PREFIX,
    RUN_CONFIG_DIR,
    ChannelSettings,
    HostEnvironment,
    Settings,
)

INTRO = """# Settings reference

Every key of `settings.yaml` (in the config directory, beside `feeds.yaml`), with its default.
All keys are optional; an unknown key or a value out of range stops a run before it starts, with
the file, line and what was expected. `${NAME}` in a value reads an environment variable
(`${NAME:-default}` with a default), `{prefect-secret:NAME}` a Prefect Secret block (alert
channel URLs).

Every key can also be set from the environment, which wins over the file: see
[Environment variables](#environment-variables) at the end.

Generated from `pipelines/config.py` by `python -m pipelines.settings_reference >
docs/SETTINGS.md`; a test fails when the two differ.
"""

ENVIRONMENT = """## Environment variables

Every key above can be set from the environment as `NEWSWATCH_<SECTION>__<KEY>` (upper or
lower case, `__` between levels); it wins over `settings.yaml`, and an empty value counts as
unset. For example:

```sh
NEWSWATCH_FETCH__ALLOW_PRIVATE_NETWORKS=1      # fetch.allow_private_networks: true
NEWSWATCH_STORE__LOCK_RETRIES=5                # store.lock_retries: 5
NEWSWATCH_ALERTS__CHANNELS__OPS__URL=console:// # alerts.channels.ops.url
```

A value that is not valid for its key, or a `NEWSWATCH_<SECTION>__…` name that is no key, stops
a run before it starts with the variable's name. The other variables newswatch reads:
"""


def _default(field: FieldInfo) -> str:
    if field.default_factory is not None:
        value: Any = field.default_factory()  # type: ignore[call-arg]
    elif field.default is PydanticUndefined:
        return "required"
    else:
        value = field.default
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"`{json.dumps(value)}`"


def _type(field: FieldInfo) -> str:
    text = getattr(field.annotation, "__name__", None) or str(field.annotation)
    return text.replace("typing.", "").replace(" | None", ", optional")


def _table(model: type[BaseModel], prefix: str) -> list[str]:
    rows = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for name, field in model.model_fields.items():
        meaning = (field.description or "").replace("|", "\\|")
        rows.append(f"| `{prefix}{name}` | {_type(field)} | {_default(field)} | {meaning} |")
    return rows


def _environment_rows() -> list[str]:
    rows = ["| variable | meaning |", "|---|---|"]
    for alias, (section, key) in ENV_ALIASES.items():
        full = f"{ENV_PREFIX}{section.upper()}__{key.upper()}"
        rows.append(f"| `{alias}` | older name of `{full}` (`{section}.{key}`), still read |")
    rows.append(
        f"| `{CONFIG_DIR_ENV}` | the CLI's `--config-dir` when not given "
        f"(default `{RUN_CONFIG_DIR}`) |"
    )
    rows.append(f"| `{DB_ENV}` | the CLI's `--db` when not given (default `{DEFAULT_DB}`) |")
    for name, field in HostEnvironment.model_fields.items():
        rows.append(f"| `{ENV_PREFIX}{name.upper()}` | {field.description} |")
    return rows


def render() -> str:
    lines = [INTRO]
    for section, field in Settings.model_fields.items():
        model = field.annotation
        assert isinstance(model, type) and issubclass(model, BaseModel)
        lines += [f"## `{section}`", "", *_table(model, f"{section}."), ""]
    lines += [
        "## An alert channel: `alerts.channels.<name>`",
        "",
        *_table(ChannelSettings, ""),
        "",
        ENVIRONMENT,
        *_environment_rows(),
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")
