"""docs/SETTINGS.md, rendered from the settings models (so the reference cannot drift).

python -m pipelines.settings_reference > docs/SETTINGS.md
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from pipelines.config import ChannelSettings, Settings

INTRO = """# Settings reference

Every key of `settings.yaml` (in the config directory, beside `feeds.yaml`), with its default.
All keys are optional; an unknown key or a value out of range stops a run before it starts, with
the file, line and what was expected. `${NAME}` in a value reads an environment variable
(`${NAME:-default}` with a default), `{prefect-secret:NAME}` a Prefect Secret block (alert
channel URLs).

Generated from `pipelines/config.py` by `python -m pipelines.settings_reference >
docs/SETTINGS.md`; a test fails when the two differ.
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
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")
