"""Load generation on 127.0.0.1: `wrk` when it is there, else keep-alive http.client in processes.

Both keep connections alive, cycle through a list of different request bodies,
run for a fixed time and count only 2xx answers. Both also say what they cost:
the CPU time the load generator itself used per request, and as a share of
the machine (on a small machine it competes with the server for the cores,
so every HTTP figure is a lower bound for the server alone).

`wrk` (C, one event loop per thread) costs a few microseconds per request;
the Python fallback costs tens (http.client parsing in CPython). `make bench`
installs Debian's wrk when it runs as root and apt-get is there, unless
BENCH_NO_INSTALL=1; otherwise it falls back and says so in the results.
"""

from __future__ import annotations

import http.client
import multiprocessing
import os
import re
import resource
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

_LUA = r"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
%(headers)s
local bodies = {}
local n = 0
local i = 0
function init(args)
  for line in io.lines("%(bodies)s") do
    n = n + 1
    bodies[n] = line
  end
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
  i = math.random(n) - 1
end
function request()
  i = i %% n + 1
  return wrk.format(nil, nil, nil, bodies[i])
end
"""


@dataclass
class Load:
    """What one timed run delivered."""

    requests_per_s: float  # 2xx answers per second
    requests: int
    errors: int  # non-2xx answers and socket errors
    seconds: float
    client_cpu_s: float  # CPU time of the load generator itself
    server_cpu_s: float = 0.0  # CPU time of the server's workers (and database) meanwhile

    @property
    def per_server_cpu_s(self) -> float:
        """2xx answers per CPU-second of the server: throughput per core actually used."""
        return self.requests / self.server_cpu_s if self.server_cpu_s > 0 else float("nan")

    @property
    def client_cpu_us_per_request(self) -> float:
        return 1e6 * self.client_cpu_s / max(self.requests, 1)

    @property
    def client_cpu_share(self) -> float:
        """Share of the whole machine the load generator used."""
        return self.client_cpu_s / (self.seconds * (os.cpu_count() or 1))


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def ensure_wrk() -> str | None:
    """The path of wrk, installing Debian's package first if we may; None: use the fallback."""
    found = shutil.which("wrk")
    if found or os.environ.get("BENCH_NO_INSTALL") == "1":
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return None
    try:
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "wrk"], check=False, timeout=180,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return shutil.which("wrk")


class LoadGenerator:
    """POSTs `bodies` (cycled) to `url` with `connections` keep-alive connections for `seconds`."""

    def __init__(self, *, prefer_wrk: bool = True) -> None:
        self.wrk = ensure_wrk() if prefer_wrk and os.environ.get("BENCH_LOADGEN", "wrk") == "wrk" else None
        self.name = "wrk" if self.wrk else "python-http.client"
        self._dir = Path(tempfile.mkdtemp(prefix="skillpass-bench-"))

    def close(self) -> None:
        shutil.rmtree(self._dir, ignore_errors=True)

    def run(
        self, url: str, bodies: Sequence[bytes], *, seconds: float, connections: int, headers: dict[str, str] | None = None,
        server_cpu: Callable[[], float] | None = None,
    ) -> Load:
        """One timed run; `server_cpu` (CPU seconds of the server so far) is read before and after."""
        before = server_cpu() if server_cpu else 0.0
        if self.wrk:
            load = self._run_wrk(url, bodies, seconds, connections, headers or {})
        else:
            load = run_python(url, bodies, seconds=seconds, connections=connections, headers=headers or {})
        if server_cpu:
            load.server_cpu_s = server_cpu() - before
        return load

    def _run_wrk(self, url: str, bodies: Sequence[bytes], seconds: float, connections: int, headers: dict[str, str]) -> Load:
        body_file = self._dir / f"bodies-{id(bodies)}.txt"
        if not body_file.exists():
            body_file.write_bytes(b"\n".join(bodies) + b"\n")
        script = self._dir / f"script-{abs(hash((str(body_file), tuple(sorted(headers.items())))))}.lua"
        if not script.exists():
            lines = "\n".join(f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items())
            script.write_text(_LUA % {"headers": lines, "bodies": str(body_file)})
        cpu0 = _children_cpu()
        result = subprocess.run(
            [self.wrk, "-t", "1", "-c", str(connections), "-d", f"{max(1, round(seconds))}s", "--timeout", "60s", "-s", str(script), url],
            capture_output=True, text=True, timeout=seconds + 120,
        )
        cpu = _children_cpu() - cpu0
        out = result.stdout
        done = re.search(r"(\d+) requests in ([\d.]+)(m?s)", out)
        if result.returncode != 0 or not done:
            raise RuntimeError(f"wrk failed: {result.stderr.strip() or out.strip()}")
        total = int(done.group(1))
        elapsed = float(done.group(2)) / (1000 if done.group(3) == "ms" else 1)
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
        errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(map(int, socket_errors.groups())) if socket_errors else 0)
        good = total - (int(non2xx.group(1)) if non2xx else 0)
        return Load(good / elapsed, good, errors, elapsed, cpu)


# --- the fallback: keep-alive http.client, threads in processes -------------------------------


def _worker(host: str, port: int, path: str, bodies: Sequence[bytes], headers: dict[str, str], threads: int,
            start: float, deadline: float, offset: int, queue: "multiprocessing.Queue[tuple[int, int]]") -> None:
    counts = [0, 0]
    lock = threading.Lock()

    def loop(n: int) -> None:
        good = bad = 0
        conn = http.client.HTTPConnection(host, port, timeout=60)
        i = offset + n * 7919
        all_headers = {"Content-Type": "application/json", **headers}
        while time.time() < start:
            time.sleep(0.001)
        while time.time() < deadline:
            body = bodies[i % len(bodies)]
            i += 1
            try:
                conn.request("POST", path, body, all_headers)
                response = conn.getresponse()
                response.read()
                if 200 <= response.status < 300:
                    good += 1
                else:
                    bad += 1
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=60)
        conn.close()
        with lock:
            counts[0] += good
            counts[1] += bad

    pool = [threading.Thread(target=loop, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    queue.put((counts[0], counts[1]))


def run_python(url: str, bodies: Sequence[bytes], *, seconds: float, connections: int, headers: dict[str, str]) -> Load:
    """Keep-alive http.client: (cores) processes, connections spread over their threads."""
    match = re.fullmatch(r"http://([^:/]+):(\d+)(/.*)", url)
    if not match:
        raise ValueError(f"not a loopback http URL: {url}")
    host, port, path = match.group(1), int(match.group(2)), match.group(3)
    processes = max(1, min(os.cpu_count() or 1, connections))
    per = [connections // processes + (1 if i < connections % processes else 0) for i in range(processes)]
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    start = time.time() + 0.3
    deadline = start + seconds
    cpu0 = _children_cpu()
    procs = [ctx.Process(target=_worker, args=(host, port, path, bodies, headers, n, start, deadline, i * 104729, queue)) for i, n in enumerate(per)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=seconds + 120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    cpu = _children_cpu() - cpu0
    good = sum(r[0] for r in results)
    bad = sum(r[1] for r in results)
    return Load(good / seconds, good, bad, seconds, cpu)
