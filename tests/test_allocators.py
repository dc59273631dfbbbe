"""The allocators a process that opens the store uses (pipelines/allocators.py).

Each case runs in a new interpreter: the settings are process-wide and read once."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.allocators import limit_malloc_arenas

GLIBC = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"

ARENAS_AFTER_THREADS = """
import ctypes, json, sys, tempfile, threading
from pathlib import Path
import pyarrow as pa
from pipelines.store import connect
connect(Path(sys.argv[1]) / "news.duckdb").close()
barrier = threading.Barrier(8)
def allocate():
    block = bytearray(100_000)
    barrier.wait()
threads = [threading.Thread(target=allocate) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
libc = ctypes.CDLL(None)
libc.fopen.restype = ctypes.c_void_p
libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
libc.fclose.argtypes = [ctypes.c_void_p]
report = Path(sys.argv[1]) / "malloc_info.xml"
fp = libc.fopen(str(report).encode(), b"w")
libc.malloc_info(0, fp)
libc.fclose(fp)
print(json.dumps({
    "arrow": pa.default_memory_pool().backend_name,
    "heaps": report.read_text().count("<heap nr="),
}))
"""


def _run(tmp_path: Path, **env: str) -> dict[str, object]:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in ("ARROW_DEFAULT_MEMORY_POOL", "MALLOC_ARENA_MAX", "GLIBC_TUNABLES")
    }
    done = subprocess.run(
        [sys.executable, "-c", ARENAS_AFTER_THREADS, str(tmp_path)],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


@pytest.mark.skipif(not GLIBC, reason="glibc's arenas")
def test_opening_the_store_limits_arenas_and_puts_arrow_on_the_system_allocator(
    tmp_path: Path,
) -> None:
    assert _run(tmp_path) == {"arrow": "system", "heaps": 2}


@pytest.mark.skipif(not GLIBC, reason="glibc's arenas")
def test_what_the_environment_sets_is_kept(tmp_path: Path) -> None:
    got = _run(tmp_path, ARROW_DEFAULT_MEMORY_POOL="mimalloc", MALLOC_ARENA_MAX="5")
    assert got == {"arrow": "mimalloc", "heaps": 5}
    assert _run(tmp_path, GLIBC_TUNABLES="glibc.malloc.arena_max=3")["heaps"] == 3


def test_without_glibc_the_allocator_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    assert limit_malloc_arenas(2) is False


def test_the_command_sets_them_before_pyarrow_is_imported() -> None:
    code = (
        "import os, sys; from flows.entry import at_process_start; at_process_start(); "
        "assert 'pyarrow' not in sys.modules; import pyarrow as pa; "
        "print(pa.default_memory_pool().backend_name)"
    )
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "system"
