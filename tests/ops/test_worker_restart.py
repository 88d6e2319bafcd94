"""`flask ops worker` outlives a Redis restart, even one at the moment it records the end
of a job (RQ leaves its loop then; the command starts it again), and still stops cleanly
on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import redis

from app.embedded import start_redis_server
from tests.conftest import make_app
from tests.helpers import ROOT, process_env


def _enqueue(app, func: str, *args) -> None:
    from app.jobs import job_queue

    with app.app_context():
        job_queue().enqueue(func, *args)


def test_the_worker_rides_out_redis_going_away_at_the_end_of_a_job(app_settings, tmp_path):
    socket_path = tmp_path / "redis" / "redis.sock"
    redis_process = start_redis_server(socket_path)
    settings = {**app_settings, "REDIS_URL": f"unix://{socket_path}"}
    own = make_app(settings)
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "ops", "worker"],
                              cwd=ROOT, env=process_env(settings, tmp_path))  # fmt: skip
    try:
        _enqueue(own, "tests.ops.worker_jobs.shut_redis_down", str(socket_path))
        redis_process.wait(timeout=60)  # the job stopped it; the worker is finishing up
        time.sleep(3)  # long enough for RQ to give up its loop
        redis_process = start_redis_server(socket_path)  # back, empty
        _enqueue(own, "tests.ops.worker_jobs.mark", str(socket_path), "after-restart")
        conn = redis.Redis(unix_socket_path=str(socket_path))
        deadline = time.monotonic() + 60
        while conn.get("after-restart") is None and time.monotonic() < deadline:
            assert worker.poll() is None, "the worker exited"
            time.sleep(0.2)
        assert conn.get("after-restart") == b"ran"
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        if redis_process is not None and redis_process.poll() is None:
            redis_process.terminate()
            redis_process.wait(timeout=10)
    assert worker.returncode == 0
