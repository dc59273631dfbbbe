"""Configuration: pydantic models for `feeds.yaml` and `settings.yaml`, loaded with clear errors.

A config directory holds `feeds.yaml` (required), `settings.yaml`, `rules.yaml` and
`entities.yaml` (optional: missing ones fall back to the defaults shipped in `config/`).
String values may reference environment variables as `${NAME}` or `${NAME:-default}`, which
is how secrets (alert channel tokens) stay out of the files.

Every setting can also be set from the environment, over `settings.yaml`:
`NEWSWATCH_<SECTION>__<KEY>` (`NEWSWATCH_FETCH__ALLOW_PRIVATE_NETWORKS=1`), read by
pydantic-settings when `Settings` is validated. The environment variables that are not
settings (the code directory of deployments, the CLI's defaults) are named here too, so that
docs/SETTINGS.md lists them all.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from pipelines.errors import ConfigError
from pipelines.language import language_code
from pipelines.models import FeedSource
from pipelines.yamlfile import expand_env_in, known_keys, parse, read_source, validate

DEFAULT_CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
"""The shipped configuration (rules and gazetteer a config directory may leave out)."""
RUN_CONFIG_DIR = "config"
"""The configuration a run reads by default, relative to the working directory."""
DEFAULT_DB = "data/newswatch.sqlite"
"""The monitor's database by default, relative to the working directory."""
ENV_PREFIX = "NEWSWATCH_"
CONFIG_DIR_ENV = "NEWSWATCH_CONFIG_DIR"
"""Read by every CLI command's --config-dir."""
DB_ENV = "NEWSWATCH_DB"
"""Read by every CLI command's --db."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FeedEntry(_Strict):
    url: str
    name: str = ""
    language: str | None = None
    """The articles' language where a page declares none (an ISO 639-1 code)."""
    enabled: bool = True

    @field_validator("language")
    @classmethod
    def _language_code(cls, value: str | None) -> str | None:
        return None if value is None else language_code(value)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"feed url must start with http:// or https://, got {value!r}")
        if any(c.isspace() for c in value):
            raise ValueError(f"feed url {value!r} contains a space (write it as %20)")
        try:
            parts = urlsplit(value)
            host, _ = parts.hostname, parts.port
        except ValueError as exc:  # a malformed port or IPv6 address
            raise ValueError(f"feed url {value!r} is malformed: {exc}") from None
        if not host:
            raise ValueError(f"feed url {value!r} names no host")
        return value


class FeedsFile(_Strict):
    feeds: list[FeedEntry] = Field(min_length=1)


class FetchSettings(_Strict):
    user_agent: str = Field(
        default="newswatch/0.1 (+https://github.com/newswatch/newswatch)",
        description="User-Agent of every request (and the name robots.txt rules are read for)",
    )
    max_connections: int = Field(default=50, ge=1, description="open connections in all")
    per_host_limit: int = Field(default=2, ge=1, description="concurrent requests per host")
    per_host_delay_s: float = Field(
        default=0.0, ge=0, description="pause between two requests to the same host"
    )
    timeout_s: float = Field(default=20.0, gt=0, description="overall deadline per request")
    connect_timeout_s: float = Field(default=5.0, gt=0, description="deadline to connect")
    max_bytes: int = Field(
        default=5_000_000, ge=1024, description="larger bodies (after decompression) are refused"
    )
    max_redirects: int = Field(default=5, ge=0, description="redirects followed per request")
    allow_private_networks: bool = Field(
        default=False,
        description=(
            "allow loopback, private and link-local addresses (the SSRF guard refuses them, "
            "also after redirects and DNS resolution); for tests and intranet feeds"
        ),
    )
    respect_robots_txt: bool = Field(
        default=True, description="skip article pages robots.txt disallows (status 'blocked')"
    )
    http2: bool = Field(default=True, description="offer HTTP/2 to servers that support it")


class PollSettings(_Strict):
    min_interval_s: float = Field(
        default=300.0, gt=0, description="shortest time between two polls of a feed"
    )
    max_interval_s: float = Field(
        default=6 * 3600.0, gt=0, description="longest time between two polls of a feed"
    )
    default_interval_s: float = Field(
        default=900.0,
        gt=0,
        description=(
            "interval of a feed whose publishing rhythm is unknown; otherwise half the median "
            "gap between its recent entries, within min/max"
        ),
    )
    backoff_base_s: float = Field(
        default=300.0, gt=0, description="wait after a feed's first failure; doubles per failure"
    )
    backoff_max_s: float = Field(
        default=24 * 3600.0, gt=0, description="longest wait after failures (Retry-After wins)"
    )
    disable_after_failures: int = Field(
        default=10,
        ge=1,
        description="failures in a row that disable a feed (`newswatch feeds --enable URL`)",
    )
    max_items_per_feed: int = Field(
        default=200, ge=1, description="entries read from one feed document"
    )
    parse_timeout_s: float = Field(
        default=30.0,
        gt=0,
        description=(
            "hard deadline for parsing one feed in the extraction workers; a feed that takes "
            "longer fails this poll (the others go on)"
        ),
    )
    entry_retry_attempts: int = Field(
        default=8,
        ge=1,
        description=(
            "runs that try an entry whose page could not be fetched (HTTP or network error, "
            "robots.txt unreachable), whether or not its feed changed; after the last it lands "
            "with extract_status 'fetch_error'"
        ),
    )
    entry_retry_base_s: float = Field(
        default=300.0,
        ge=0,
        description="wait before an entry whose page failed is tried again; doubles per failure",
    )
    entry_retry_max_s: float = Field(
        default=24 * 3600.0, ge=0, description="longest wait between two tries of such an entry"
    )
    due_slack_s: float = Field(
        default=30.0,
        ge=0,
        description=(
            "a feed whose next poll falls within this many seconds (at most a tenth of its "
            "interval) of a run's start is polled by that run, so a scheduled run that starts a "
            "moment early does not leave it for a whole schedule period"
        ),
    )


class ExtractSettings(_Strict):
    workers: int = Field(default=0, ge=0, description="process pool size; 0 = number of cores")
    timeout_s: float = Field(
        default=30.0, gt=0, description="hard deadline for extracting one page"
    )
    timeout_attempts: int = Field(
        default=3,
        ge=1,
        description=(
            "runs that try a page whose extraction timed out (a busy machine, or a page that "
            "is slow every time); after the last it lands with extract_status 'timeout'"
        ),
    )
    min_text_chars: int = Field(
        default=200, ge=0, description="less extracted text counts as status 'empty'"
    )
    batch_pages: int = Field(
        default=500,
        ge=1,
        description=(
            "new entries fetched, extracted, matched and landed together; a backlog larger "
            "than this is worked through in several batches (the next one fetched while one "
            "lands, at most two in memory), so memory stays flat"
        ),
    )
    dask_address: str | None = Field(
        default=None,
        description=(
            "address of a running Dask scheduler (tcp://host:8786) to extract on instead of "
            "the local process pool (the `dask` extra; the monitor flow's `dask_address` "
            "parameter wins)"
        ),
    )


class ChannelSettings(_Strict):
    url: str = Field(
        description=(
            "an Apprise URL, webhook+https://… for newswatch's own JSON payload, or console:// "
            "for standard output"
        )
    )
    topics: list[str] = Field(default_factory=list, description="empty = every topic")
    kinds: list[Literal["match", "escalation"]] = Field(
        default=["match", "escalation"],
        description=(
            "alerts this channel gets: `match` (a new article matched a topic of `topics`) "
            "and/or `escalation` (a region Russia demands for the first time, or again after "
            "`demands.quiet_days`; see docs/DEMANDS.md)"
        ),
    )
    digest_minutes: int = Field(
        default=0, ge=0, description="0 = one message per alert; else one digest per period"
    )
    max_per_hour: int = Field(default=0, ge=0, description="0 = no rate limit")
    resend_interrupted: bool | None = Field(
        default=None,
        description=(
            "when a sender died after handing an alert to this channel but before recording "
            "it: true = send again (at least once), false = hold it as 'uncertain' for "
            "`newswatch alerts retry` (at most once); default: true for webhook+ channels, "
            "whose Idempotency-Key lets the receiver drop the duplicate, and console://, "
            "false otherwise"
        ),
    )


class AlertSettings(_Strict):
    channels: dict[str, ChannelSettings] = Field(
        default_factory=dict, description="name → channel (see the channel settings below)"
    )
    max_attempts: int = Field(
        default=8, ge=1, description="sends of one alert before it is given up as 'failed'"
    )
    events_per_topic: int = Field(
        default=100,
        ge=0,
        description=(
            "Prefect events `newswatch.match.created` a run emits per topic (one per new "
            "match); past that, one `newswatch.match.more` per topic counts the rest, so a "
            "backfill does not flood the Prefect server and its Automations (0 = no events)"
        ),
    )
    retry_base_s: float = Field(
        default=60.0, ge=0, description="wait after a failed send; doubles per attempt"
    )
    claim_ttl_s: float = Field(
        default=3600.0,
        gt=0,
        description="a claim by a sender on another host counts as abandoned after this long",
    )


class StoreSettings(_Strict):
    lock_retries: int = Field(
        default=20, ge=0, description="tries to open a database another process holds"
    )
    lock_retry_base_s: float = Field(
        default=0.25, gt=0, description="first wait between those tries; doubles per try"
    )
    lock_retry_max_s: float = Field(
        default=5.0, gt=0, description="longest wait between those tries"
    )


class DemandSettings(_Strict):
    quiet_days: int = Field(
        default=28,
        ge=1,
        le=3650,
        description=(
            "days without a claim on a (region, action) after which a new claim is an "
            "escalation again (the `demand_escalations` view and escalation alerts)"
        ),
    )


ENV_ALIASES: dict[str, tuple[str, str]] = {
    "NEWSWATCH_ALLOW_PRIVATE_NETWORKS": ("fetch", "allow_private_networks"),
    "NEWSWATCH_DASK_ADDRESS": ("extract", "dask_address"),
}
"""Older names of two settings' environment variables, still read (the full name wins)."""


class _EnvAliases(PydanticBaseSettingsSource):
    """`ENV_ALIASES` as a settings source."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        values: dict[str, dict[str, str]] = {}
        for name, (section, key) in ENV_ALIASES.items():
            if value := os.environ.get(name):
                values.setdefault(section, {})[key] = value
        return values


class Settings(BaseSettings):
    """settings.yaml, under the environment's overrides: validating it (from the file's data,
    or with no data) reads `NEWSWATCH_<SECTION>__<KEY>` variables, which win over the file."""

    model_config = SettingsConfigDict(
        extra="forbid",
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        env_ignore_empty=True,
    )

    fetch: FetchSettings = Field(default_factory=FetchSettings)
    poll: PollSettings = Field(default_factory=PollSettings)
    extract: ExtractSettings = Field(default_factory=ExtractSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    demands: DemandSettings = Field(default_factory=DemandSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The environment over its older names over the file's values (first wins)."""
        return env_settings, _EnvAliases(settings_cls), init_settings


class HostEnvironment(BaseSettings):
    """What only the environment says: values of the machine a command runs on."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", env_ignore_empty=True)

    home: Path | None = Field(
        default=None,
        description=(
            "the code directory `prefect deploy` records for the workers' runs (the "
            "checkout on the workers); default: the directory `prefect deploy` runs in"
        ),
    )


@dataclass(frozen=True, slots=True)
class Config:
    """Everything a run needs from the config directory, validated."""

    config_dir: Path
    feeds: list[FeedSource]
    settings: Settings
    rules_path: Path
    entities_path: Path
    claims_path: Path = DEFAULT_CONFIG_DIR / "claims.yaml"

    @property
    def worker_files(self) -> tuple[Path, Path, Path]:
        """rules.yaml, entities.yaml and claims.yaml: what each extraction worker loads."""
        return self.rules_path, self.entities_path, self.claims_path


def _variable(loc: tuple[Any, ...]) -> str:
    """The environment variable that sets a settings field (or the older name that did)."""
    name = ENV_PREFIX + "__".join(str(part).upper() for part in loc)
    for alias, target in ENV_ALIASES.items():
        if loc == target and not os.environ.get(name) and os.environ.get(alias):
            return alias
    return name


def environment_settings() -> Settings:
    """The defaults under the environment's overrides; an invalid one raises a ConfigError
    naming the variable."""
    hint = "\n  hint: fix or unset it (docs/SETTINGS.md lists the names)"
    if lines := _unknown_sections():
        raise ConfigError("\n".join(lines) + hint)
    try:
        return Settings()
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            message = err["msg"]
            if err["type"] == "extra_forbidden" and len(loc) == 2:
                close = difflib.get_close_matches(str(loc[1]), known_keys(Settings, loc[:1]), 1)
                guess = _variable((loc[0], close[0])) if close else None
                message = "not a setting" + (f"; did you mean {guess}?" if guess else "")
            lines.append(f"environment variable {_variable(loc)}: {message}")
        raise ConfigError("\n".join(lines) + hint) from exc


def _unknown_sections() -> list[str]:
    """`NEWSWATCH_<SECTION>__<KEY>` variables whose section does not exist, which the
    environment source would otherwise ignore without a word (`NEWSWATCH_FECH__TIMEOUT_S`)."""
    sections = list(Settings.model_fields)
    lines = []
    for name in sorted(os.environ):
        if not name.startswith(ENV_PREFIX) or "__" not in name[len(ENV_PREFIX) :]:
            continue
        section, _, key = name[len(ENV_PREFIX) :].partition("__")
        if section.lower() in sections or not os.environ[name]:
            continue
        close = difflib.get_close_matches(section.lower(), sections, 1)
        guess = f"; did you mean {ENV_PREFIX}{close[0].upper()}__{key}?" if close else ""
        lines.append(
            f"environment variable {name}: no settings section {section.lower()!r}{guess} "
            f"(sections: {', '.join(sections)})"
        )
    return lines


def load_settings(config_dir: Path) -> Settings:
    """settings.yaml of a config directory (the defaults without one) under the environment's
    overrides. The environment is checked alone first, so that the file's errors point at
    the file and the environment's at the variables."""
    defaults = environment_settings()
    path = config_dir / "settings.yaml"
    if not path.exists():
        return defaults
    source = read_source(path)
    data, root = parse(source)
    return validate(source, Settings, expand_env_in(source, data, root), root)


def load_feeds(config_dir: Path) -> list[FeedSource]:
    path = config_dir / "feeds.yaml"
    source = read_source(path)
    data, root = parse(source)
    parsed = validate(source, FeedsFile, expand_env_in(source, data, root), root)
    seen: set[str] = set()
    feeds = []
    for entry in parsed.feeds:
        if entry.url in seen:
            raise ConfigError(f"{path}: feed {entry.url} is listed twice; remove one entry")
        seen.add(entry.url)
        feeds.append(FeedSource(entry.url, entry.name or entry.url, entry.language, entry.enabled))
    return feeds


def _with_default(config_dir: Path, name: str) -> Path:
    own = config_dir / name
    return own if own.exists() else DEFAULT_CONFIG_DIR / name


def claims_path(config_dir: Path) -> Path:
    """claims.yaml of a config directory, or the shipped default."""
    return _with_default(config_dir, "claims.yaml")


def _check_config_dir(config_dir: Path, holding: str) -> None:
    """A clear ConfigError when `config_dir` is a file or does not exist."""
    if config_dir.exists() and not config_dir.is_dir():
        raise ConfigError(
            f"{config_dir} is a file; --config-dir (or {CONFIG_DIR_ENV}) names the directory "
            f"holding {holding}"
        )
    if not config_dir.is_dir():
        raise ConfigError(
            f"config directory {config_dir} does not exist; pass --config-dir or set "
            f"{CONFIG_DIR_ENV} to a directory holding {holding}"
        )


def rules_paths(config_dir: Path) -> tuple[Path, Path]:
    """rules.yaml and entities.yaml of a config directory, or the shipped defaults. A directory
    named but missing is an error (a typo checked the shipped rules and said OK); only the
    default `config` may be absent."""
    config_dir = Path(config_dir)
    if config_dir != Path(RUN_CONFIG_DIR):
        _check_config_dir(config_dir, "rules.yaml (or none, for the shipped rules)")
    return _with_default(config_dir, "rules.yaml"), _with_default(config_dir, "entities.yaml")


def load_config(config_dir: Path) -> Config:
    """Load and validate a config directory. Raises ConfigError with file:line on any problem."""
    config_dir = Path(config_dir)
    _check_config_dir(config_dir, "feeds.yaml")
    return Config(
        config_dir=config_dir,
        feeds=load_feeds(config_dir),
        settings=load_settings(config_dir),
        rules_path=_with_default(config_dir, "rules.yaml"),
        entities_path=_with_default(config_dir, "entities.yaml"),
        claims_path=_with_default(config_dir, "claims.yaml"),
    )
