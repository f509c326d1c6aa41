"""`make bench`: skillpass throughput as ratios to the limits of this machine.

Every figure is measured next to its baseline in the same run (these machines
are noisy): raw signature sign/verify with `cryptography` is the physical
limit, a bare Flask app under gunicorn is the framework floor. Each figure is
the median of several timed rounds. Results go to bench/results.json with a
top-level "targets" object, and a table is printed.

Load stays on 127.0.0.1 and every loop is bounded in count and time.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from scenarios import SCENARIOS  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))


def per_second(operation: Callable[[], Any], *, min_seconds: float = 0.2, max_calls: int = 200_000) -> float:
    """Calls per second of `operation`: median of ROUNDS rounds of at least `min_seconds`."""
    rates = []
    for _ in range(ROUNDS):
        calls = 0
        start = time.perf_counter()
        while True:
            operation()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds or calls >= max_calls:
                break
        rates.append(calls / elapsed)
    return statistics.median(rates)


def main() -> int:
    results: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}, "figures": {}, "targets": {}}
    for scenario in SCENARIOS:
        print(f"-- {scenario.__name__}", flush=True)
        try:
            scenario(results, per_second)
        except Exception as exc:  # a broken scenario must not hide the others' figures
            results["figures"][scenario.__name__] = {"error": f"{type(exc).__name__}: {exc}"}
            print(f"   failed: {type(exc).__name__}: {exc}", flush=True)
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)
    return 0


def print_table(results: dict[str, Any]) -> None:
    print()
    print(f"{'figure':58s} {'value':>14s}")
    for name, value in results["figures"].items():
        if isinstance(value, dict):
            continue
        print(f"{name:58s} {value:14.1f}")
    print()
    print(f"{'target':50s} {'value':>10s} {'target':>10s}  met")
    for name, t in results["targets"].items():
        print(f"{name:50s} {t['value']:10.3f} {t['target']:>10}  {'yes' if t['met'] else 'NO'}")


if __name__ == "__main__":
    sys.exit(main())
