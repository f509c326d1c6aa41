"""`make bench`: skillpass throughput as ratios to the limits of this machine.

Every figure is measured next to its baseline in the same run (these machines
are noisy): raw signature sign/verify with `cryptography` is the physical
limit, a bare Flask app under gunicorn is the framework floor. Each figure is
the median of several timed rounds. Results go to bench/results.json with a
top-level "targets" object, and a table is printed.

Load stays on 127.0.0.1 and every loop is bounded in count and time.
Environment: BENCH_ROUNDS (5), BENCH_TOKENS (3000), BENCH_HTTP_SECONDS (3),
BENCH_ONLY (comma-separated scenario names), BENCH_LOADGEN=python (skip wrk),
BENCH_NO_INSTALL=1 (never apt-get wrk), BENCH_POSTGRES_URL.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from scenarios import SCENARIOS  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))


def per_second(
    operation: Callable[[], Any], *, min_seconds: float = 0.2, max_calls: int = 200_000, rounds: int | None = None
) -> float:
    """Calls per second of `operation`: median of `rounds` (ROUNDS) rounds of at least `min_seconds`."""
    rates = []
    for _ in range(rounds or ROUNDS):
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
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "platform": platform.platform(), "rounds": ROUNDS},
        "figures": {},
        "targets": {},
    }
    only = {s.strip() for s in os.environ.get("BENCH_ONLY", "").split(",") if s.strip()}
    started = time.perf_counter()
    for scenario in SCENARIOS:
        if only and scenario.__name__ not in only:
            continue
        print(f"-- {scenario.__name__}", flush=True)
        t0 = time.perf_counter()
        try:
            scenario(results, per_second)
        except Exception as exc:  # a broken scenario must not hide the others' figures
            results["figures"][scenario.__name__] = {"error": f"{type(exc).__name__}: {exc}"}
            print(f"   failed: {type(exc).__name__}: {exc}", flush=True)
        print(f"   {time.perf_counter() - t0:.0f} s", flush=True)
    results["machine"]["seconds"] = round(time.perf_counter() - started, 1)
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)
    return 0


def print_table(results: dict[str, Any]) -> None:
    print()
    print(f"{'figure':58s} {'value':>14s}")
    for name, value in results["figures"].items():
        if isinstance(value, dict):
            print(f"{name:58s} {'ERROR':>14s}  {value.get('error', '')}")
            continue
        print(f"{name:58s} {value:14.{3 if abs(value) < 10 else 1}f}")
    print()
    print(f"{'target':50s} {'value':>10s} {'target':>10s}  met")
    for name, t in results["targets"].items():
        print(f"{name:50s} {t['value']:10.3f} {t['target']:>10}  {'yes' if t['met'] else 'NO'}")
    machine = results["machine"]
    print(f"\n{machine['cpus']} cores, Python {machine['python']}, {machine.get('gunicorn', '')}, load: {machine.get('loadgen', '-')}, {machine['seconds']} s")
    for text in results.get("notes", []):
        print(f"note: {text}")


if __name__ == "__main__":
    sys.exit(main())
