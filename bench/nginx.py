"""nginx in front of gunicorn nodes, on loopback, as a non-daemon child process, running
the production site config deploy/nginx/tanpuhui.conf (the scale-out tests).

The site file is used as it ships; `render_site` changes only what differs on this
machine: the node addresses, the listen ports (loopback), the certificate (a self-signed
one made here) and the log paths, and fails if one of those lines is no longer in the
file (so the test never quietly runs something else). A minimal main config around it
holds the pid file and temp paths.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

from bench.servers import ROOT, free_port, wait_http

SITE = ROOT / "deploy" / "nginx" / "tanpuhui.conf"

MAIN_CONF = """\
{user}worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {dir}/site.conf;
}}
"""


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )


def _replace(text: str, pattern: str, new: str, count: int = 0) -> str:
    result, n = re.subn(pattern, new, text, count=count, flags=re.MULTILINE)
    if n == 0:
        raise RuntimeError(f"{SITE.name}: no line matches {pattern!r} any more")
    return result


def render_site(upstreams: list[str], http_port: int, https_port: int, workdir: Path) -> str:
    """deploy/nginx/tanpuhui.conf with this machine's addresses, ports and paths."""
    text = SITE.read_text()
    nodes = re.findall(r"^(\s*)server 10\.0\.1\.\d+:8000( [^;]*)?;$", text, re.MULTILINE)
    if not nodes:
        raise RuntimeError(f"{SITE.name}: no upstream server lines")
    indent, options = nodes[0]
    lines = "\n".join(f"{indent}server {u}{options};" for u in upstreams)
    text = _replace(text, r"^\s*server 10\.0\.1\.\d+:8000[^;]*;\n", "")
    text = _replace(text, r"^(\s*keepalive 32;)$", lines + "\n\\1")
    text = _replace(text, r"^\s*listen \[::\]:\d+[^;]*;\n", "")
    text = _replace(text, r"^(\s*)listen 80;$", rf"\1listen 127.0.0.1:{http_port};")
    text = _replace(text, r"^(\s*)listen 443 (.*);$", rf"\1listen 127.0.0.1:{https_port} \2;")
    text = _replace(text, r"/etc/ssl/tanpuhui/", f"{workdir}/tls/")
    return _replace(text, r"/var/log/nginx/", f"{workdir}/")


def write_self_signed(directory: Path) -> Path:
    """A certificate for 127.0.0.1 (fullchain.pem, privkey.pem); returns the certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    (directory / "privkey.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))  # fmt: skip
    (directory / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return directory / "fullchain.pem"


class Nginx:
    """nginx on loopback in front of `upstreams` (host:port) with the production site
    config, a non-daemon child process with its files in `workdir`. `url` is https (the
    certificate to trust is `ca_file`); `http_url` is the port-80 server (redirects)."""

    def __init__(self, workdir: Path, upstreams: list[str]):
        self.workdir = Path(workdir)
        self.upstreams = upstreams
        self.http_port, self.https_port = free_port(), free_port()
        self.ca_file = self.workdir / "tls" / "fullchain.pem"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def write_config(self) -> Path:
        self.workdir.mkdir(parents=True, exist_ok=True)
        write_self_signed(self.workdir / "tls")
        site = render_site(self.upstreams, self.http_port, self.https_port, self.workdir)
        (self.workdir / "site.conf").write_text(site)
        conf = self.workdir / "nginx.conf"
        conf.write_text(MAIN_CONF.format(
            user="user root;\n" if os.geteuid() == 0 else "", dir=self.workdir))  # fmt: skip
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
            wait_http(self.url + "/healthz", timeout, self.process, verify=str(self.ca_file))
        except RuntimeError:
            self.stop()
            errors = ""
            for name in ("error.log", "stderr.log"):
                if (self.workdir / name).exists():
                    errors += (self.workdir / name).read_text()
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
