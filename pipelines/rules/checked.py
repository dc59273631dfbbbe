"""Rule files already compiled without error, remembered across runs.

A run compiles rules.yaml, entities.yaml and claims.yaml before anything else, so that a typo
never starts a run; compiling them costs a good part of a run that finds nothing due. Once a set
of files has compiled, a marker named by the hash of their contents (and of the code that
compiles them) is left in the user's cache directory, and a later run with the same files
skips the check: its extraction workers compile the rules for its pages, and the run's own
process only for a page they did not match (`pipelines.extract.run_rules`). A changed byte in
any of the files, or in the compiler, is a new hash and is checked again.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from functools import cache
from pathlib import Path

_SOURCES = ("rules", "claims", "alerts")
"""Packages under pipelines/ whose code decides whether rule files compile."""
_MODULES = ("config.py", "yamlfile.py")
_SHIPPED_CONFIG = Path(__file__).resolve().parent.parent.parent / "config"
"""pipelines.config.DEFAULT_CONFIG_DIR, without importing it (this module is read before a
run imports anything heavy)."""


def cache_dir() -> Path:
    """`NEWSWATCH_CACHE_DIR`, else `$XDG_CACHE_HOME/newswatch`, else `~/.cache/newswatch`."""
    own = os.environ.get("NEWSWATCH_CACHE_DIR")
    if own:
        return Path(own)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "newswatch"


@cache
def _code_stamp() -> str | None:
    """The hash of the compiling code's source; None where the source cannot be read (an
    install without .py files): then nothing is remembered and every run compiles."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    files = [p for pkg in _SOURCES for p in sorted((root / pkg).glob("*.py"))]
    try:
        for path in [*files, *(root / m for m in _MODULES)]:
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    except OSError:
        return None
    return digest.hexdigest() if files else None


def fingerprint(paths: Iterable[Path], extra: str = "") -> str | None:
    """The hash of the files' contents, of the JSON files beside them and in the shipped
    config directory (the claims model claims.yaml names is one of these: its `file:` is a
    name in one of the two), of the compiling code and of `extra` (what else was checked
    with them: the alert channels); None when a file cannot be read (the compile then says
    what is wrong)."""
    code = _code_stamp()
    if code is None:
        return None
    digest = hashlib.sha256(code.encode())
    digest.update(extra.encode("utf-8", "surrogatepass"))
    paths = [Path(p) for p in paths]
    folders = {p.resolve().parent for p in paths} | {_SHIPPED_CONFIG}
    data = sorted({j for folder in folders for j in folder.glob("*.json")})
    try:
        for path in [*paths, *data]:  # data: the claims model claims.yaml names
            digest.update(str(path.resolve()).encode())
            digest.update(path.read_bytes())
    except OSError:
        return None
    return digest.hexdigest()


def _marker(print_: str) -> Path:
    return cache_dir() / "compiled-rules" / print_


def known_good(print_: str | None) -> bool:
    return print_ is not None and _marker(print_).is_file()


def remember_good(print_: str | None) -> None:
    """Leave the marker; a cache that cannot be written only means the next run checks again."""
    if print_ is None:
        return
    marker = _marker(print_)
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    except OSError:
        return
