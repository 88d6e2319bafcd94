"""Helpers for tests: auth headers, the sandbox handle, a gunicorn runner."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


class Sandbox:
    """Test-side handle on the WeChat sandbox's control endpoints."""

    def __init__(self, base_url: str):
        self.base_url = base_url

    def login_code(self, openid: str | None = None) -> dict:
        body = {"openid": openid} if openid else {}
        return requests.post(self.base_url + "sandbox/login-code", json=body, timeout=5).json()

    def werun_data(self, openid: str, steps: list[dict], **extra) -> dict:
        body = {"openid": openid, "step_info_list": steps, **extra}
        return requests.post(self.base_url + "sandbox/werun-data", json=body, timeout=5).json()

    def stats(self) -> dict:
        return requests.get(self.base_url + "sandbox/stats", timeout=5).json()

    def messages(self) -> list[dict]:
        return requests.get(self.base_url + "sandbox/messages", timeout=5).json()["items"]

    def faults(self, delay_seconds: float = 0, failing: bool = False) -> None:
        body = {"delay_seconds": delay_seconds, "failing": failing}
        requests.post(self.base_url + "sandbox/faults", json=body, timeout=5)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen
    log_path: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_gunicorn(settings: dict, workdir: Path, workers: int = 4) -> LiveServer:
    """Run `gunicorn wsgi:app` with the test settings in the environment."""
    port = free_port()
    env = dict(
        os.environ,
        APP_ENV="testing",
        DATABASE_URL=settings["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=settings["REDIS_URL"],
        WECHAT_API_BASE_URL=settings["WECHAT_API_BASE_URL"],
        WECHAT_APPID=settings["WECHAT_APPID"],
        WECHAT_SECRET=settings["WECHAT_SECRET"],
        INSTANCE_PATH=str(workdir),
        LOG_LEVEL="WARNING",
    )
    log_path = workdir / "gunicorn.log"
    process = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "wsgi:app",
            "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers),
            "--worker-class", "gthread", "--threads", "4",
            "--no-control-socket",
        ],
        cwd=ROOT,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/healthz", timeout=1).status_code == 200:
                return LiveServer(url, process, log_path)
        except requests.RequestException:
            time.sleep(0.1)
        if process.poll() is not None:
            break
    process.kill()
    raise RuntimeError(f"gunicorn did not start: {log_path.read_text()[-2000:]}")
