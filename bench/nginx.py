"""nginx in front of gunicorn nodes, on loopback, as a non-daemon child process (the
scale-out tests; config generated into the caller's directory)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

from bench.servers import free_port, wait_http

NGINX_CONF = """\
{user}worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    client_max_body_size 8m;
    upstream app {{
{servers}
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            # A POST that reached a node is never sent again to the other (nginx's
            # default for non-idempotent methods): a retry is the client's, with its key.
            proxy_next_upstream error timeout;
            proxy_read_timeout 60s;
        }}
    }}
}}
"""


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )


class Nginx:
    """nginx on loopback in front of `upstreams` (host:port), a non-daemon child process
    with its config and temp files in `workdir`."""

    def __init__(self, workdir: Path, upstreams: list[str], port: int | None = None):
        self.workdir = Path(workdir)
        self.upstreams = upstreams
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def write_config(self) -> Path:
        self.workdir.mkdir(parents=True, exist_ok=True)
        conf = self.workdir / "nginx.conf"
        conf.write_text(NGINX_CONF.format(
            user="user root;\n" if os.geteuid() == 0 else "",
            dir=self.workdir, port=self.port,
            servers="\n".join(f"        server {u};" for u in self.upstreams),
        ))  # fmt: skip
        return conf

    def start(self, timeout: float = 15.0) -> Nginx:
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed (apt-get install -y nginx)")
        conf = self.write_config()
        self.process = subprocess.Popen(
            [binary, "-p", str(self.workdir), "-e", str(self.workdir / "error.log"),
             "-c", str(conf), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=(self.workdir / "stderr.log").open("w"),
        )  # fmt: skip
        try:
            wait_http(self.url + "/healthz", timeout, self.process)
        except RuntimeError:
            self.stop()
            errors = (self.workdir / "error.log").read_text() if self.workdir.exists() else ""
            raise RuntimeError(f"nginx did not start: {errors[-2000:]}") from None
        return self

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGQUIT)  # graceful: finish what is in flight
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
