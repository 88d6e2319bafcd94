"""`make run`: the whole product on one machine, on the embedded default.

Starts ONE redis-server on a unix socket in instance/, the WeChat sandbox, applies the
migrations, loads demo data, then runs gunicorn (several workers, all sharing that Redis
and the SQLite file) and prints the URLs. Ctrl-C stops everything it started.

With DATABASE_URL / REDIS_URL set it uses those instead of the embedded ones.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from app.embedded import start_redis_server
from config import INSTANCE_DIR


def _wait_http(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer in time")


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run the product with the WeChat sandbox.")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "4")))
    parser.add_argument("--sandbox-port", type=int, default=8765)
    parser.add_argument("--no-demo", action="store_true", help="skip the demo data")
    return parser.parse_args()


def _start_all(args: argparse.Namespace, children: list[subprocess.Popen]) -> subprocess.Popen:
    env = dict(os.environ, APP_ENV=os.environ.get("APP_ENV", "development"))
    env.setdefault("SECRET_KEY", "dev-only-secret-key-change-me")
    if "REDIS_URL" not in env:
        socket_path = Path(INSTANCE_DIR) / "redis.sock"
        redis_process = start_redis_server(socket_path)
        if redis_process:
            children.append(redis_process)
        env["REDIS_URL"] = f"unix://{socket_path}"
    if "WECHAT_API_BASE_URL" not in env:
        sandbox_url = f"http://127.0.0.1:{args.sandbox_port}/"
        sandbox = [sys.executable, "-m", "app.wechat.sandbox", "--port", str(args.sandbox_port)]
        children.append(subprocess.Popen(sandbox, env=env))
        _wait_http(sandbox_url + "sandbox/stats")
        env["WECHAT_API_BASE_URL"] = sandbox_url

    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], env=env, check=True)
    subprocess.run([*flask, "seed", *([] if args.no_demo else ["--demo"])], env=env, check=True)

    # One RQ worker for the console's background jobs (bulk review, exports, expiry run),
    # the command the worker unit runs (deploy/systemd), with the app's log lines.
    children.append(subprocess.Popen([*flask, "ops", "worker"], env=env))
    base = f"http://{args.host}:{args.port}"
    gunicorn = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "wsgi:app",
            "--bind", f"{args.host}:{args.port}",
            "--workers", str(args.workers),
            "--worker-class", "gthread", "--threads", "4",
            "--no-control-socket",
        ],
        env=env,
    )  # fmt: skip
    children.append(gunicorn)
    _wait_http(base + "/healthz")
    print(
        "\n碳普惠 is running:\n"
        f"  API            {base}/api/v1/\n"
        f"  Swagger UI     {base}/api/v1/docs\n"
        f"  web console    {base}/console/\n"
        f"  registry       {base}/registry/   (public: batches, retirements, certificates)\n"
        f"  OpenAPI        {base}/api/v1/openapi.json\n"
        f"  health         {base}/healthz   {base}/readyz\n"
        f"  WeChat sandbox {env['WECHAT_API_BASE_URL']}\n"
        "Demo logins: admin / admin-demo-pw (operator), admin2 / admin2-demo-pw (second\n"
        "operator), verifier / verifier-demo-pw, greenco / greenco-demo-pw (a holder).\n"
        "Ctrl-C stops everything.\n",
        flush=True,
    )
    return gunicorn


def main() -> None:
    args = _parse_args()

    def _interrupt(*_):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    children: list[subprocess.Popen] = []
    try:
        _start_all(args, children).wait()
    except KeyboardInterrupt:
        pass
    finally:
        _stop_children(children)


def _stop_children(children: list[subprocess.Popen]) -> None:
    """Stop gunicorn first, then the sandbox, then Redis; kill what does not stop."""
    for child in reversed(children):
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


if __name__ == "__main__":
    main()
