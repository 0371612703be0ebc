"""Tiny benchmark harness: medians of repeated wall-clock timings, printed as a table.

We use our own 40 lines instead of pytest-benchmark because benchmarks here are not tests
(the brief keeps timing out of the suite) and each one compares against a baseline measured
in the same run, which reads more plainly as a script than as fixtures.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def median_time(fn: Callable[[], Any], *, repeat: int = 7, warmup: int = 1) -> float:
    """Median seconds over ``repeat`` calls of ``fn`` after ``warmup`` unmeasured calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def machine() -> str:
    return f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}"


def report(name: str, rows: list[tuple[str, str]], *, raw: dict[str, Any] | None = None) -> None:
    """Print ``rows`` (label, figure) under a heading and save them to bench/results/NAME.json."""
    print(f"\n## {name}  ({machine()})")
    width = max(len(label) for label, _ in rows)
    for label, figure in rows:
        print(f"  {label.ljust(width)}  {figure}")
    RESULTS_DIR.mkdir(exist_ok=True)
    payload = {"machine": machine(), "rows": rows, "raw": raw or {}}
    (RESULTS_DIR / f"{name}.json").write_text(json.dumps(payload, indent=2, default=str))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"
