"""Helpers shared by the benchmarks: timing with medians, machine facts, JSON output."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any


def machine() -> dict[str, Any]:
    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def median_seconds(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, list[float]]:
    """Run `fn` `repeat` times; the median wall time and every sample."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), samples


def emit(name: str, figures: dict[str, Any]) -> None:
    """Print one benchmark's figures as a JSON line (the runner collects them)."""
    sys.stdout.write(json.dumps({"benchmark": name, **figures, "machine": machine()}) + "\n")
    sys.stdout.flush()
