"""`make run`: the whole product on one machine, on the embedded default.

Checks first that the web port and the WeChat sandbox's port are free (`TPH_PORT`, 8000;
`TPH_SANDBOX_PORT`, 8765; `TPH_HOST`, 127.0.0.1) and stops with exit status 1 naming
the busy one, before starting anything: otherwise it would report success while someone
else's server answers. Then starts ONE redis-server on a unix socket in instance/, the
WeChat sandbox, applies the migrations, loads demo data, starts one RQ worker and the
scheduler of periodic jobs, runs gunicorn (several workers, all sharing that Redis and
the SQLite file), writes where all this listens for the mini-program's develop build
(miniprogram/local-backend.js, not committed) and prints the URLs. Ctrl-C stops
everything it started; any of its processes dying stops the rest, with a non-zero exit.

With DATABASE_URL / REDIS_URL set it uses those instead of the embedded ones; with
WECHAT_API_BASE_URL set, no sandbox is started (and its port is not needed).
"""

from __future__ import annotations

import argparse
import errno
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from app.embedded import start_redis_server
from config import BASE_DIR, INSTANCE_DIR

MINIPROGRAM_CONFIG = BASE_DIR / "miniprogram" / "local-backend.js"


class LaunchError(RuntimeError):
    """`make run` cannot go on: the message says why (a busy port, a process that died)."""


def _env_port(name: str, legacy: str | None, default: int) -> int:
    raw = os.environ.get(f"TPH_{name}") or (os.environ.get(legacy) if legacy else None)
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise LaunchError(f"TPH_{name}={raw!r}: must be a port number, 1-65535")
    return int(raw)


def _parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run the product with the WeChat sandbox.")
    parser.add_argument("--host", default=os.environ.get("TPH_HOST") or os.environ.get("HOST")
                        or "127.0.0.1")  # fmt: skip
    parser.add_argument("--port", type=int, default=_env_port("PORT", "PORT", 8000))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "4")))
    parser.add_argument("--sandbox-port", type=int, default=_env_port("SANDBOX_PORT", None, 8765))
    parser.add_argument("--no-demo", action="store_true", help="skip the demo data")
    parser.add_argument("--miniprogram-config", type=Path, default=MINIPROGRAM_CONFIG,
                        help="where to write the mini-program's local backend URLs")  # fmt: skip
    return parser.parse_args(argv)


def port_in_use(host: str, port: int) -> bool:
    """True when something already listens on (host, port), so a server could not bind it.
    SO_REUSEADDR as gunicorn sets it: a socket lingering in TIME_WAIT does not count."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return True
            raise
    return False


def check_ports(host: str, ports: dict[str, int]) -> None:
    """Raise LaunchError naming every busy port (and the variable that moves it)."""
    values = list(ports.values())
    if len(set(values)) != len(values):
        raise LaunchError(f"the ports must differ: {ports}")
    busy = [f"port {port} on {host} ({name}) is already in use"
            for name, port in ports.items() if port_in_use(host, port)]  # fmt: skip
    if busy:
        hint = ", ".join(f"{name}=<another port>" for name in ports)
        raise LaunchError("; ".join(busy) + f". Stop what listens there, or set {hint}.")


def _wait_http(url: str, child: subprocess.Popen, name: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise LaunchError(f"{name} exited with status {child.returncode}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise LaunchError(f"{name} did not answer at {url} in time")


def write_miniprogram_config(path: Path, base_url: str, sandbox_url: str | None) -> None:
    """Where this machine's backend listens, for the mini-program's develop build
    (miniprogram/config.js reads it, else uses 127.0.0.1:8000 and :8765)."""
    sandbox = f"'{sandbox_url}'" if sandbox_url else "null"
    path.write_text(
        "// Written by `make run` (app/launcher.py) for WeChat DevTools: where the local\n"
        "// backend and its WeChat sandbox listen. Not committed (.gitignore).\n"
        f"module.exports = {{ baseUrl: '{base_url}/api/v1', sandboxUrl: {sandbox} }};\n"
    )


def _start_all(args: argparse.Namespace, children: dict[str, subprocess.Popen]) -> None:
    env = dict(os.environ, APP_ENV=os.environ.get("APP_ENV", "development"))
    env.setdefault("SECRET_KEY", "dev-only-secret-key-change-me")
    with_sandbox = "WECHAT_API_BASE_URL" not in env and "TPH_WECHAT_API_BASE_URL" not in env
    ports = {"TPH_PORT": args.port}
    if with_sandbox:
        ports["TPH_SANDBOX_PORT"] = args.sandbox_port
    check_ports(args.host, ports)  # before anything is started

    if "REDIS_URL" not in env and "TPH_REDIS_URL" not in env:
        socket_path = Path(INSTANCE_DIR) / "redis.sock"
        redis_process = start_redis_server(socket_path)
        if redis_process:
            children["redis-server"] = redis_process
        env["REDIS_URL"] = f"unix://{socket_path}"
    sandbox_url = None
    if with_sandbox:
        sandbox_url = f"http://127.0.0.1:{args.sandbox_port}/"
        sandbox = [sys.executable, "-m", "app.wechat.sandbox", "--port", str(args.sandbox_port)]
        children["WeChat sandbox"] = subprocess.Popen(sandbox, env=env)
        _wait_http(sandbox_url + "sandbox/stats", children["WeChat sandbox"], "the WeChat sandbox")
        env["WECHAT_API_BASE_URL"] = sandbox_url

    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], env=env, check=True)
    subprocess.run([*flask, "seed", *([] if args.no_demo else ["--demo"])], env=env, check=True)

    # One RQ worker for the background jobs (bulk review, exports, notices, the periodic
    # jobs) and the scheduler that queues the periodic ones (expiry, rebuilds; at start it
    # rebuilds the leaderboards a fresh Redis lacks): the commands the units run.
    children["job worker"] = subprocess.Popen([*flask, "ops", "worker"], env=env)
    children["scheduler"] = subprocess.Popen([*flask, "scheduler", "run"], env=env)
    base = f"http://{args.host}:{args.port}"
    children["gunicorn"] = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "wsgi:app",
            "--bind", f"{args.host}:{args.port}",
            "--workers", str(args.workers),
            "--worker-class", "gthread", "--threads", "4",
            "--no-control-socket",
        ],
        env=env,
    )  # fmt: skip
    _wait_http(base + "/healthz", children["gunicorn"], "gunicorn")
    local = base.replace("://0.0.0.0:", "://127.0.0.1:")
    if args.miniprogram_config.parent.is_dir():  # a checkout with the mini-program
        write_miniprogram_config(args.miniprogram_config, local, sandbox_url and sandbox_url[:-1])
    print(
        "\n碳普惠 is running:\n"
        f"  API            {base}/api/v1/\n"
        f"  Swagger UI     {base}/api/v1/docs\n"
        f"  web console    {base}/console/\n"
        f"  registry       {base}/registry/   (public: batches, retirements, certificates)\n"
        f"  OpenAPI        {base}/api/v1/openapi.json\n"
        f"  health         {base}/healthz   {base}/readyz\n"
        f"  WeChat sandbox {env['WECHAT_API_BASE_URL']}\n"
        f"  mini-program   develop build uses {local}/api/v1 ({args.miniprogram_config.name})\n"
        "Demo logins: admin / admin-demo-pw (operator), admin2 / admin2-demo-pw (second\n"
        "operator), shop / shop-demo-pw (merchant), verifier / verifier-demo-pw, greenco /\n"
        "greenco-demo-pw (a holder). Periodic jobs: `flask --app wsgi scheduler list`.\n"
        "Ctrl-C stops everything.\n",
        flush=True,
    )


def _watch(children: dict[str, subprocess.Popen]) -> int:
    """Wait until one of the processes ends; its name and status go to stderr."""
    while True:
        for name, child in children.items():
            if child.poll() is not None:
                print(f"make run: {name} exited with status {child.returncode}; stopping",
                      file=sys.stderr, flush=True)  # fmt: skip
                return 1
        time.sleep(0.5)


def main(argv: list[str] | None = None) -> int:
    """`make run`: check the ports, start Redis, the WeChat sandbox, a worker, the scheduler
    and gunicorn; stop them all when one ends or on Ctrl-C. Returns the exit status."""

    def _interrupt(*_):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    children: dict[str, subprocess.Popen] = {}
    try:
        args = _parse_args(argv)
        _start_all(args, children)
        return _watch(children)
    except KeyboardInterrupt:
        return 0
    except (LaunchError, subprocess.CalledProcessError) as exc:
        print(f"make run: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        _stop_children(children)


def _stop_children(children: dict[str, subprocess.Popen]) -> None:
    """Stop gunicorn first, then the workers and the sandbox, then Redis; kill what does not
    stop."""
    for child in reversed(children.values()):
        if child.poll() is None:
            child.terminate()
    for child in reversed(children.values()):
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


if __name__ == "__main__":
    sys.exit(main())
