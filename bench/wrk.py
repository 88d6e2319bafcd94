"""Running wrk with bench/lua/api.lua and reading its result line."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

LUA = Path(__file__).resolve().parent / "lua" / "api.lua"


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    statuses: dict[str, int] = field(default_factory=dict)
    socket_errors: dict[str, int] = field(default_factory=dict)
    lock_waiters: str = ""  # PostgreSQL only: "mean (max N)", bench/lockwait.py

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def ok(self) -> int:
        return sum(n for key, n in self.statuses.items() if key.startswith("2"))

    @property
    def business(self) -> int:
        """Expected business answers (409: sold out, cap reached...), counted apart."""
        return sum(n for key, n in self.statuses.items() if key.startswith("409"))

    @property
    def errors(self) -> int:
        """Anything else: other non-2xx answers and socket errors."""
        bad = sum(n for key, n in self.statuses.items() if not key.startswith(("2", "409")))
        return bad + sum(self.socket_errors.values())

    def error_detail(self) -> str:
        keys = [f"{k}×{n}" for k, n in sorted(self.statuses.items()) if not k.startswith("2")]
        keys += [f"socket {k}×{n}" for k, n in self.socket_errors.items() if n]
        return ", ".join(keys)


def require_wrk() -> str:
    """The wrk binary; installed from Debian's packages when missing and we are root."""
    found = shutil.which("wrk")
    if not found and os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, env=env)
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    return found


def run_wrk(
    name: str,
    base_url: str,
    path: str,
    *,
    mode: str = "get",
    tokens_file: Path | None = None,
    body_file: Path | None = None,
    duration: float = 10,
    connections: int = 32,
    threads: int = 2,
    run_id: str = "bench",
) -> Result:
    """One wrk run; returns its parsed result."""
    command = [
        require_wrk(), f"-t{threads}", f"-c{connections}", f"-d{int(duration)}s",
        "--timeout", "10s",
        "-s", str(LUA), base_url + path, "--", mode, path,
        str(tokens_file) if tokens_file else "-", str(body_file) if body_file else "-",
        run_id, str(threads),
    ]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    line = next((ln for ln in completed.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if completed.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stderr[-2000:]}")
    data = json.loads(line.removeprefix("WRKJSON "))
    return Result(
        name=name,
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        statuses=data["statuses"],
        socket_errors=data["socket_errors"],
    )


def prime(base_url: str, path: str, tokens_file: Path, threads: int = 8) -> dict[int, int]:
    """GET `path` once with every token of the file (a few keep-alive connections), so a
    read is measured in steady state however slow the machine is: a timed warm-up covers
    every resident only if it runs fast enough. Returns the count of each status."""
    tokens = [t for t in tokens_file.read_text().split() if t]
    where = urlsplit(base_url)

    def share(offset: int) -> dict[int, int]:
        conn = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
        counts: dict[int, int] = {}
        for token in tokens[offset::threads]:
            conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
            response = conn.getresponse()
            response.read()
            counts[response.status] = counts.get(response.status, 0) + 1
        conn.close()
        return counts

    total: dict[int, int] = {}
    with ThreadPoolExecutor(threads) as pool:
        for counts in pool.map(share, range(threads)):
            for status, n in counts.items():
                total[status] = total.get(status, 0) + n
    return total
