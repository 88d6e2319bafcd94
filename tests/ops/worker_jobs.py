"""Jobs for tests/ops/test_worker_restart.py, run by a real `flask ops worker`."""

from __future__ import annotations

import contextlib

import redis


def shut_redis_down(socket_path: str) -> str:
    """Stop Redis from inside a job: the worker then records the job's end without it."""
    with contextlib.suppress(redis.ConnectionError):
        redis.Redis(unix_socket_path=socket_path).shutdown(nosave=True)
    return "down"


def mark(socket_path: str, key: str) -> str:
    redis.Redis(unix_socket_path=socket_path).set(key, "ran")
    return "ran"
