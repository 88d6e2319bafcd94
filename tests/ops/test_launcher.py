"""`make run` (app/launcher.py): a busy web or sandbox port stops it at once, non-zero,
naming the port, before anything starts; the ports come from TPH_PORT / TPH_SANDBOX_PORT;
it starts the whole product there (with the scheduler), tells the mini-program where, and
after a restart (a fresh, empty Redis) the leaderboards are rebuilt by themselves."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import redis
import requests

from tests.helpers import ROOT

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(instance: Path, **extra: str) -> dict:
    """The machine's environment without the test run's database, Redis or settings: the
    launcher's own embedded default, in `instance`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TPH_") and k not in ("DATABASE_URL", "REDIS_URL", "APP_ENV",
                                                     "WECHAT_API_BASE_URL")}  # fmt: skip
    env.update(TPH_INSTANCE_PATH=str(instance), WEB_CONCURRENCY="2", **extra)
    return env


class _Healthy(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *_args) -> None:
        pass


@pytest.fixture
def listener():
    """Someone else's server on a free loopback port, answering 200 to anything (so a
    launcher that only polled for an answer would think its own server was up)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Healthy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("variable", ["TPH_PORT", "TPH_SANDBOX_PORT"])
def test_make_run_exits_non_zero_naming_the_busy_port(tmp_path, listener, variable):
    other = "TPH_SANDBOX_PORT" if variable == "TPH_PORT" else "TPH_PORT"
    env = _env(tmp_path, **{variable: str(listener), other: str(_free_port())})
    started = time.monotonic()

    result = subprocess.run(["make", "-s", "run"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)  # fmt: skip

    assert result.returncode != 0
    assert f"port {listener} on 127.0.0.1 ({variable}) is already in use" in result.stderr
    assert time.monotonic() - started < 30
    assert not (tmp_path / "redis.sock").exists()  # nothing was started
    assert not (tmp_path / "tanpuhui.sqlite3").exists()


def test_a_port_that_is_no_port_is_refused(tmp_path):
    result = subprocess.run([sys.executable, "-m", "app.launcher"], cwd=ROOT, timeout=60,
                            env=_env(tmp_path, TPH_PORT="80a"), capture_output=True,
                            text=True)  # fmt: skip
    assert result.returncode == 1
    assert "TPH_PORT='80a': must be a port number" in result.stderr


class _Launch:
    def __init__(self, tmp_path: Path, port: int, sandbox_port: int):
        self.log = (tmp_path / f"launch-{port}.log").open("w+")
        self.config = tmp_path / "local-backend.js"
        argv = [sys.executable, "-m", "app.launcher", "--miniprogram-config", str(self.config)]
        env = _env(tmp_path / "instance", TPH_PORT=str(port), TPH_SANDBOX_PORT=str(sandbox_port))
        self.process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT, text=True)  # fmt: skip

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def wait_running(self, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while "碳普惠 is running" not in self.output():
            assert self.process.poll() is None, self.output()
            assert time.monotonic() < deadline, self.output()
            time.sleep(0.5)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        finally:
            self.log.close()


def _wait_for_rebuild(conn: redis.Redis, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not conn.exists("carbon:lb-meta:built"):
        assert time.monotonic() < deadline, "the leaderboards were not rebuilt"
        time.sleep(0.5)


def test_make_run_on_its_ports_and_the_leaderboard_after_a_restart(tmp_path):
    port, sandbox_port = _free_port(), _free_port()
    conn = redis.Redis(unix_socket_path=str(tmp_path / "instance" / "redis.sock"))
    launch = _Launch(tmp_path, port, sandbox_port)
    try:
        launch.wait_running()
        assert requests.get(f"http://127.0.0.1:{port}/readyz", timeout=10).status_code == 200
        stats = requests.get(f"http://127.0.0.1:{sandbox_port}/sandbox/stats", timeout=10)
        assert stats.status_code == 200
        assert re.search(f"API +http://127.0.0.1:{port}/api/v1/", launch.output())
        assert launch.config.read_text().endswith(
            f"module.exports = {{ baseUrl: 'http://127.0.0.1:{port}/api/v1', "
            f"sandboxUrl: 'http://127.0.0.1:{sandbox_port}' }};\n"
        )
        _wait_for_rebuild(conn)  # the scheduler's start-up: the boards get their rebuild
        boards = sorted(conn.scan_iter(match="carbon:lb:*"))
        assert boards, "the demo's approved records are on the boards"
    finally:
        assert launch.stop() == 0, launch.output()
    # Everything it started is gone: the ports are free again.
    assert not _port_taken(port) and not _port_taken(sandbox_port)

    again = _Launch(tmp_path, port, sandbox_port)  # a fresh, empty redis-server this time
    try:
        again.wait_running()
        _wait_for_rebuild(conn)
        assert sorted(conn.scan_iter(match="carbon:lb:*")) == boards
    finally:
        assert again.stop() == 0, again.output()


def _port_taken(port: int) -> bool:
    from app.launcher import port_in_use

    return port_in_use("127.0.0.1", port)
